#!/usr/bin/env bash
# Build one lab-host image: a Debian suite made with debootstrap, with Debian's Docker engine, and
# the modules' Python dependencies either from the suite's own packages or, where those are too
# old, in the virtualenv /opt/labnet/venv from wheels that this machine's pip fetches. The image
# starts nothing by itself (sleep under docker-init); the lab hosts' dockerd is started later.
#
# Run by the labhost_image role, which works out every input and the content key (a digest of
# this script and of those inputs). The image is tagged <image>:<suite>-<key> and <image>:<suite>
# and labelled labnet.content=<key>, labnet.suite=<suite>, labnet.python=<interpreter>. Nothing is
# built when <image>:<suite>-<key> exists (unless LABHOST_REBUILD=1). Builds are serialised with a
# lock, so that runs started side by side build an image once.
#
# Environment (all set by the role):
#   LABHOST_IMAGE         image name, e.g. labnet/labhost
#   LABHOST_SUITE         Debian suite, e.g. bookworm
#   LABHOST_KEY           content key
#   LABHOST_PACKAGES      packages to include, comma-separated
#   LABHOST_REQUIREMENTS  Python requirements for the virtualenv, one a line; empty: no virtualenv
#   LABHOST_WHEEL_PYTHON  the suite's Python version, for the wheels (e.g. 3.11)
#   LABHOST_PYTHON        the interpreter that runs the modules in the image
#   LABHOST_MIRROR        Debian mirror; empty: the first Debian mirror in this machine's apt sources
#   LABHOST_PIP_PYTHON    the python whose pip fetches the wheels
#   LABHOST_REBUILD       1 to build even when the image exists
# Needs root, debootstrap and a Docker engine. Prints "current", "retagged" or "built" as it did.
set -euo pipefail

image=$LABHOST_IMAGE
suite=$LABHOST_SUITE
key=$LABHOST_KEY
tag=$image:$suite-$key

exec 9>"${TMPDIR:-/tmp}/labnet-labhost-image-$suite.lock"
flock 9
if [ "${LABHOST_REBUILD:-0}" != 1 ] && docker image inspect "$tag" >/dev/null 2>&1; then
    if [ "$(docker image inspect -f '{{.Id}}' "$image:$suite" 2>/dev/null || true)" = "$(docker image inspect -f '{{.Id}}' "$tag")" ]; then
        echo "labhost image $tag: current"
    else
        docker tag "$tag" "$image:$suite"
        echo "labhost image $tag: retagged as $image:$suite"
    fi
    exit 0
fi

command -v debootstrap >/dev/null || { echo "build-labhost-image: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
mirror=${LABHOST_MIRROR:-$(
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -oE 'https?://[^ ]+/debian/?( |$)' | tr -d ' ' | sed -n 1p || true
)}
[ -n "$mirror" ] || { echo "build-labhost-image: no Debian mirror found; set labhost_image_mirror" >&2; exit 1; }

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/labnet-labhost.XXXXXX")
root=$work/root
cleanup() {
    for m in dev/pts dev proc; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done
    rm -rf "$work"
}
trap cleanup EXIT

echo "build-labhost-image: debootstrap $suite from $mirror"
debootstrap --variant=minbase --include="$LABHOST_PACKAGES" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

mapfile -t requirements < <(printf '%s\n' "${LABHOST_REQUIREMENTS:-}" | sed '/^$/d')
mount -t proc proc "$root/proc"
if [ ${#requirements[@]} -gt 0 ]; then
    # The suite's own python3-docker or pyroute2 is too old: wheels fetched here, installed offline.
    echo "build-labhost-image: Python wheels for ${requirements[*]}"
    "$LABHOST_PIP_PYTHON" -m pip download -q --dest "$work/wheels" --only-binary=:all: \
        --python-version "$LABHOST_WHEEL_PYTHON" --implementation cp --platform manylinux2014_x86_64 --platform any \
        "${requirements[@]}" 2> >(grep -v 'is ignored: it is neither' >&2)
    mkdir -p "$root/tmp/wheels"
    cp "$work"/wheels/*.whl "$root/tmp/wheels/"
    chroot "$root" /usr/bin/python3 -m venv /opt/labnet/venv
    chroot "$root" env -u PIP_FIND_LINKS -u PIP_CERT PIP_CONFIG_FILE=/dev/null \
        /opt/labnet/venv/bin/pip install -q --no-index --find-links /tmp/wheels "${requirements[@]}"
fi
chroot "$root" "$LABHOST_PYTHON" -c 'import docker, pyroute2; print("docker", docker.__version__, "pyroute2", pyroute2.__version__)'
# What the image holds, read from its package database: docs/engines.md quotes it.
versions=$(chroot "$root" dpkg-query -W -f '${Package}=${Version} ' docker.io iptables python3-docker python3-pyroute2 2>/dev/null || true)
umount "$root/proc"

# Trim what a lab host never needs; docker's own state lives on a volume at run time.
rm -rf "$root"/tmp/wheels "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/lib/docker/*
: >"$root/etc/resolv.conf"
echo labhost >"$root/etc/hostname"

path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
[ ${#requirements[@]} -eq 0 ] || path=/opt/labnet/venv/bin:$path
tar -C "$root" -c . | docker import \
    --change 'CMD ["/bin/sleep", "infinity"]' \
    --change "ENV PATH=$path" \
    --change "LABEL labnet.content=$key" \
    --change "LABEL labnet.suite=$suite" \
    --change "LABEL labnet.python=$LABHOST_PYTHON" \
    --change "LABEL labnet.packages=${versions% }" \
    --change 'LABEL org.opencontainers.image.title=labnet-labhost' \
    - "$tag" >/dev/null
docker tag "$tag" "$image:$suite"
# Older builds of this suite are dropped (only the tags this script made).
docker image ls --format '{{.Repository}}:{{.Tag}}' "$image" | grep -E ":$suite-[0-9a-f]+$" | grep -vF ":$suite-$key" \
    | xargs -r docker rmi >/dev/null 2>&1 || true
echo "labhost image $tag: built in $(( $(date +%s) - start )) s ($(docker image inspect -f '{{.Size}}' "$tag") bytes; $versions)"
