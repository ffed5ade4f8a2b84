#!/usr/bin/env bash
# make lab / make verify / make destroy: the lab role's playbooks on this checkout.
# Usage: tools/lab.sh deploy|verify|destroy [ansible-playbook args, e.g. -e lab_name=mylab]
#   deploy   deploy the lab (default: the tutorial's lab on this host), verify it, print the report's path
#   verify   run the checks again and rewrite the report
#   destroy  remove everything the lab made
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
    *)
        echo "usage: tools/lab.sh deploy|verify|destroy [ansible-playbook args]" >&2
        exit 2
        ;;
esac
