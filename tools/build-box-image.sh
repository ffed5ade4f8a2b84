#!/usr/bin/env bash
# Build the offline lab image labnet/box:latest from Debian's busybox-static, rebuilt only when its
# inputs change. The build lives in the lab_image role (roles/lab_image/files/build-box-image.sh),
# so that `make setup` and the role build the image one way only.
set -euo pipefail
cd "$(dirname "$0")/.."
exec roles/lab_image/files/build-box-image.sh "$@"
