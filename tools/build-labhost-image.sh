#!/usr/bin/env bash
# Build the lab-host images ahead of time with the collection's labnet.docker.labhost_image role
# (the one build; labnet.docker.labhosts_create runs the same role). Usage:
#   tools/build-labhost-image.sh [SUITE...]     (default: bookworm; LABNET_LABHOST_REBUILD=1 forces)
# Each image is cached by content: a suite whose image is current costs a few seconds.
# labnet/labhost:latest follows bookworm's image (bench/scale.py runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_FORCE_COLOR=0
[ $# -gt 0 ] || set -- bookworm
command -v debootstrap >/dev/null || tools/apt-install.sh debootstrap
base=$(mktemp -d "${TMPDIR:-/tmp}/labnet-labhost-build.XXXXXX")
trap 'rm -rf "$base"' EXIT
tools/collection-tree.sh "$base" >/dev/null
cat >"$base/build.yml" <<'YAML'
- name: Build the lab-host images
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Build one image per suite
      ansible.builtin.include_role:
        name: labnet.docker.labhost_image
      vars:
        labhost_image_suite: "{{ item }}"
      loop: "{{ suites }}"
YAML
suites=$(printf '"%s",' "$@")
ANSIBLE_COLLECTIONS_PATH="$base" ANSIBLE_STDOUT_CALLBACK=ansible.builtin.minimal ansible-playbook -i localhost, \
    -e "ansible_python_interpreter=$PWD/.venv/bin/python" \
    -e "{\"suites\": [${suites%,}], \"labhost_image_rebuild\": ${LABNET_LABHOST_REBUILD:-0}}" \
    "$base/build.yml" >"$base/build.log" || { cat "$base/build.log" >&2; exit 1; }
grep -oE "labhost image [^\"]*" "$base/build.log" || true
if docker image inspect labnet/labhost:bookworm >/dev/null 2>&1; then
    docker tag labnet/labhost:bookworm labnet/labhost:latest
fi
