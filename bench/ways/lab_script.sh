#!/usr/bin/env bash
# The lab section's script way: the default lab as the tutorial types it, one command after another,
# then the same checks as playbooks/verify.yml (pings both ways between alpha and beta, HTTP from the
# client to the web server by its link alias, the host reaching the containers through the shim,
# the published port from the host, its DNAT rule and docker-proxy).
# Usage: lab_script.sh NAME SUBNET PORT LABEL   (names start with NAME; bench/lab.py removes them)
set -euo pipefail
name=$1 subnet=$2 port=$3 label=$4
net=${subnet%.0/24}
image=${LABNET_BOX_IMAGE:-labnet/box:latest}
sleeper=(/bin/sh -c "trap 'exit 0' TERM; sleep 2147483647 & wait")

# A veth lab NIC (never the uplink), promiscuous, and the macvlan network on it.
ip link add "$name-nic" type veth peer name "$name-nicp"
ip link set "$name-nic" promisc on up
ip link set "$name-nicp" up
docker network create -d macvlan --subnet "$subnet" --gateway "$net.1" --ip-range "$net.128/25" \
    -o parent="$name-nic" --label "$label" "$name-lan" >/dev/null
# The shim: the host reaches its macvlan containers through a macvlan of its own.
ip link add "$name-shm" link "$name-nic" type macvlan mode bridge
ip addr add "$net.127/32" dev "$name-shm"
ip link set "$name-shm" up
ip route add "$subnet" dev "$name-shm"

docker run -d --name "$name-alpha" --label "$label" --network "$name-lan" --ip "$net.10" "$image" "${sleeper[@]}" >/dev/null
docker run -d --name "$name-beta" --label "$label" --network "$name-lan" --ip "$net.11" "$image" "${sleeper[@]}" >/dev/null
docker run -d --name "$name-web" --hostname web --label "$label" -p "$port:80" "$image" /bin/labnet-web >/dev/null
docker run -d --name "$name-client" --label "$label" --link "$name-web:www" "$image" "${sleeper[@]}" >/dev/null

# The checks. A service may need a moment to answer: a few tries each.
# The host's ping, or busybox's where the host has none (as verify.yml picks it).
ping=(ping)
command -v ping >/dev/null || ping=(busybox ping)
try() { local i; for i in 1 2 3 4 5 6 7 8 9 10; do "$@" >/dev/null 2>&1 && return 0; sleep 0.3; done; echo "check failed: $*" >&2; return 1; }
try docker exec "$name-alpha" ping -c 1 -W 1 "$net.11"
try docker exec "$name-beta" ping -c 1 -W 1 "$net.10"
try sh -c "docker exec '$name-client' wget -qO- http://www/ | grep -q 'labnet box web'"
try "${ping[@]}" -c 1 -W 1 -I "$name-shm" "$net.10"
try "${ping[@]}" -c 1 -W 1 -I "$name-shm" "$net.11"
try sh -c "wget -qO- http://127.0.0.1:$port/ 2>/dev/null | grep -q 'labnet box web' || curl -fsS http://127.0.0.1:$port/ | grep -q 'labnet box web'"
try sh -c "iptables -t nat -S DOCKER | grep -q -- '--dport $port '"
try pgrep -f "docker-proxy .*-host-port $port "
echo "lab $name: deployed and checked"
