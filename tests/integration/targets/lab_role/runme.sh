#!/usr/bin/env bash
# The lab role end to end on this host: deploy the default (tutorial) lab under a random lbt name,
# check, apply, apply again, check again (changed, changed, unchanged, unchanged); verify; heal a
# fault; refuse an unsafe parent; destroy (check, apply, apply again) and assert nothing is left.
set -euo pipefail
cd "$(dirname "$0")"

name=lbt$(( RANDOM % 90000 + 10000 ))
# The integration passes of two ansible-core lines (on Python 3.11 and 3.12) may run side by side:
# each takes its subnets from its own half of the range.
minor=${ANSIBLE_TEST_PYTHON_VERSION:-3.11}
half=$(( ${minor#3.} % 2 * 25 ))
# Three /24s in a row (this lab's and the two-lab test's) that no Docker network uses yet: other
# runs of this test may be deploying beside this one.
used=$(docker network ls -q | xargs -r docker network inspect --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}' 2>/dev/null || true)
for _ in $(seq 50); do
    octet=$(( RANDOM % 23 + 200 + half ))
    free=1
    for d in 0 1 2; do grep -q "172\.31\.$(( octet + d ))\." <<<"$used" && free=0; done
    [ "$free" = 1 ] && break
done
subnet=172.31.$octet.0/24
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
base=lbt$(( RANDOM % 90000 + 10000 ))
lab_a=$base-test1
lab_b=$base-test2
old=${base}-te  # what lab_name[:11] gave both labs before default names were unique per lab
two_labs_args() {  # two_labs_args LAB N: the playbook arguments of lab N (1 or 2) of the two-lab test
    echo "-i inventory.yml -e lab_name=$1 -e lab_default_subnet=172.31.$(( octet + $2 )).0/24" \
         "-e lab_default_web_port=$(( port + $2 )) -e lab_report_dir=$report-$2"
}
cleanup() {
    ansible-playbook "${args[@]}" labnet.docker.destroy >/dev/null 2>&1 || true
    for n in 1 2; do
        # shellcheck disable=SC2046
        ansible-playbook $(two_labs_args "$base-test$n" "$n") labnet.docker.destroy >/dev/null 2>&1 || true
    done
    docker rm -f "$lab_a-user" >/dev/null 2>&1 || true
    docker network rm "$lab_a-net" >/dev/null 2>&1 || true
    for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$base"); do
        ip link del dev "$link" >/dev/null 2>&1 || true
    done
    rm -f "$log"
}
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

# checks.json and the JUnit checks.xml beside report.md count the checks that the table counts.
results_agree() {  # results_agree WANT_FAILED: the table's summary line, checks.json and checks.xml say the same
    local table
    table=$(grep -oE '[0-9]+ checks: [0-9]+ passed, [0-9]+ failed, [0-9]+ warnings' "$log" | tail -1)
    python3 - "$report" "$table" "$1" <<'PY'
import json, re, sys, xml.etree.ElementTree as ET
report, table, want_failed = sys.argv[1], sys.argv[2], int(sys.argv[3])
total, passed, failed, warned = map(int, re.match(r"(\d+) checks: (\d+) passed, (\d+) failed, (\d+) warnings", table).groups())
doc = json.load(open(report + "/checks.json"))
root = ET.parse(report + "/checks.xml").getroot()
cases = root.findall("./testsuite/testcase")
got = dict(json=(doc["checks"], doc["passed"], doc["failed"], doc["warnings"]), xml=(len(cases), int(root.get("tests")),
           len(root.findall("./testsuite/testcase/failure")), len(root.findall("./testsuite/testcase/skipped"))))
assert got["json"] == (total, passed, failed, warned), (table, got)
assert got["xml"] == (total, total, failed, warned), (table, got)
assert failed == want_failed, (table, want_failed)
assert sorted(c.get("name") for c in cases) == sorted(r["name"] for r in doc["rows"])
assert all(r["diagnosis"] for r in doc["rows"] if r["status"] == "fail"), "a failed check without a diagnosis"
PY
}
results_agree 0 || { cat "$log"; echo "FAILED: checks.json, checks.xml and the table disagree" >&2; exit 1; }
echo "ok: checks.json and checks.xml ($(grep -o '<testcase ' "$report/checks.xml" | wc -l) test cases) agree with the table"

# A fault: someone turns promiscuous mode off and takes a container away. Deploy heals both.
ip link set dev "$name-nic" promisc off
docker rm -f "$name-beta" >/dev/null
expect "deploy after faults" "$(play labnet.docker.deploy)" changed
ip -d link show dev "$name-nic" | grep -q PROMISC
play labnet.docker.verify >/dev/null
echo "ok: deploy healed the faults and verify passes"

# verify in check mode execs into no container: its ping and http checks are reported as not run.
since=$(date +%s)
play labnet.docker.verify --check >/dev/null
grep -q "not run in check mode" "$log" || { cat "$log"; echo "FAILED: check mode did not say what it left out" >&2; exit 1; }
docker exec "$name-alpha" true  # the one exec the events must show: they would show verify's too
execs=$(docker events --since "$since" --until "$(( $(date +%s) + 1 ))" --filter event=exec_create --filter "label=labnet.lab=$name" --format '{{.Actor.Attributes.name}}')
[ "$execs" = "$name-alpha" ] || { echo "FAILED: verify in check mode exec'd into containers: $execs" >&2; exit 1; }
echo "ok: verify in check mode execs into no container"

# A container stopped: verify fails the checks that pass through it, and names it as their first broken hop,
# in the table, report.md, checks.json and checks.xml.
docker stop "$name-beta" >/dev/null
if play labnet.docker.verify >/dev/null; then echo "FAILED: verify passed with beta stopped" >&2; exit 1; fi
why="$name-beta is stopped (exited); start it (docker start $name-beta)"
for check in "ping alpha -> beta" "ping beta -> alpha" "ping host localhost -> beta"; do
    grep -q "FAIL .*$check" "$log" || { cat "$log"; echo "FAILED: verify did not fail '$check'" >&2; exit 1; }
done
[ "$(grep -c -F -- "-> first broken hop: $why" "$log")" = 3 ] || { cat "$log"; echo "FAILED: the table does not name $name-beta" >&2; exit 1; }
grep -q -F "| $why |" "$report/report.md" || { echo "FAILED: report.md has no diagnosis" >&2; exit 1; }
grep -q -F "message=\"$why\"" "$report/checks.xml" || { echo "FAILED: checks.xml has no diagnosis" >&2; exit 1; }
results_agree 3 || { cat "$log"; echo "FAILED: checks.json, checks.xml and the table disagree" >&2; exit 1; }
docker start "$name-beta" >/dev/null
echo "ok: verify names the stopped $name-beta as the first broken hop, with the fix, everywhere"

# verify fails when a check fails: the web server stopped fails the page, the port and its audit.
docker stop "$name-web" >/dev/null
if play labnet.docker.verify >/dev/null; then echo "FAILED: verify passed with the web server stopped" >&2; exit 1; fi
grep -q "lab check(s) failed" "$log" || { cat "$log"; exit 1; }
grep -q -F -- "-> first broken hop: $name-web is stopped (exited); start it (docker start $name-web)" "$log" \
    || { cat "$log"; echo "FAILED: verify did not name the stopped web server" >&2; exit 1; }
grep -q "FAIL .*port_forward_info on localhost" "$log" || { cat "$log"; echo "FAILED: the port audit did not fail" >&2; exit 1; }
results_agree 3 || { cat "$log"; echo "FAILED: checks.json, checks.xml and the table disagree" >&2; exit 1; }
echo "ok: verify fails when the web server is down, and says so"

expect "destroy, check mode" "$(play labnet.docker.destroy --check)" changed
[ -n "$(docker ps -aq --filter "label=labnet.lab=$name")" ] || { echo "FAILED: check mode removed containers" >&2; exit 1; }
expect "destroy" "$(play labnet.docker.destroy)" changed
expect "destroy again" "$(play labnet.docker.destroy)" unchanged
play assert_gone.yml >/dev/null
echo "ok: nothing of lab $name is left"

# Two labs whose names share their first 11 characters, next to the user's own things: an unlabelled
# container and network, the veth and macvlan link names that both labs would have taken before
# (lab_name[:11]-nic and -shm), and a promiscuous flag that someone else set. Destroying one lab changes
# nothing of the other's or the user's.
ip link add "$old-nic" type veth peer name "$base-unp"
ip link set dev "$old-nic" promisc on up
ip link add "$old-shm" link "$base-unp" type macvlan mode bridge
docker network create "$lab_a-net" >/dev/null
docker run -d --name "$lab_a-user" --network "$lab_a-net" labnet/box:latest sleep 2147483647 >/dev/null
for n in 1 2; do
    # shellcheck disable=SC2046
    ansible-playbook $(two_labs_args "$base-test$n" "$n") labnet.docker.deploy >"$log" 2>&1 || { cat "$log"; exit 1; }
done
# Lab A's own interfaces (its lab NICs, their peers and its shims), read from its record while it exists.
a_own=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print("\n".join(" %s@" % l for l in r["veths"] + r["shims"]) + "\n" + "\n".join(" %s@" % (v[:14] + "p") for v in r["veths"]))' \
        "/var/lib/labnet-lab/$lab_a.json")
links() {  # ip -o link show, read again when the kernel says the dump was interrupted (links changing meanwhile)
    local out try
    for try in 1 2 3 4 5; do
        if out=$(ip -o link show 2>&1) && ! grep -q "Dump was interrupted" <<<"$out"; then
            echo "$out"; return 0
        fi
        sleep 0.5
    done
    echo "FAILED: ip -o link show kept being interrupted (try $try): $out" >&2; return 1
}
snapshot() {  # everything of $base except lab A's own objects: ids, names, link indexes and flags
    local all_links
    all_links=$(links) || exit 1
    docker ps -a --filter "name=$base" --format '{{.ID}} {{.Names}} {{.State}} {{.Label "labnet.lab"}}' | grep -v " $lab_a\$" | sort
    docker network ls --filter "name=$base" --format '{{.ID}} {{.Name}} {{.Label "labnet.lab"}}' | grep -v " $lab_a\$" | sort
    awk -F': ' '{print $1, $2, $3}' <<<"$all_links" | cut -d' ' -f1-3 | grep " $base\|$old" | grep -v -F -f <(echo "$a_own") | sort
}
before=$(snapshot) || exit 1
grep -q " $lab_b-web running $lab_b" <<<"$before" && grep -q "$lab_a-user running" <<<"$before" \
    || { echo "$before"; echo "FAILED: the two labs and the user's container are not all there" >&2; exit 1; }
a_links=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(" ".join(r["veths"] + r["shims"]))' "/var/lib/labnet-lab/$lab_a.json")
b_links=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(" ".join(r["veths"] + r["shims"]))' "/var/lib/labnet-lab/$lab_b.json")
[ "$(echo "$a_links $b_links" | tr ' ' '\n' | sort | uniq -d)" = "" ] || { echo "FAILED: the labs share interface names: $a_links / $b_links" >&2; exit 1; }
echo "ok: labs $lab_a ($a_links) and $lab_b ($b_links) run side by side, with the user's $old-nic, $old-shm, $lab_a-user, $lab_a-net"

# shellcheck disable=SC2046
ansible-playbook $(two_labs_args "$lab_a" 1) labnet.docker.destroy >"$log" 2>&1 || { cat "$log"; exit 1; }
after=$(snapshot) || exit 1
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after"); echo "FAILED: destroying $lab_a changed what is not its own" >&2; exit 1; }
ip -d link show dev "$old-nic" | grep -q PROMISC || { echo "FAILED: the user's promiscuous flag was cleared" >&2; exit 1; }
[ -z "$(docker ps -aq --filter "label=labnet.lab=$lab_a")" ] || { echo "FAILED: $lab_a's containers are left" >&2; exit 1; }
for link in $a_links; do ! ip link show dev "$link" >/dev/null 2>&1 || { echo "FAILED: $lab_a's $link is left" >&2; exit 1; }; done
# shellcheck disable=SC2046
ansible-playbook $(two_labs_args "$lab_b" 2) labnet.docker.verify >"$log" 2>&1 || { cat "$log"; echo "FAILED: $lab_b broke" >&2; exit 1; }
echo "ok: destroying $lab_a removed only its own; $lab_b passes verify; the user's objects and flag are as they were"

# A shim and a veth lab NIC that the record does not list are not the lab's: destroy leaves them
# (both: the shim sits on the veth, and goes with it).
b_links=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(" ".join(r["veths"] + r["shims"]))' "/var/lib/labnet-lab/$lab_b.json")
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); r["shims"] = r["veths"] = []; json.dump(r, open(sys.argv[1], "w"))' "/var/lib/labnet-lab/$lab_b.json"
# shellcheck disable=SC2046
ansible-playbook $(two_labs_args "$lab_b" 2) labnet.docker.destroy >"$log" 2>&1 || { cat "$log"; exit 1; }
for link in $b_links; do
    ip link show dev "$link" >/dev/null 2>&1 || { echo "FAILED: destroy removed $link, which the record does not list" >&2; exit 1; }
done
[ -z "$(docker ps -aq --filter "label=labnet.lab=$lab_b")" ] || { echo "FAILED: $lab_b's containers are left" >&2; exit 1; }
for link in $b_links; do ip link del dev "$link" 2>/dev/null || true; done
echo "ok: a shim and a veth lab NIC that the lab's record does not list are left in place ($b_links)"
