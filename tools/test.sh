#!/usr/bin/env bash
# make test and its parts.
# Usage: tools/test.sh [all|unit|static|cores|build|sanity|lint|release|integration|integration-lines|molecule|
#                      molecule-lines|example] [TARGET...]
# Every suite runs against its own copy of the collection at <tmp>/ansible_collections/labnet/docker
# (tools/collection-tree.sh), removed at exit.
# "all" runs the suites in order, stops at the first that fails, and counts the suites it ran.
# LABNET_CORE=2.NN runs a suite on that ansible-core line (its venv from tools/core-venv.sh) instead
# of the project's .venv (integration and molecule too: ansible-playbook and ansible-test come from
# that venv); "cores" runs unit and sanity on every line in tools/core/.
# "all" runs the integration targets and the default Molecule scenario on the oldest and the newest
# line (the two lines' integration passes side by side; LABNET_CORES_SERIAL=1: one after the other),
# the other scenarios on .venv's line, and ends with the ansible-core each suite ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
suite=${1:-all}
shift || true
repo=$PWD
python=$PWD/.venv/bin/python
core_venv=
if [ -n "${LABNET_CORE:-}" ]; then
    core_venv=$(tools/core-venv.sh "$LABNET_CORE")
    export PATH="$core_venv/bin:$PATH"
    python=$core_venv/bin/python
fi
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

