#!/usr/bin/env bash
# Way 3, the tutorial's way: the docker CLI in a shell loop, one `docker run` after another.
# Usage: cli_loop.sh SPEC.json   (the spec is read with the venv's python, outside the loop)
set -euo pipefail
spec=$1
py=${BENCH_PYTHON:-python3}
read -r net parent subnet gateway image label < <("$py" -c '
import json, sys
s = json.load(open(sys.argv[1]))
n = s["network"]
print(n["name"], n["parent"], n["subnet"], n["gateway"], s["image"],
      ",".join("%s=%s" % kv for kv in s["labels"].items()))' "$spec")
mapfile -t lines < <("$py" -c '
import json, sys
s = json.load(open(sys.argv[1]))
for c in s["containers"]:
    print(c["name"], c["ipv4_address"])' "$spec")
mapfile -t cmd < <("$py" -c '
import json, sys
print("\n".join(json.load(open(sys.argv[1]))["command"]))' "$spec")

docker network create -d macvlan --subnet "$subnet" --gateway "$gateway" -o parent="$parent" \
    --label "$label" "$net" >/dev/null
for line in "${lines[@]}"; do
    read -r name ip <<<"$line"
    docker run -d --name "$name" --network "$net" --ip "$ip" --label "$label" "$image" "${cmd[@]}" >/dev/null
done
