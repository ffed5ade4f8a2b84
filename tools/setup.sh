#!/usr/bin/env bash
# make setup: everything the project needs on a machine of this kind, installed where missing.
# Safe to run again: each step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the engine, the lab image's busybox, iptables and iproute2 for the tests,
# debootstrap for the Molecule lab-host image, graphviz for the lab report.
tools/apt-install.sh docker.io busybox-static iptables iproute2 debootstrap graphviz procps

# The Python virtual environment, refreshed when requirements-dev.txt changes.
python=${LABNET_PYTHON:-$(command -v python3.11 || command -v python3)}
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $python"
    "$python" -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: installing requirements-dev.txt into .venv"
    .venv/bin/pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
    echo "$want" >"$stamp"
fi

# The engine, started by hand where nothing answers; then the offline lab image.
tools/ensure-engine.sh
tools/build-box-image.sh
