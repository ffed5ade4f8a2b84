#!/usr/bin/env bash
# make test and its parts. Usage: tools/test.sh [all|unit|build|sanity|lint|integration|molecule|example] [TARGET...]
# Every suite runs against a copy of the collection at .build/ansible_collections/labnet/docker.
# "all" runs the suites in order and stops at the first that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
suite=${1:-all}
shift || true
repo=$PWD
python=$PWD/.venv/bin/python
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

banner() { printf '\n===== %s =====\n' "$*"; }

# Each run works on its own copy, removed at exit (kept with LABNET_KEEP_BUILD=1).
# Outside the checkout: ansible-test lists files with git, and a copy inside it would be ignored.
build_root=$(mktemp -d "${TMPDIR:-/tmp}/labnet-build.XXXXXX")
cleanup() { [ "${LABNET_KEEP_BUILD:-0}" = 1 ] || rm -rf "$build_root"; }
trap cleanup EXIT
tree() { [ -d "$build_root/ansible_collections" ] || tools/collection-tree.sh "$build_root" >/dev/null; echo "$build_root/ansible_collections/labnet/docker"; }

run_unit() {
    banner "unit tests"
    local coll
    coll=$(tree)
    (cd "$coll" && PYTHONPATH="$build_root" "$python" -m pytest -q -p no:cacheprovider tests/unit "$@")
}

run_sanity() {
    banner "ansible-test sanity"
    local coll
    coll=$(tree)
    # --venv: each sanity test gets the pinned tools it needs, apart from the project's own venv.
    # Its pip bootstrap comes from tools/get-pip-offline.py (the usual download host is out of reach).
    local pipver
    pipver=$("$python" - <<'PY'
from ansible_test._internal.python_requirements import get_venv_packages
from ansible_test._internal.host_configs import PythonConfig
import sys
class P:  # get_venv_packages only reads .version
    version = "%d.%d" % sys.version_info[:2]
print(get_venv_packages(P())["pip"])
PY
)
    mkdir -p ~/.ansible/test/cache
    cp tools/get-pip-offline.py ~/.ansible/test/cache/get_pip_${pipver//./_}.py
    (cd "$coll" && ansible-test sanity --venv --python "$pyver" --color no \
        --skip-test shellcheck "$@")
}

run_integration() {
    banner "integration tests (real engine, netlink and iptables)"
    tools/ensure-engine.sh
    tools/build-box-image.sh
    local coll
    coll=$(tree)
    # needs/root and destructive targets: they make veth pairs, namespaces, networks and
    # containers under a random prefix and remove them again.
    (cd "$coll" && ansible-test integration --local --python "$pyver" --color no \
        --allow-destructive --allow-root "$@")
    tools/leftovers.sh
}

run_molecule() {
    if ! ls -d molecule/*/ >/dev/null 2>&1; then
        banner "molecule: no scenarios yet"
        return 0
    fi
    banner "molecule scenarios"
    tools/ensure-engine.sh
    tools/build-labhost-image.sh
    local coll
    coll=$(tree)
    local scenarios=("$@")
    [ ${#scenarios[@]} -gt 0 ] || mapfile -t scenarios < <(cd molecule && ls -d */ | tr -d / )
    for s in "${scenarios[@]}"; do
        banner "molecule test -s $s"
        # Molecule names its state folder after the project folder ("docker"): give each run its own.
        (cd "$coll" && ANSIBLE_COLLECTIONS_PATH="$build_root" MOLECULE_EPHEMERAL_DIRECTORY="$build_root/molecule-$s" \
            molecule test -s "$s")
    done
    tools/leftovers.sh
}

# The example role under tests/molecule-example, as a user tests theirs: the collection tarball
# built and installed, the shipped lab-host playbooks found in it, then molecule test there.
run_example() {
    banner "molecule: an example role against the installed collection tarball"
    tools/ensure-engine.sh
    local coll out site
    coll=$(tree)
    out=$build_root/example
    mkdir -p "$out"
    (cd "$coll" && ansible-galaxy collection build --force --output-path "$out" >/dev/null)
    local listing p
    listing=$(tar -tzf "$out"/labnet-docker-*.tar.gz)
    for p in playbooks/labhosts_create.yml playbooks/labhosts_prepare.yml playbooks/labhosts_destroy.yml \
        roles/labhosts/tasks/create.yml roles/labhost_image/files/build-labhost-image.sh; do
        grep -qx "$p" <<<"$listing" || { echo "the collection tarball lacks $p" >&2; return 1; }
        echo "tarball holds $p"
    done
    site=$("$python" -c 'import site; print(site.getsitepackages()[0])')
    ANSIBLE_COLLECTIONS_PATH="$out/installed:$site" \
        ansible-galaxy collection install --offline --force -p "$out/installed" "$out"/labnet-docker-*.tar.gz >/dev/null
    cp -r tests/molecule-example "$out/project"
    (cd "$out/project" && ANSIBLE_COLLECTIONS_PATH="$out/installed:$site" ANSIBLE_ROLES_PATH="$out/project/roles" \
        MOLECULE_EPHEMERAL_DIRECTORY="$build_root/molecule-example" molecule test)
    tools/leftovers.sh
}

run_lint() {
    banner "ansible-lint (production profile) on roles and playbooks"
    local coll
    coll=$(tree)
    (cd "$coll" && ANSIBLE_COLLECTIONS_PATH="$build_root" ansible-lint --offline --profile production roles playbooks)
}

run_build() {
    banner "collection build, install and ansible-doc"
    local coll out
    coll=$(tree)
    out=$(mktemp -d)
    (cd "$coll" && ansible-galaxy collection build --force --output-path "$out" >/dev/null)
    # Offline: the dependency community.docker is the one the `ansible` package installed.
    local site
    site=$("$python" -c 'import site; print(site.getsitepackages()[0])')
    ANSIBLE_COLLECTIONS_PATH="$out/installed:$site" \
        ansible-galaxy collection install --offline --force -p "$out/installed" "$out"/labnet-docker-*.tar.gz >/dev/null
    export ANSIBLE_COLLECTIONS_PATH="$out/installed:$site"
    local m f r
    for m in $(cd plugins/modules && ls *.py | sed 's/\.py$//'); do
        ansible-doc "labnet.docker.$m" >/dev/null
        echo "ansible-doc labnet.docker.$m: ok"
    done
    for f in $(cd plugins/filter && ls *.yml 2>/dev/null | sed 's/\.yml$//'); do
        ansible-doc -t filter "labnet.docker.$f" >/dev/null
        echo "ansible-doc -t filter labnet.docker.$f: ok"
    done
    for r in $(ls roles 2>/dev/null); do
        ansible-doc -t role "labnet.docker.$r" >/dev/null
        echo "ansible-doc -t role labnet.docker.$r: ok"
    done
    unset ANSIBLE_COLLECTIONS_PATH
    rm -rf "$out"
}

case "$suite" in
    unit) run_unit "$@" ;;
    sanity) run_sanity "$@" ;;
    integration) run_integration "$@" ;;
    molecule) run_molecule "$@" ;;
    example) run_example ;;
    build) run_build ;;
    lint) run_lint ;;
    all)
        run_unit
        run_build
        run_sanity
        run_lint
        run_integration
        run_molecule
        run_example
        banner "all suites passed"
        echo "suites: 8 passed, 0 failed"
        ;;
    *) echo "unknown suite: $suite (all, unit, build, sanity, lint, integration, molecule, example)" >&2; exit 2 ;;
esac
