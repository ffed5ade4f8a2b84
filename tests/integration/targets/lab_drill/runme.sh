#!/usr/bin/env bash
# Drills on the default (tutorial) lab, deployed under a random name: every fault injected in turn (grouped
# where they do not interfere), verify fails the drill's rows and the checks each fault breaks, and the repair
# (undo, or a converge) makes verify pass; check mode breaks nothing; a drill on a lab that is not deployed is
# refused; destroy forgets the drill.
set -euo pipefail
cd "$(dirname "$0")"

prefix=${LABNET_TEST_PREFIX:-lbt}
name=$prefix$(( RANDOM % 90000 + 10000 ))
# The integration passes of two ansible-core lines (on Python 3.11 and 3.12) may run side by side:
# each takes its subnets from its own half of the range.
minor=${ANSIBLE_TEST_PYTHON_VERSION:-3.11}
half=$(( ${minor#3.} % 2 * 25 ))
used=$(docker network ls -q | xargs -r docker network inspect --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}' 2>/dev/null || true)
for _ in $(seq 50); do
    octet=$(( RANDOM % 25 + 200 + half ))
    grep -q "172\.31\.$octet\." <<<"$used" || break
done
subnet=172.31.$octet.0/24
port=$(( RANDOM % 10000 + 20000 ))
record=/var/lib/labnet-lab/$name.drill.json
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ANSIBLE_NOCOLOR=1
args=(-i inventory.yml -e "lab_name=$name" -e "lab_default_subnet=$subnet" -e "lab_default_web_port=$port"
      -e "lab_report_dir=${OUTPUT_DIR:-/tmp}/lab-report-$name")
log=$(mktemp)

play() {  # play PLAYBOOK [ARGS]: run it, keep its output in $log, print the changed count of localhost
    local playbook=$1
    shift
    ansible-playbook "${args[@]}" "$playbook" "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
    sed -n 's/^localhost *: .*changed=\([0-9]*\).*/\1/p' "$log"
}
faults() {  # faults FAULTS...: the extra vars that name these faults
    echo "{\"lab_drill_faults\": $(printf '%s\n' "$@" | python3 -c 'import json, sys; print(json.dumps(sys.stdin.read().split()))')}"
}
drill() {  # drill FAULTS...: inject these faults
    play labnet.docker.drill -e "$(faults "$@")"
}
checks() {  # checks JSON: verify, asserting on the rows (want_fail, want_pass, want_all_pass)
    play checks.yml -e "$1" >/dev/null || { echo "FAILED: checks $1" >&2; exit 1; }
}
recorded() {  # the recorded faults, "fault:target" a line
    python3 -c 'import json, sys; print("\n".join("%s:%s" % (f["fault"], f["target"]) for f in json.load(open(sys.argv[1]))["faults"]))' "$record"
}
cleanup() {
    ansible-playbook "${args[@]}" labnet.docker.destroy >/dev/null 2>&1 || true
    rm -f "$log" "$record"
}
trap cleanup EXIT
echo "lab_drill: lab $name, subnet $subnet, port $port"

# A drill on a lab that is not deployed is refused, and records nothing.
if play labnet.docker.drill >/dev/null; then echo "FAILED: a drill on an undeployed lab was not refused" >&2; exit 1; fi
grep -q "Lab $name is not deployed on this host" "$log" || { cat "$log"; echo "FAILED: wrong refusal" >&2; exit 1; }
[ ! -e "$record" ] || { echo "FAILED: the refused drill left a record" >&2; exit 1; }
echo "ok: a drill on an undeployed lab is refused"

play labnet.docker.deploy >/dev/null
checks '{"want_all_pass": true}'
nic=$(docker network inspect -f '{{index .Options "parent"}}' "$name-lan")
shim=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["shims"][0])' "/var/lib/labnet-lab/$name.json")
echo "ok: lab deployed on $nic (shim $shim), verify passes"

# Check mode plans the drill and breaks nothing.
[ "$(play labnet.docker.drill -e "$(faults proxy_killed container_stopped:alpha)" --check)" -gt 0 ] || { echo "FAILED: check mode planned nothing" >&2; exit 1; }
[ ! -e "$record" ] || { echo "FAILED: check mode wrote a record" >&2; exit 1; }
[ "$(docker ps -q --filter "label=labnet.lab=$name" | wc -l)" = 4 ] || { echo "FAILED: check mode stopped a container" >&2; exit 1; }
echo "ok: check mode breaks nothing"

# Group 1: four faults at once; each breaks its own check. undo reverts them, and nothing else.
[ "$(drill proxy_killed container_stopped:alpha "shim_route_deleted:172.31.$octet.11" promisc_off)" -gt 0 ]
grep -q "does not answer any more" "$log" || { cat "$log"; echo "FAILED: no learner's task printed" >&2; exit 1; }
[ "$(recorded | sort | tr '\n' ' ')" = "container_stopped:$name-alpha promisc_off:$nic proxy_killed:$name-web shim_route_deleted:$shim " ] \
    || { recorded; echo "FAILED: wrong record" >&2; exit 1; }
[ "$(drill proxy_killed container_stopped:alpha "shim_route_deleted:172.31.$octet.11" promisc_off)" = 0 ] || { echo "FAILED: the same drill again changed" >&2; exit 1; }
if play labnet.docker.drill -e '{"lab_drill_faults": ["parent_down"]}' >/dev/null; then echo "FAILED: a second drill was not refused" >&2; exit 1; fi
grep -q "A drill is already recorded" "$log" || { cat "$log"; exit 1; }
checks '{"want_fail": ["^drill proxy_killed: web$", "^drill container_stopped: alpha$", "^drill shim_route_deleted: '"$shim 172.31.$octet.11/32"'$",
                       "^drill promisc_off: '"$nic"'$", "^port 127\\.0\\.0\\.1:'"$port"' -> web", "^port_forward '"$name"'-web ",
                       "^ping alpha -> beta", "^ping beta -> alpha", "^ping host .* -> alpha"],
          "want_pass": ["^http client"]}'
