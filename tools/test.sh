#!/usr/bin/env bash
# make test and its parts. Usage: tools/test.sh [all|unit|static|build|sanity|lint|integration|molecule] [TARGET...]
# Every suite runs against its own copy of the collection at <tmp>/ansible_collections/labnet/docker
# (tools/collection-tree.sh), removed at exit.
# "all" runs the suites in order, stops at the first that fails, and counts the suites it ran.
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
cleanup() {
    local rc=$?
    [ "${LABNET_KEEP_BUILD:-0}" = 1 ] || rm -rf "$build_root"
    # "all" stopped at a failing suite: say which, and how many passed before it.
    if [ "$rc" -ne 0 ] && [ -n "${each_suite:-}" ]; then
        echo "suites: ${passed:-0} passed, 1 failed ($each_suite)" >&2
    fi
}
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

run_static() {
    banner "static checks: ruff and mypy on plugins/"
    local coll rc=0
    coll=$(tree)
    (cd "$coll" && ruff check --no-cache plugins) || rc=1
    # From the tree's root, so that the ansible_collections.labnet.docker... imports resolve.
    (cd "$build_root" && mypy --config-file "$coll/pyproject.toml" --cache-dir "$build_root/.mypy_cache" \
        ansible_collections/labnet/docker/plugins) || rc=1
    return $rc
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
    build) run_build ;;
    lint) run_lint ;;
    static) run_static ;;
    all)
        # set -e stops at the first failing suite, so every suite counted here has passed.
        passed=0
        for each_suite in unit static build sanity lint integration molecule; do
            "run_$each_suite"
            passed=$((passed + 1))
        done
        banner "all suites passed"
        echo "suites: $passed passed, 0 failed"
        ;;
    *) echo "unknown suite: $suite (all, unit, static, build, sanity, lint, integration, molecule)" >&2; exit 2 ;;
esac
