#!/usr/bin/env bash
# Build the offline lab image labnet/box:latest from Debian's busybox-static:
# sh, ping, wget, httpd, nc, ip, hostname and an index page, in about 2 MB.
# The image is labelled with a digest of its inputs and rebuilt only when that changes
# (or when the image is missing).
set -euo pipefail

image=${LABNET_BOX_IMAGE:-labnet/box:latest}
bb=/bin/busybox
[ -x "$bb" ] || tools/apt-install.sh busybox-static

# Content key: the busybox binary and this script.
key=$( (sha256sum "$bb" "$0" | cut -d' ' -f1) | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{ index .Config.Labels "labnet.content" }}' "$image" 2>/dev/null || true)
if [ "$have" = "$key" ]; then
    echo "build-box-image: $image is current ($key)"
    exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,var/www,proc,sys,dev,root}
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
for applet in $("$bb" --list); do
    [ "$applet" = busybox ] || ln -sf /bin/busybox "$root/bin/$applet"
done
cat >"$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
P
cat >"$root/etc/group" <<'G'
root:x:0:
nogroup:x:65534:
G
cat >"$root/var/www/index.html" <<'H'
<!doctype html>
<html><head><title>labnet box</title></head>
<body><h1>labnet box</h1><p>Served by busybox httpd in the labnet.docker lab image.</p></body></html>
H
cat >"$root/bin/labnet-web" <<'W'
#!/bin/sh
# Serve /var/www on port ${PORT:-80}, with this container's name on the index page.
PORT=${PORT:-80}
printf '<!doctype html>\n<html><body><h1>labnet box %s</h1></body></html>\n' "$(hostname)" >/var/www/index.html
exec httpd -f -v -p "$PORT" -h /var/www
W
chmod 755 "$root/bin/labnet-web"

tar -C "$root" -c . | docker import \
    --change 'CMD ["/bin/sh"]' \
    --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
    --change "LABEL labnet.content=$key" \
    --change 'LABEL org.opencontainers.image.title=labnet-box' \
    - "$image" >/dev/null
echo "build-box-image: built $image ($key, $(docker image inspect -f '{{.Size}}' "$image") bytes)"