echo "ok: group 1 (proxy_killed, container_stopped, shim_route_deleted, promisc_off): verify fails each fault's checks"
[ "$(play labnet.docker.drill -e lab_drill_undo=true)" -gt 0 ]
[ ! -e "$record" ] || { echo "FAILED: undo left the record" >&2; exit 1; }
checks '{"want_all_pass": true}'
[ "$(play labnet.docker.drill -e lab_drill_undo=true)" = 0 ] || { echo "FAILED: undo again changed" >&2; exit 1; }
ip -d link show dev "$nic" | grep -q PROMISC || { echo "FAILED: undo left promiscuous mode off" >&2; exit 1; }
echo "ok: undo reverted group 1 and verify passes"

# Group 2: a deleted DNAT rule and the lab NIC down; the repair is a converge, and verify reports them repaired.
[ "$(drill dnat_deleted parent_down)" -gt 0 ]
checks '{"want_fail": ["^drill dnat_deleted: web$", "^drill parent_down: '"$nic"'$", "^port_forward '"$name"'-web ", "^ping alpha -> beta"]}'
play labnet.docker.deploy >/dev/null
checks '{"want_all_pass": true, "want_pass": ["^drill dnat_deleted: web$", "^drill parent_down: '"$nic"'$"]}'
[ "$(play labnet.docker.drill -e lab_drill_undo=true)" -gt 0 ]
[ "$(iptables -w -t nat -S DOCKER | grep -c -- "--dport $port .*-j DNAT")" = 1 ] \
    || { echo "FAILED: undo after the repair doubled the DNAT rule" >&2; exit 1; }
echo "ok: group 2 (dnat_deleted, parent_down): verify fails, a converge repairs, verify reports them repaired, undo adds nothing"

# Group 3: the link target recreated; the linker's /etc/hosts is stale until undo recreates it.
[ "$(drill link_target_recreated)" -gt 0 ]
checks '{"want_fail": ["^drill link_target_recreated: web$", "^http client -> http://www/"]}'
[ "$(play labnet.docker.drill -e lab_drill_undo=true)" -gt 0 ]
checks '{"want_all_pass": true}'
echo "ok: group 3 (link_target_recreated): verify fails, undo repairs"

# A random drill: the seed picks the faults, the same seed the same ones; destroy forgets the drill.
play labnet.docker.drill -e lab_drill_seed=7 -e lab_drill_count=2 >/dev/null
first=$(recorded)
[ "$(echo "$first" | wc -l)" = 2 ] || { echo "FAILED: the seed picked $first" >&2; exit 1; }
play labnet.docker.drill -e lab_drill_undo=true >/dev/null
play labnet.docker.deploy >/dev/null
play labnet.docker.drill -e lab_drill_seed=7 -e lab_drill_count=2 >/dev/null
[ "$(recorded)" = "$first" ] || { recorded; echo "FAILED: the same seed picked other faults than: $first" >&2; exit 1; }
play labnet.docker.destroy >/dev/null
[ ! -e "$record" ] || { echo "FAILED: destroy left the drill record" >&2; exit 1; }
[ -z "$(docker ps -aq --filter "label=labnet.lab=$name")" ] || { echo "FAILED: destroy left containers" >&2; exit 1; }
echo "ok: seed 7 picks the same two faults ($(echo "$first" | tr '\n' ' ')); destroy forgets the drill"
