#!/usr/bin/env bash
# The routed lab end to end on this host, under a random lbt name and subnets: deploy (check, apply,
# apply again, check again: changed, changed, unchanged, unchanged); verify pings across the router r1
# and sees it as hop 1, checks the wire; a restarted container loses its wire end, verify says so and
# deploy makes it again; destroy (check, apply, apply again) leaves nothing.
set -euo pipefail
cd "$(dirname "$0")"

name=lbt$(( RANDOM % 90000 + 10000 ))
# The integration passes of two ansible-core lines (on Python 3.11 and 3.12) may run side by side:
# each takes its subnets from its own half of the range.
minor=${ANSIBLE_TEST_PYTHON_VERSION:-3.11}
half=$(( ${minor#3.} % 2 * 25 ))
lan_octet=$(( RANDOM % 25 + 100 + half ))
core_octet=$(( lan_octet + 50 ))
lan=172.29.$lan_octet.0/24
core=172.29.$core_octet.0/24
wire=10.255.$(( RANDOM % 250 )).0/30
report=${OUTPUT_DIR:-$(mktemp -d)}/lab-report-$name
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ANSIBLE_NOCOLOR=1
args=(-i inventory.yml -e lab_preset=routed -e "lab_name=$name" -e "lab_routed_lan=$lan"
      -e "lab_routed_core=$core" -e "lab_routed_wire=$wire" -e "lab_report_dir=$report")
log=$(mktemp)

# play PLAYBOOK [ARGS]: run it, keep its output in $log, print the changed count of localhost.
play() {
    local playbook=$1
    shift
    ansible-playbook "${args[@]}" "$playbook" "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
    sed -n 's/^localhost *: .*changed=\([0-9]*\).*/\1/p' "$log"
}
expect() {  # expect WHAT CHANGED WANT(changed|unchanged)
    if { [ "$3" = changed ] && [ "$2" -gt 0 ]; } || { [ "$3" = unchanged ] && [ "$2" -eq 0 ]; }; then
        echo "ok: $1: changed=$2"
    else
        cat "$log"; echo "FAILED: $1: changed=$2, expected $3" >&2; exit 1
    fi
}
fail() { cat "$log"; echo "FAILED: $*" >&2; exit 1; }
cleanup() { ansible-playbook "${args[@]}" labnet.docker.destroy >/dev/null 2>&1 || true; rm -f "$log" "$log.bad.json"; }
trap cleanup EXIT

echo "lab_routed: lab $name, lan $lan, core $core, wire $wire"

# Bad input is refused by the planner before anything is made, naming the container, field and value.
refused() {  # refused JSON MESSAGE
    echo "$1" >"$log.bad.json"
    if ansible-playbook "${args[@]}" -e "@$log.bad.json" labnet.docker.deploy >"$log" 2>&1; then
        fail "bad input was not refused: $1"
    fi
    # The YAML result format folds long messages and (ansible-core before 2.19) doubles single quotes.
    tr '\n' ' ' <"$log" | sed -E "s/ +/ /g; s/''/'/g" | grep -qF -- "$2" || fail "wrong refusal, wanted: $2"
    [ -z "$(docker ps -aq --filter "label=labnet.lab=$name")" ] || fail "a refused run made containers"
    ! ip link show "$name-nic" >/dev/null 2>&1 || fail "a refused run made the veth NIC"
}
refused '{"lab_topology": {"networks": [], "containers": [{"name": "r1"}], "wires": [{"a": "r1:p2p0", "b": "h9:p2p0"}]}}' \
    "wires[0].b='h9:p2p0' names container 'h9', which is not a lab container (r1)"
refused '{"lab_topology": {"networks": [], "containers": [{"name": "r1"}, {"name": "h1"}], "wires": [{"a": "r1:p2p0", "b": "h1:averyveryverylong0"}]}}' \
    "wires[0].b='h1:averyveryverylong0' names interface 'averyveryverylong0'"
refused '{"lab_topology": {"networks": [], "containers": [{"name": "r1"}, {"name": "h1"}], "wires": [{"a": "r1:p2p0", "b": "h1:p2p0"}, {"a": "r1:p2p0", "b": "h1:p2p1"}]}}' \
    "wires[1].a='r1:p2p0' is already wires[0].a"
refused '{"lab_topology": {"networks": [{"name": "core", "driver": "overlay", "subnet": "172.29.1.0/24"}], "containers": []}}' \
    "value of driver must be one of: macvlan, bridge, got: overlay"
refused '{"lab_topology": {"networks": [], "containers": [{"name": "r1", "capabilities": ["NET_WIZARD"]}]}}' \
    "container 'r1': capabilities"
echo "ok: bad wires, an unknown driver (by the role's argument spec) and an unknown capability are refused, nothing made"

expect "deploy, check mode" "$(play labnet.docker.deploy --check)" changed
[ -z "$(docker ps -aq --filter "label=labnet.lab=$name")" ] || fail "check mode made containers"
expect "deploy" "$(play labnet.docker.deploy)" changed
expect "deploy again" "$(play labnet.docker.deploy)" unchanged
expect "deploy again, check mode" "$(play labnet.docker.deploy --check)" unchanged
play assert_routed.yml >/dev/null
echo "ok: the routed lab is as planned (networks, router options, routes, wire)"

play labnet.docker.verify >/dev/null
grep -q "passed, 0 failed" "$log" || fail "verify"
for check in "route h1 -> h2" "route h2 -> h1" "route h1 -> h3" "wire r1:p2p0--h3:p2p0 ends" "ping across wire r1:p2p0--h3:p2p0"; do
    grep -q "PASS .*$check" "$log" || fail "verify shows no passed check '$check'"
done
grep -q "hop 1 is ${lan%0/24}254 (r1)" "$log" || fail "verify did not see the router as hop 1"
grep -q 'router ' "$report/report.md" && grep -q '===|"wire' "$report/report.md" || fail "the report's picture lacks the router or the wire"
echo "ok: verify pinged across the router, saw it as hop 1 and checked the wire"

# A restarted container comes back without its wire end: verify fails, deploy makes the wire again.
docker restart "$name-h3" >/dev/null
if play labnet.docker.verify >/dev/null; then fail "verify passed with the wire gone"; fi
grep -q "FAIL .*wire r1:p2p0--h3:p2p0 ends" "$log" || fail "verify did not name the missing wire"
grep -q -F -- "-> first broken hop: an end of the wire is missing or differs" "$log" || fail "verify gave the lost wire no diagnosis"
expect "deploy after the restart" "$(play labnet.docker.deploy)" changed
play labnet.docker.verify >/dev/null
echo "ok: a restart loses the wire, verify says so, deploy makes it again"

expect "destroy, check mode" "$(play labnet.docker.destroy --check)" changed
[ -n "$(docker ps -aq --filter "label=labnet.lab=$name")" ] || fail "check mode removed containers"
expect "destroy" "$(play labnet.docker.destroy)" changed
expect "destroy again" "$(play labnet.docker.destroy)" unchanged
play assert_gone.yml >/dev/null
echo "ok: nothing of lab $name is left"
