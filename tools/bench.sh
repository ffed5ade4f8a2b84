#!/usr/bin/env bash
# make bench: the benchmarks under bench/, on a copy of the collection, with everything they make
# named lbtb<random> (BENCH_PREFIX<random>) and removed again on exit, Ctrl-C or failure.
# BENCH_QUICK=1 runs a smoke test (N = 10, one repeat). See bench/README.md for the other knobs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0

# BENCH_PREFIX: another prefix than lbtb (at least 3 characters), e.g. beside running test suites,
# whose leftover check looks for lbt names.
prefix=${BENCH_PREFIX:-lbtb}
[ "${#prefix}" -ge 3 ] || { echo "bench: BENCH_PREFIX must have at least 3 characters" >&2; exit 2; }
export BENCH_PREFIX=$prefix
run_id=${BENCH_RUN_ID:-$prefix$(od -An -N2 -tx2 /dev/urandom | tr -d ' \n')}
case "$run_id" in "$prefix"?*) ;; *) echo "bench: BENCH_RUN_ID must start with $prefix" >&2; exit 2 ;; esac
export BENCH_RUN_ID=$run_id

build_root=$(mktemp -d "${TMPDIR:-/tmp}/labnet-bench.XXXXXX")
cleanup() {
    .venv/bin/python bench/cleanup.py "$run_id" >&2 || true
    rm -rf "$build_root"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tools/ensure-engine.sh
tools/build-box-image.sh >/dev/null
tools/collection-tree.sh "$build_root" >/dev/null
export BENCH_COLLECTIONS_PATH=$build_root

.venv/bin/python bench/bench.py
