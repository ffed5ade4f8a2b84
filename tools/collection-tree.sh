#!/usr/bin/env bash
# Place a copy of the collection where ansible-test wants it:
#   <DIR>/ansible_collections/labnet/docker
# with the files git sees (tracked, and untracked but not ignored). DIR is the first argument
# (default: a new folder under $TMPDIR, outside the checkout, so that git does not hide it from
# ansible-test and runs side by side never share a tree).
# Prints the collection's path.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-$(mktemp -d "${TMPDIR:-/tmp}/labnet-build.XXXXXX")}
dest=$base/ansible_collections/labnet/docker
rm -rf "$dest"
mkdir -p "$dest"
git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -C "$dest" -xf -
echo "$dest"
