#!/usr/bin/env bash
# Real rule dumps of a Debian suite's Docker engine, for the port-audit unit tests.
# Usage: tools/engine-dumps.sh SUITE [OUTDIR]     (SUITE: trixie, sid, ...; OUTDIR: the fixtures folder)
#
# Makes a minimal rootfs of SUITE with docker.io (debootstrap), runs it as a nested lab host on the
# machine's engine (the grants of molecule/labhosts-create.yml, no network, its own cgroup parent),
# starts that suite's dockerd with a dual-stack default bridge and ip6tables on, publishes ports from
# three containers (default bridge, a dual-stack and an IPv4-only network; a fourth sits on an internal
# network, which publishes nothing), and saves, for each of
# three rounds (userland-proxy on; off; on with iptables-legacy), OUTDIR/engine-<version>[-variant]/:
# iptables-save, ip6tables-save, nft list ruleset, /proc/net/{tcp,tcp6,udp,udp6}, the processes of
# the host's network namespace, the Engine API's containers, networks and version, and versions.txt.
# Everything it makes is named lbtdump-<suite>-<random> and removed on exit. Needs root and
# labnet/box:latest (tools/build-box-image.sh).
set -euo pipefail
suite=${1:?usage: tools/engine-dumps.sh SUITE [OUTDIR]}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$here/tests/unit/plugins/module_utils/_portaudit/fixtures}
python=${PYTHON:-$here/.venv/bin/python}
name=lbtdump-$suite-$RANDOM
work=$(mktemp -d "/tmp/$name.XXXX")
caps=(AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID IPC_LOCK
      IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD NET_ADMIN NET_BIND_SERVICE NET_BROADCAST
      NET_RAW SETFCAP SETGID SETPCAP SETUID SYS_ADMIN SYS_BOOT SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE
      SYS_RAWIO SYS_TIME SYS_TTY_CONFIG SYSLOG WAKE_ALARM)

inner() { docker exec -i "$name" bash -c "$1"; }

stop_engine() {
    inner 'if [ -f /run/docker.pid ] && kill -0 "$(cat /run/docker.pid)" 2>/dev/null; then
             kill "$(cat /run/docker.pid)"; for _ in $(seq 150); do [ -e /run/docker.pid ] || break; sleep 0.2; done
           fi' || true
}

cleanup() {
    if docker inspect "$name" >/dev/null 2>&1; then
        inner 'docker rm -f $(docker ps -aq) >/dev/null 2>&1' || true
        stop_engine
        docker rm -f "$name" >/dev/null
    fi
    docker volume rm "$name-docker" >/dev/null 2>&1 || true
    docker rmi "$name:rootfs" >/dev/null 2>&1 || true
    find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -path "*/$name*" | sort -r | xargs -r rmdir || true
    rm -rf "$work"
}
trap cleanup EXIT

# start_engine PROXY: (re)start the inner dockerd, userland-proxy PROXY (true/false)
start_engine() {
    stop_engine
    inner "sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0
           mkdir -p /etc/docker
           major=\$(dockerd --version | sed -E 's/^Docker version ([0-9]+).*/\\1/')
           extra=''; [ \"\$major\" -lt 27 ] && extra=', \"experimental\": true'   # ip6tables is experimental before 27
           echo '{\"ipv6\": true, \"fixed-cidr-v6\": \"fd00:6a:1::/64\", \"ip6tables\": true, \"userland-proxy\": $1'\"\$extra\"'}' \
               > /etc/docker/daemon.json
           nohup dockerd --cgroup-parent /$name > /var/log/dockerd.log 2>&1 < /dev/null &
           for _ in \$(seq 100); do docker version >/dev/null 2>&1 && exit 0; sleep 0.3; done
           tail -n 5 /var/log/dockerd.log >&2; exit 1"
}

lab() {
    docker save labnet/box:latest | docker exec -i "$name" docker load -q
    inner 'set -e
           docker network create --ipv6 --subnet 172.30.6.0/24 --subnet fd00:6a:2::/64 lbt6a-dual >/dev/null
           docker network create --subnet 172.30.7.0/24 lbt6a-v4 >/dev/null
           docker network create --internal --subnet 172.30.8.0/24 lbt6a-internal >/dev/null
           docker run -d --name web -p 8080:80 -p 127.0.0.1:5353:53/udp labnet/box:latest labnet-web >/dev/null
           docker run -d --name api --network lbt6a-dual -p 9000:80 -p "[::1]:9443:80" labnet/box:latest labnet-web >/dev/null
           docker run -d --name old --network lbt6a-v4 -p 9100:80 labnet/box:latest labnet-web >/dev/null
           docker run -d --name hidden --network lbt6a-internal labnet/box:latest labnet-web >/dev/null'
}

collect() {
    sleep 2
    inner 'docker start web api old hidden >/dev/null'
    sleep 1
    "$python" "$here/tools/engine-dump-collect.py" "$name" "$work/dump"
    version=$(inner "dockerd --version" | sed -E 's/^Docker version ([0-9.]+).*/\1/')
    mkdir -p "$out"
    rm -rf "$out/engine-$version$1"
    mv "$work/dump" "$out/engine-$version$1"
    echo "engine-dumps: $out/engine-$version$1"
}

debootstrap --variant=minbase --include=docker.io,docker-cli,iptables,iproute2,nftables,procps \
    "$suite" "$work/rootfs" http://deb.debian.org/debian > "$work/debootstrap.log"
tar -C "$work/rootfs" -c . | docker import - "$name:rootfs" >/dev/null
rm -rf "$work/rootfs"
docker run -d --init --name "$name" --hostname "$name" --network none \
    -v "$name-docker:/var/lib/docker" -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
    "${caps[@]/#/--cap-add=}" "$name:rootfs" sleep infinity >/dev/null

start_engine true && lab && collect ""
start_engine false && collect "-no-proxy"
stop_engine
inner 'nft flush ruleset
       update-alternatives --quiet --set iptables /usr/sbin/iptables-legacy
       update-alternatives --quiet --set ip6tables /usr/sbin/ip6tables-legacy'
start_engine true && collect "-legacy"
