#!/usr/bin/env bash
# Build the offline lab-host image for the Molecule scenarios: Debian bookworm made with
# debootstrap, with Debian's docker.io, iproute2, iptables, python3 (and python3-apt, for
# ansible.builtin.package) and busybox-static (for the lab_image role), and the
# modules' Python dependencies (the Docker SDK for Python >= 7 and pyroute2; bookworm's
# python3-docker is 5.x) in the virtualenv /opt/labnet/venv.
# The image starts nothing by itself: the Molecule scenarios start its dockerd.
#
# The image is tagged <image>:<key> and <image>:latest and labelled labnet.content=<key>, where
# <key> is a digest of this script (which holds the suite, the package list and the Python
# requirements). It is rebuilt only when the key changes, the image is missing, or
# LABNET_LABHOST_REBUILD=1. Builds are serialised with a lock, so that scenarios started side by
# side build it once.
#
# Environment: LABNET_LABHOST_IMAGE (default labnet/labhost), LABNET_DEBIAN_MIRROR (default: the
# first Debian mirror in apt's sources), LABNET_LABHOST_REBUILD.
# Needs root, debootstrap and a Docker engine; the Python wheels come through this machine's pip.
set -euo pipefail
cd "$(dirname "$0")/.."

image=${LABNET_LABHOST_IMAGE:-labnet/labhost}
suite=bookworm
packages=docker.io,iproute2,iptables,python3,python3-venv,python3-apt,busybox-static,procps,ca-certificates
requirements=("docker>=7,<8" "pyroute2>=0.7.9,<0.10")

key=$(sha256sum "$0" | cut -c1-16)
current() {
    [ "$(docker image inspect -f '{{ index .Config.Labels "labnet.content" }}' "$image:latest" 2>/dev/null || true)" = "$key" ]
}

exec 9>"${TMPDIR:-/tmp}/labnet-labhost-image.lock"
flock 9
if [ "${LABNET_LABHOST_REBUILD:-0}" != 1 ] && current; then
    echo "build-labhost-image: $image:latest is current ($key)"
    exit 0
fi
if docker image inspect "$image:$key" >/dev/null 2>&1 && [ "${LABNET_LABHOST_REBUILD:-0}" != 1 ]; then
    docker tag "$image:$key" "$image:latest"
    echo "build-labhost-image: $image:latest retagged from $image:$key"
    exit 0
fi

command -v debootstrap >/dev/null || tools/apt-install.sh debootstrap
mirror=${LABNET_DEBIAN_MIRROR:-$(
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -oE 'https?://[^ ]+/debian/?( |$)' | tr -d ' ' | sed -n 1p || true
)}
[ -n "$mirror" ] || { echo "build-labhost-image: no Debian mirror found; set LABNET_DEBIAN_MIRROR" >&2; exit 1; }
python=.venv/bin/python
[ -x "$python" ] || python=python3

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/labnet-labhost.XXXXXX")
root=$work/root
cleanup() {
    for m in dev/pts dev proc; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done
    rm -rf "$work"
}
trap cleanup EXIT

echo "build-labhost-image: debootstrap $suite from $mirror"
debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

# The Python dependencies: wheels fetched by this machine's pip, installed offline in the chroot.
echo "build-labhost-image: Python wheels for ${requirements[*]}"
"$python" -m pip download -q --dest "$work/wheels" --only-binary=:all: \
    --python-version 3.11 --implementation cp --platform manylinux2014_x86_64 --platform any \
    "${requirements[@]}" 2> >(grep -v 'is ignored: it is neither' >&2)
mkdir -p "$root/tmp/wheels"
cp "$work"/wheels/*.whl "$root/tmp/wheels/"
mount -t proc proc "$root/proc"
chroot "$root" /usr/bin/python3 -m venv /opt/labnet/venv
chroot "$root" env -u PIP_FIND_LINKS -u PIP_CERT PIP_CONFIG_FILE=/dev/null \
    /opt/labnet/venv/bin/pip install -q --no-index --find-links /tmp/wheels "${requirements[@]}"
chroot "$root" /opt/labnet/venv/bin/python -c 'import docker, pyroute2; print("docker", docker.__version__, "pyroute2", pyroute2.__version__)'
umount "$root/proc"

# Trim what a lab host never needs; docker's own state lives on a volume at run time.
rm -rf "$root"/tmp/wheels "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/lib/docker/*
: >"$root/etc/resolv.conf"
echo labhost >"$root/etc/hostname"

tar -C "$root" -c . | docker import \
    --change 'CMD ["/bin/sleep", "infinity"]' \
    --change 'ENV PATH=/opt/labnet/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL labnet.content=$key" \
    --change 'LABEL org.opencontainers.image.title=labnet-labhost' \
    - "$image:$key" >/dev/null
docker tag "$image:$key" "$image:latest"
# Older builds of this image are dropped (only the ones this script tagged).
docker image ls --format '{{.Repository}}:{{.Tag}}' "$image" | grep -vE ":(latest|$key)$" | xargs -r docker rmi >/dev/null 2>&1 || true
echo "build-labhost-image: built $image:$key in $(( $(date +%s) - start )) s ($(docker image inspect -f '{{.Size}}' "$image:$key") bytes)"
