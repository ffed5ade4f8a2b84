#!/usr/bin/env bash
# Print the path of a working Python X.Y interpreter, or fail naming what was looked at.
# Looks on PATH first, then in pyenv's versions (these machines keep several there), then /usr/bin.
# Usage: tools/find-python.sh X.Y
set -euo pipefail
want=${1:?usage: tools/find-python.sh X.Y}
candidates=()
p=$(command -v "python$want" 2>/dev/null) && candidates+=("$p")
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for p in "$root"/versions/"$want".*/bin/"python$want" /usr/bin/"python$want" /usr/local/bin/"python$want"; do
    [ -x "$p" ] && candidates+=("$p")
done
for p in "${candidates[@]}"; do
    # A pyenv shim exists for every installed version but runs only the selected ones: try it.
    got=$("$p" -c 'import sys, venv; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    if [ "$got" = "$want" ]; then
        "$p" -c 'import sys; print(sys.executable)'
        exit 0
    fi
done
echo "find-python: no working python$want (looked on PATH, in $root/versions and /usr/bin);" \
    "install one, for example with pyenv, or Debian's python$want where the release has it" >&2
exit 1
