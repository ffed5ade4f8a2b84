#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine.
# Installs Debian's docker.io when dockerd is missing and starts dockerd by hand when no
# engine answers (these machines have no systemd). The engine's log is kept in
# ${LABNET_DOCKERD_LOG:-/var/log/labnet-dockerd.log}.
set -euo pipefail

log=${LABNET_DOCKERD_LOG:-/var/log/labnet-dockerd.log}
sock=/var/run/docker.sock

engine_answers() {
    docker -H "unix://$sock" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if ! command -v dockerd >/dev/null 2>&1; then
    echo "ensure-engine: installing Debian's docker.io"
    tools/apt-install.sh docker.io
fi

if engine_answers; then
    exit 0
fi

if pid=$(pgrep -x dockerd); then
    echo "ensure-engine: dockerd (pid $pid) runs but does not answer yet; waiting"
else
    echo "ensure-engine: starting dockerd (log: $log)"
    # containerd is started by dockerd itself when no system containerd runs.
    nohup dockerd --host "unix://$sock" >>"$log" 2>&1 </dev/null &
fi

for _ in $(seq 1 120); do
    if engine_answers; then
        echo "ensure-engine: engine $(docker version --format '{{.Server.Version}}') answers on $sock"
        exit 0
    fi
    sleep 0.5
done
echo "ensure-engine: dockerd did not answer on $sock within 60 s; last lines of $log:" >&2
tail -n 30 "$log" >&2 || true
exit 1