banner() { printf '\n===== %s =====\n' "$*"; }
on_core() { echo "ansible-core $("$python" -c 'import ansible; print(ansible.__version__)') on Python $pyver"; }

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
# link_dependencies DIR: community.docker and the collection it depends on, from the `ansible`
# package in .venv, at DIR/ansible_collections/community/.
link_dependencies() {
    local site dep
    site=$("$repo/.venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')
    mkdir -p "$1/ansible_collections/community"
    for dep in docker library_inventory_filtering_v1; do
        ln -s "$site/ansible_collections/community/$dep" "$1/ansible_collections/community/$dep"
    done
}
tree() {
    if [ ! -d "$build_root/ansible_collections" ]; then
        tools/collection-tree.sh "$build_root" >/dev/null
        # A core venv has no `ansible` package: the dependencies are placed beside the copy.
        [ -z "$core_venv" ] || link_dependencies "$build_root"
    fi
    echo "$build_root/ansible_collections/labnet/docker"
}

run_unit() {
    banner "unit tests, $(on_core)"
    local coll
    coll=$(tree)
    (cd "$coll" && PYTHONPATH="$build_root" "$python" -m pytest -q -p no:cacheprovider tests/unit "$@")
}

run_sanity() {
    banner "ansible-test sanity, $(on_core)"
    local coll
    coll=$(tree)
    # --venv: each sanity test gets the pinned tools it needs, apart from the project's own venv.
    # compile and import also run on every managed-host Python that this ansible-test supports and
    # tests/config.yml allows, from interpreters placed on PATH here (pyenv keeps them on these machines).
    # The pip bootstrap of each venv comes from tools/get-pip-offline.py (the usual download host is
    # out of reach), under the name ansible-test looks for: it depends on the pip version it pins.
    local bin=$build_root/bin covered=() missing=() v pipver found pythons
    mkdir -p "$bin" ~/.ansible/test/cache
    pythons=$(cd "$coll" && "$python" "$repo/tools/sanity-pythons.py")
    while read -r v pipver; do
        cp tools/get-pip-offline.py ~/.ansible/test/cache/get_pip_${pipver//./_}.py
        if found=$(tools/find-python.sh "$v" 2>/dev/null); then
            ln -sf "$found" "$bin/python$v"
            covered+=("$v")
        else
            missing+=("$v")
        fi
    done <<<"$pythons"
    echo "compile and import on Python ${covered[*]}${missing:+ (not installed here, not covered: ${missing[*]})}"
    (cd "$coll" && PATH="$bin:$PATH" ansible-test sanity --venv --color no --skip-test shellcheck "$@")
}

run_integration() {
    banner "integration tests (real engine, netlink and iptables), $(on_core)"
    tools/ensure-engine.sh
    tools/build-box-image.sh
    # The docker_engine_role target runs the role against a nested lab host from this image.
    tools/build-labhost-image.sh
    local coll
    coll=$(tree)
    # needs/root and destructive targets: they make veth pairs, namespaces, networks and
    # containers under a random prefix and remove them again.
    local rc=0
    (cd "$coll" && ansible-test integration --local --python "$pyver" --color no \
        --allow-destructive --allow-root "$@") || rc=$?
    target_times "$coll"
    [ "$rc" -eq 0 ] || return "$rc"
    # A pass beside another (run_integration_lines) leaves the check to the caller, after both.
    [ "${LABNET_SKIP_LEFTOVERS:-0}" = 1 ] || tools/leftovers.sh
}

# target_times COLL: each target's run time, from the data file ansible-test writes.
target_times() {
    local data
    data=$(ls -t "$1"/tests/output/data/integration-*.json 2>/dev/null | head -n1) || true
    [ -n "$data" ] || return 0
    "$python" - "$data" "$(on_core)" <<'PY'
import json, sys
targets = json.load(open(sys.argv[1]))["targets"]
print("integration target times, %s:" % sys.argv[2])
for name, t in targets.items():
    print("  %-28s %5d s" % (name, t["run_time_seconds"]))
print("  %-28s %5d s" % ("total", sum(t["run_time_seconds"] for t in targets.values())))
PY
}

# The oldest and the newest ansible-core line (tools/core/).
edge_lines() { tools/core-venv.sh --lines | sed -n '1p;$p' | uniq; }

# The integration targets on the oldest and the newest line, side by side: every target names what it
# makes with a random lbt prefix (random subnets and ports too) and audits only its own containers, so
# two passes share the engine as two users would. Each pass has its own copy of the collection and its
# own log; the leftovers are checked once both are done. LABNET_CORES_SERIAL=1: one after the other.
run_integration_lines() {
    local line logs=() pids=() rc=0 i start=$SECONDS
    tools/ensure-engine.sh
    tools/build-box-image.sh
    tools/build-labhost-image.sh
    for line in $(edge_lines); do
        tools/core-venv.sh "$line" >/dev/null
        logs+=("$build_root/integration-$line.log")
        LABNET_CORE=$line LABNET_SKIP_LEFTOVERS=1 "$repo/tools/test.sh" integration "$@" >"${logs[-1]}" 2>&1 &
        if [ "${LABNET_CORES_SERIAL:-0}" = 1 ]; then
            wait $! || rc=1
            pids+=(done)
        else
            pids+=($!)
        fi
    done
    for i in "${!pids[@]}"; do
        [ "${pids[$i]}" = done ] || wait "${pids[$i]}" || rc=1
        cat "${logs[$i]}"
    done
    banner "integration on ansible-core $(edge_lines | xargs | sed 's/ / and /'): $((SECONDS - start)) s"
    [ "$rc" -eq 0 ] || { echo "integration failed on at least one ansible-core line (logs above)" >&2; return 1; }
    tools/leftovers.sh
}

# make test's integration pass: the newest line. The oldest line's pass (integration-lines runs both side
# by side) still fails a few targets' own assertions on ansible-core 2.16 (see docs/development.md).
run_integration_newest() {
    LABNET_CORE=$(edge_lines | tail -1) "$repo/tools/test.sh" integration "$@"
}

# The default scenario on the oldest and the newest line, the other scenarios on .venv's line.
run_molecule_lines() {
    local line others=()
    for line in $(edge_lines); do
        LABNET_CORE=$line "$repo/tools/test.sh" molecule default
    done
    mapfile -t others < <(cd molecule && ls -d */ | tr -d / | grep -vx default)
    [ ${#others[@]} -eq 0 ] || run_molecule "${others[@]}"
}

run_molecule() {
    if ! ls -d molecule/*/ >/dev/null 2>&1; then
        banner "molecule: no scenarios yet"
        return 0
    fi
    banner "molecule scenarios, $(on_core)"
    tools/ensure-engine.sh
    tools/build-labhost-image.sh
    local coll
    coll=$(tree)
    local scenarios=("$@")
    [ ${#scenarios[@]} -gt 0 ] || mapfile -t scenarios < <(cd molecule && ls -d */ | tr -d / )
    for s in "${scenarios[@]}"; do
        banner "molecule test -s $s, $(on_core)"
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

run_cores() {
    # Unit tests and sanity on every ansible-core line, each in its own venv (tools/core-venv.sh).
    local line start unit_s report=()
    for line in $(tools/core-venv.sh --lines); do
        start=$SECONDS
        LABNET_CORE=$line "$repo/tools/test.sh" unit
        unit_s=$((SECONDS - start))
        LABNET_CORE=$line "$repo/tools/test.sh" sanity
        report+=("ansible-core $line: unit ${unit_s} s, sanity $((SECONDS - start - unit_s)) s, passed")
    done
    banner "ansible-core lines"
    printf '%s\n' "${report[@]}"
}

run_release() {
    banner "changelog and docs lint (antsibull-changelog, antsibull-docs)"
    local coll
    coll=$(tree)
    (cd "$coll" && antsibull-changelog lint && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml)
    echo "antsibull-changelog: fragments and changelogs/changelog.yaml are valid"
    # The docs as a docs site renders them (RST, schema, markup, references), ours and our
    # dependencies'. ansible-doc sees only this copy and community.docker with its dependency.
    local cpath=$build_root/docs-collections
    mkdir -p "$cpath/ansible_collections/labnet"
    ln -s "$coll" "$cpath/ansible_collections/labnet/docker"
    link_dependencies "$cpath"
    (cd "$coll" && ANSIBLE_COLLECTIONS_PATH="$cpath" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false antsibull-docs lint-collection-docs --plugin-docs \
        --validate-collection-refs dependent --disallow-unknown-collection-refs .)
    echo "antsibull-docs: collection, plugin and role docs are valid"
}

case "$suite" in
    unit) run_unit "$@" ;;
    sanity) run_sanity "$@" ;;
    integration) run_integration "$@" ;;
    integration-lines) run_integration_lines "$@" ;;
    molecule) run_molecule "$@" ;;
    molecule-lines) run_molecule_lines ;;
    example) run_example ;;
    build) run_build ;;
    lint) run_lint ;;
    static) run_static ;;
    cores) run_cores ;;
    release) run_release ;;
    all)
        # set -e stops at the first failing suite, so every suite counted here has passed.
        # "cores" runs the unit tests and sanity on every supported ansible-core line.
        # Integration on the newest ansible-core line, the default scenario on the oldest and the newest.
        passed=0
        declare -A took=()
        edges=$(edge_lines | xargs | sed 's/ / and /')
        for each_suite in unit static cores build lint release integration_newest molecule_lines example; do
            start=$SECONDS
            "run_$each_suite"
            passed=$((passed + 1))
            took[$each_suite]=$((SECONDS - start))
        done
        banner "all suites passed: the ansible-core each ran on"
        printf '%-12s %6s s  %s\n' \
            unit "${took[unit]}" "$(on_core)" \
            static "${took[static]}" "ruff and mypy" \
            cores "${took[cores]}" "unit and sanity on ansible-core $(tools/core-venv.sh --lines | xargs)" \
            build "${took[build]}" "$(on_core)" \
            lint "${took[lint]}" "ansible-lint" \
            release "${took[release]}" "antsibull-changelog and antsibull-docs" \
            integration "${took[integration_newest]}" "ansible-core $(edge_lines | tail -1)" \
            molecule "${took[molecule_lines]}" "default on ansible-core $edges; the others on $(on_core)" \
            example "${took[example]}" "$(on_core)"
        echo "suites: $passed passed, 0 failed"
        ;;
    *) echo "unknown suite: $suite (all, unit, static, cores, build, sanity, lint, release, integration, integration-lines, molecule, molecule-lines, example)" >&2; exit 2 ;;
esac
