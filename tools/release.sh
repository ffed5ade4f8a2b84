#!/usr/bin/env bash
# make release VERSION=X.Y.Z: set galaxy.yml's version, fold changelogs/fragments/ into that
# release's entry of changelogs/changelog.yaml and CHANGELOG.rst (antsibull-changelog removes the
# fragments it used), and build labnet-docker-X.Y.Z.tar.gz in the checkout. Review, commit, tag.
# A fragment with a `release_summary` gives the release its opening paragraph.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-}
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "release: give the version as X.Y.Z (make release VERSION=X.Y.Z), not '$version'" >&2
    exit 2
fi
export PATH="$PWD/.venv/bin:$PATH"
sed -i "s/^version: .*/version: $version/" galaxy.yml
echo "release: galaxy.yml version $version"

# antsibull-changelog lists the new plugins with ansible-doc, so it runs on a copy placed at
# <tmp>/ansible_collections/labnet/docker; its results are copied back.
build=$(mktemp -d "${TMPDIR:-/tmp}/labnet-release.XXXXXX")
trap 'rm -rf "$build"' EXIT
coll=$(tools/collection-tree.sh "$build")
(cd "$coll" && antsibull-changelog release --version "$version")
cp "$coll/changelogs/changelog.yaml" changelogs/changelog.yaml
cp "$coll/CHANGELOG.rst" CHANGELOG.rst
for f in changelogs/fragments/*; do
    [ -e "$coll/$f" ] || { rm -f "$f"; echo "release: $f is now in changelogs/changelog.yaml"; }
done
(cd "$coll" && ansible-galaxy collection build --force --output-path "$OLDPWD")
