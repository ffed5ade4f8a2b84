#!/usr/bin/env bash
# make lab / make verify / make destroy: the lab role's playbooks on this checkout.
# Usage: tools/lab.sh deploy|verify|destroy [ansible-playbook args, e.g. -e lab_name=mylab]
#   deploy   deploy the lab (default: the tutorial's lab on this host), verify it, print the report's path
#   verify   run the checks again and rewrite the report
#   destroy  remove everything the lab made
#   drill    break the deployed lab for a learner (FAULTS="proxy_killed container_stopped:beta", or SEED=n and
#            COUNT=n faults at random), print the learner's task; UNDO=1 reverts exactly what the drill broke
#   adopt    read a lab typed by hand into a topology file (CONTAINERS="a b", LABEL=key=value,
#            NETWORKS="n", LAB_NAME=prefix, OUTPUT=lab-topology.yml); changes nothing
# Environment: LABNET_INVENTORY (default inventories/localhost.yml), LABNET_REPORT_DIR (default lab-report/),
#   LAB: a shipped lab other than the default (the tutorial's), e.g. LAB=routed (the role's lab_preset:
#   roles/lab/vars/labs/$LAB.yml gives its topology and name; -e lab_name=... still wins).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
action=${1:-deploy}
shift || true
inventory=${LABNET_INVENTORY:-inventories/localhost.yml}
report=${LABNET_REPORT_DIR:-$repo/lab-report}

# The playbooks use the roles by their collection names: make this checkout the collection
# labnet.docker through a link under .build/ (ignored by git and by the collection build).
collections=$repo/.build/lab-collections
mkdir -p "$collections/ansible_collections/labnet"
ln -sfn "$repo" "$collections/ansible_collections/labnet/docker"
export ANSIBLE_COLLECTIONS_PATH=$collections
export ANSIBLE_CALLBACK_RESULT_FORMAT=${ANSIBLE_CALLBACK_RESULT_FORMAT:-yaml}
export PATH=$repo/.venv/bin:$PATH

lab=${LAB:-default}
lab_vars=()
if [ "$lab" != default ]; then
    if [ ! -f "roles/lab/vars/labs/$lab.yml" ]; then
        echo "tools/lab.sh: no shipped lab '$lab'; labs: default $(cd roles/lab/vars/labs && ls -- *.yml | sed 's/\.yml$//' | xargs)" >&2
        exit 2
    fi
    lab_vars=(-e "lab_preset=$lab")
fi

play() {
    local playbook=$1
    shift
    ansible-playbook -i "$inventory" "playbooks/$playbook.yml" "${lab_vars[@]}" -e "lab_report_dir=$report" "$@"
}

case "$action" in
    deploy)
        play deploy "$@"
        play verify "$@"
        echo
        echo "lab: deployed and verified. Report: $report/report.md (picture: $report/topology.svg)"
        echo "lab: 'make verify${LAB:+ LAB=$LAB}' checks it again, 'make destroy${LAB:+ LAB=$LAB}' removes it."
        ;;
    verify)
        play verify "$@"
        echo "lab: report in $report/report.md (picture: $report/topology.svg)"
        ;;
    destroy)
        play destroy "$@"
        echo "lab: destroyed"
        ;;
    adopt)
        if [ -z "${CONTAINERS:-}${LABEL:-}${NETWORKS:-}" ]; then
            echo 'usage: make adopt CONTAINERS="web client" (or LABEL=key=value) [LAB_NAME=prefix] [OUTPUT=file]' >&2
            exit 2
        fi
        output=${OUTPUT:-$repo/lab-topology.yml}
        vars=$(ADOPT_CONTAINERS=${CONTAINERS:-} ADOPT_LABEL=${LABEL:-} ADOPT_NETWORKS=${NETWORKS:-} \
            ADOPT_LAB_NAME=${LAB_NAME:-} ADOPT_OUTPUT=$output "$repo/.venv/bin/python" -c '
import json, os
print(json.dumps(dict(adopt_containers=os.environ["ADOPT_CONTAINERS"].split(), adopt_label=os.environ["ADOPT_LABEL"],
                      adopt_networks=os.environ["ADOPT_NETWORKS"].split(), adopt_lab_name=os.environ["ADOPT_LAB_NAME"],
                      adopt_output=os.environ["ADOPT_OUTPUT"])))')
        play adopt -e "$vars" "$@"
        echo "lab: topology written to $output; deploy it with: ansible-playbook -i $inventory playbooks/deploy.yml -e @$output"
        ;;
    drill)
        vars=$(DRILL_FAULTS=${FAULTS:-} DRILL_SEED=${SEED:-} DRILL_COUNT=${COUNT:-1} DRILL_UNDO=${UNDO:-} \
            "$repo/.venv/bin/python" -c '
import json, os
print(json.dumps(dict(lab_drill_faults=os.environ["DRILL_FAULTS"].split(), lab_drill_seed=os.environ["DRILL_SEED"],
                      lab_drill_count=int(os.environ["DRILL_COUNT"]), lab_drill_undo=os.environ["DRILL_UNDO"] not in ("", "0"))))')
        play drill -e "$vars" "$@"
        if [ -z "${UNDO:-}" ] || [ "${UNDO:-}" = 0 ]; then
            echo "lab: drill injected. 'make verify${LAB:+ LAB=$LAB}' grades the repair, 'make drill UNDO=1${LAB:+ LAB=$LAB}' reverts it."
        else
            echo "lab: drill undone."
        fi
        ;;
    *)
        echo "usage: tools/lab.sh deploy|verify|destroy|adopt|drill [ansible-playbook args]" >&2
        exit 2
        ;;
esac
