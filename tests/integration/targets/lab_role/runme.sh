#!/usr/bin/env bash
# The lab role end to end on this host: deploy the default (tutorial) lab under a random lbt name,
# check, apply, apply again, check again (changed, changed, unchanged, unchanged); verify; heal a
# fault; refuse an unsafe parent; destroy (check, apply, apply again) and assert nothing is left.
set -euo pipefail
cd "$(dirname "$0")"

name=lbt$(( RANDOM % 90000 + 10000 ))
subnet=172.31.$(( RANDOM % 40 + 200 )).0/24
port=$(( RANDOM % 10000 + 20000 ))
report=${OUTPUT_DIR:-$(mktemp -d)}/lab-report-$name
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ANSIBLE_NOCOLOR=1
args=(-i inventory.yml -e "lab_name=$name" -e "lab_default_subnet=$subnet" -e "lab_default_web_port=$port"
      -e "lab_report_dir=$report")
log=$(mktemp)

# play PLAYBOOK [ARGS]: run it, keep its output in $log, print the changed count of localhost.
play() {
    local playbook=$1
    shift
    ansible-playbook "${args[@]}" "$playbook" "$@" >"$log" 2>&1 || { cat "$log"; return 1; }
    sed -n 's/^localhost *: .*changed=\([0-9]*\).*/\1/p' "$log"
}
expect() {  # expect WHAT CHANGED WANT(changed|unchanged)
    if { [ "$3" = changed ] && [ "$2" -gt 0 ]; } || { [ "$3" = unchanged ] && [ "$2" -eq 0 ]; }; then
        echo "ok: $1: changed=$2"
    else
        cat "$log"; echo "FAILED: $1: changed=$2, expected $3" >&2; exit 1
    fi
}
cleanup() { ansible-playbook "${args[@]}" labnet.docker.destroy >/dev/null 2>&1 || true; rm -f "$log"; }
trap cleanup EXIT

echo "lab_role: lab $name, subnet $subnet, port $port"

# An unsafe parent is refused before anything is made.
cat >"$log.topology.json" <<JSON
{"lab_topology": {"networks": [{"name": "lan", "subnet": "$subnet", "parent": "eth0"}],
                  "containers": [{"name": "solo", "networks": ["lan"]}], "checks": {}}}
JSON
if ansible-playbook "${args[@]}" -e "@$log.topology.json" labnet.docker.deploy >"$log" 2>&1; then
    cat "$log"; echo "FAILED: a lab on the uplink eth0 was not refused" >&2; exit 1
fi
grep -q "parent eth0 carries the default route" "$log" || { cat "$log"; echo "FAILED: wrong refusal" >&2; exit 1; }
[ -z "$(docker ps -aq --filter "label=labnet.lab=$name")" ] || { echo "FAILED: the refused run made containers" >&2; exit 1; }
rm -f "$log.topology.json"
echo "ok: a parent with the default route is refused, nothing made"

expect "deploy, check mode" "$(play labnet.docker.deploy --check)" changed
[ -z "$(docker ps -aq --filter "label=labnet.lab=$name")" ] || { echo "FAILED: check mode made containers" >&2; exit 1; }
! ip link show "$name-nic" >/dev/null 2>&1 || { echo "FAILED: check mode made the veth NIC" >&2; exit 1; }
expect "deploy" "$(play labnet.docker.deploy)" changed
expect "deploy again" "$(play labnet.docker.deploy)" unchanged
expect "deploy again, check mode" "$(play labnet.docker.deploy --check)" unchanged
play assert_deployed.yml >/dev/null
echo "ok: the lab is as planned"

play labnet.docker.verify >/dev/null
grep -q "passed, 0 failed" "$log" || { cat "$log"; echo "FAILED: verify" >&2; exit 1; }
for f in report.md topology.dot topology.svg; do [ -s "$report/$f" ] || { echo "FAILED: $report/$f missing" >&2; exit 1; }; done
grep -q '^flowchart LR' "$report/report.md" && grep -q '<svg' "$report/topology.svg"
echo "ok: verify passed all checks and wrote $report"

# A fault: someone turns promiscuous mode off and takes a container away. Deploy heals both.
ip link set dev "$name-nic" promisc off
docker rm -f "$name-beta" >/dev/null
expect "deploy after faults" "$(play labnet.docker.deploy)" changed
ip -d link show dev "$name-nic" | grep -q PROMISC
play labnet.docker.verify >/dev/null
echo "ok: deploy healed the faults and verify passes"

# verify fails when a check fails.
docker stop "$name-web" >/dev/null
if play labnet.docker.verify >/dev/null; then echo "FAILED: verify passed with the web server stopped" >&2; exit 1; fi
grep -q "lab check(s) failed" "$log" || { cat "$log"; exit 1; }
echo "ok: verify fails when the web server is down"

expect "destroy, check mode" "$(play labnet.docker.destroy --check)" changed
[ -n "$(docker ps -aq --filter "label=labnet.lab=$name")" ] || { echo "FAILED: check mode removed containers" >&2; exit 1; }
expect "destroy" "$(play labnet.docker.destroy)" changed
expect "destroy again" "$(play labnet.docker.destroy)" unchanged
play assert_gone.yml >/dev/null
echo "ok: nothing of lab $name is left"
