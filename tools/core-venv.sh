#!/usr/bin/env bash
# The virtual environment of one ansible-core release line, for unit tests and ansible-test:
#   .venv-core/<LINE>/   made from tools/core/<LINE>.txt (every package pinned) with the Python
#                        that file names on its "# python: X.Y" line.
# It is made again only when the digest of that file changes (kept in .requirements.sha256).
# Prints the venv's path. `tools/core-venv.sh --lines` prints the lines, oldest first.
# Usage: tools/core-venv.sh LINE | --lines
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --lines ]; then
    ls tools/core | sed -n 's/\.txt$//p' | sort -t. -k1,1n -k2,2n
    exit 0
fi
line=${1:?usage: tools/core-venv.sh LINE | --lines}
req=tools/core/$line.txt
if [ ! -f "$req" ]; then
    echo "core-venv: no ansible-core line $line (tools/core/ has: $("$0" --lines | xargs))" >&2
    exit 2
fi
pyver=$(sed -n 's/^# python: *//p' "$req")
venv=.venv-core/$line
want=$(sha256sum "$req" | cut -d' ' -f1)
mkdir -p .venv-core
# One maker at a time: two runs side by side wait for each other instead of both building.
exec 9>".venv-core/$line.lock"
flock 9
if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ] || [ ! -x "$venv/bin/python" ]; then
    python=$(tools/find-python.sh "$pyver")
    echo "core-venv: making $venv with $python from $req" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
    echo "$want" >"$venv/.requirements.sha256"
fi
echo "$PWD/$venv"
