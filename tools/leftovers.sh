#!/usr/bin/env bash
# Fail when a test left anything behind: containers, networks or volumes labelled or named
# for tests, network namespaces or links with the test prefix.
set -euo pipefail
prefix=${LABNET_TEST_PREFIX:-lbt}
left=()
while read -r c; do [ -n "$c" ] && left+=("container $c"); done < <(docker ps -a --format '{{.Names}}' | grep -E "^${prefix}" || true)
while read -r n; do [ -n "$n" ] && left+=("network $n"); done < <(docker network ls --format '{{.Name}}' | grep -E "^${prefix}" || true)
while read -r v; do [ -n "$v" ] && left+=("volume $v"); done < <(docker volume ls -q | grep -E "^${prefix}" || true)
while read -r n; do [ -n "$n" ] && left+=("netns $n"); done < <(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${prefix}" || true)
while read -r l; do [ -n "$l" ] && left+=("link $l"); done < <(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^${prefix}" || true)
while read -r g; do [ -n "$g" ] && left+=("cgroup $g"); done < <(ls -d /sys/fs/cgroup/*/"${prefix}"* 2>/dev/null || true)
if [ ${#left[@]} -gt 0 ]; then
    echo "leftovers: tests left these behind:" >&2
    printf '  %s\n' "${left[@]}" >&2
    exit 1
fi
echo "leftovers: none"
