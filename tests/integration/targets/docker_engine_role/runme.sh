#!/usr/bin/env bash
# The docker_engine role against an engine of its own: a nested lab host (a container from the
# labnet/labhost image, which runs its own dockerd), never this machine's engine. The role starts the
# engine (check, apply, apply again, check again: changed, changed, unchanged, unchanged); then it
# must refuse a daemon.json key that is also a dockerd flag and a key that is no dockerd option,
# leaving daemon.json and the engine as they were; a setting that dockerd itself refuses at start is
# rolled back, with dockerd's own error; a decoy process called dockerd is never taken for the engine.
set -euo pipefail
cd "$(dirname "$0")"

name=lbt$(( RANDOM % 90000 + 10000 ))-eng
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ANSIBLE_NOCOLOR=1
log=$(mktemp)
capabilities=(AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER
    FSETID IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD NET_ADMIN
    NET_BIND_SERVICE NET_BROADCAST NET_RAW SETFCAP SETGID SETPCAP SETUID SYS_ADMIN SYS_BOOT SYS_CHROOT
    SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE SYS_RAWIO SYS_TIME SYS_TTY_CONFIG SYSLOG WAKE_ALARM)

cleanup() {
    docker rm -f "$name" >/dev/null 2>&1 || true
    docker volume rm "$name-docker" >/dev/null 2>&1 || true
    # The inner engine's cgroups, deepest first.
    for cg in /sys/fs/cgroup/*/"$name"; do [ -d "$cg" ] && find "$cg" -depth -type d -delete 2>/dev/null || true; done
    rm -f "$log" "$log.inventory.yml"
}
trap cleanup EXIT

echo "docker_engine_role: lab host $name"
# The image is built ahead by tools/build-labhost-image.sh (tools/test.sh integration does it), from the
# checkout: ansible-test's copy of the collection is no git checkout to build from.
docker image inspect labnet/labhost:latest >/dev/null 2>&1 || {
    echo "docker_engine_role: the lab-host image labnet/labhost:latest is missing: make it with tools/build-labhost-image.sh" >&2
    exit 1
}
# What a nested Docker host needs (see molecule/labhosts-create.yml), without a network: the inner
# engine's containers are not used here.
docker run --detach --init --name "$name" --hostname labhost --network none \
    --volume "$name-docker:/var/lib/docker" --volume /sys/fs/cgroup:/sys/fs/cgroup:rw \
    "${capabilities[@]/#/--cap-add=}" --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined labnet/labhost:latest >/dev/null

cat >"$log.inventory.yml" <<YAML
all:
  hosts:
    labhost:
      ansible_connection: community.docker.docker
      ansible_host: $name
      ansible_python_interpreter: /opt/labnet/venv/bin/python
      docker_engine_python_deps: none
      docker_engine_start_timeout: 30
      docker_engine_dockerd_args: [--cgroup-parent, /$name]
YAML

inner() { docker exec "$name" "$@"; }
# play [ARGS]: run the role, keep its output in $log, print the changed count.
play() {
    ansible-playbook -i "$log.inventory.yml" engine.yml "$@" >"$log" 2>&1 || { cat "$log"; return 1; }
    sed -n 's/^labhost *: .*changed=\([0-9]*\).*/\1/p' "$log"
}
# refused WHAT TEXT [ARGS]: the run fails, and its output has TEXT.
refused() {
    local what=$1 text=$2
    shift 2
    if ansible-playbook -i "$log.inventory.yml" engine.yml "$@" >"$log" 2>&1; then
        cat "$log"; echo "FAILED: $what was not refused" >&2; exit 1
    fi
    # The YAML result format folds long messages and (on ansible-core before 2.19) doubles single quotes:
    # the text is looked for in the output with its lines joined and its quotes as they were.
    tr '\n' ' ' <"$log" | sed -E "s/ +/ /g; s/''/'/g" | grep -qF -- "$text" \
        || { cat "$log"; echo "FAILED: $what: the message lacks '$text'" >&2; exit 1; }
}
expect() {  # expect WHAT CHANGED WANT(changed|unchanged)
    if { [ "$3" = changed ] && [ "$2" -gt 0 ]; } || { [ "$3" = unchanged ] && [ "$2" -eq 0 ]; }; then
        echo "ok: $1: changed=$2"
    else
        cat "$log"; echo "FAILED: $1: changed=$2, expected $3" >&2; exit 1
    fi
}
engine_pid() { inner env LABNET_DOCKERD_SOCKET=/var/run/docker.sock /usr/local/sbin/labnet-dockerd pid; }
answers() { inner docker version --format '{{.Server.Version}}' >/dev/null; }
unchanged_engine() {  # unchanged_engine WHAT PID DAEMON_JSON
    [ "$(engine_pid)" = "$2" ] || { echo "FAILED: $1: the engine was restarted" >&2; exit 1; }
    answers || { echo "FAILED: $1: the engine does not answer" >&2; exit 1; }
    [ "$(inner cat /etc/docker/daemon.json)" = "$3" ] || { echo "FAILED: $1: daemon.json changed" >&2; exit 1; }
    inner test ! -e /etc/docker/.labnet-restart-pending || { echo "FAILED: $1: a restart is left pending" >&2; exit 1; }
}

# A decoy called dockerd, older (lower pid) than the engine: pgrep -x dockerd | head -n1 would pick it.
inner sh -c 'mkdir -p /opt/decoy && cp /bin/sleep /opt/decoy/dockerd && setsid /opt/decoy/dockerd 100000 >/dev/null 2>&1 </dev/null &'
decoy=$(inner pgrep -x dockerd)

expect "engine, check mode" "$(play --check)" changed
inner test ! -e /etc/docker/daemon.json || { echo "FAILED: check mode wrote daemon.json" >&2; exit 1; }
expect "engine" "$(play)" changed
expect "engine again" "$(play)" unchanged
expect "engine again, check mode" "$(play --check)" unchanged
answers
pid=$(engine_pid)
[ -n "$pid" ] && [ "$pid" != "$decoy" ] || { echo "FAILED: labnet-dockerd took the decoy ($decoy) for the engine ($pid)" >&2; exit 1; }
good=$(inner cat /etc/docker/daemon.json)
echo "ok: the engine runs (pid $pid, not the decoy $decoy) with $(echo "$good" | tr -d ' \n')"

# (a) A key that dockerd also gets as a flag (--cgroup-parent): refused before anything changes.
for mode in --check ""; do
    refused "cgroup-parent in daemon.json and as a flag ${mode:-apply}" \
        "daemon.json key 'cgroup-parent' is also given as the flag --cgroup-parent=/$name" \
        -e '{"docker_engine_options": {"cgroup-parent": "/elsewhere"}}' $mode
    unchanged_engine "conflicting key ${mode:-apply}" "$pid" "$good"
done
echo "ok: a key that is also a dockerd flag is refused; daemon.json and the engine are as they were"

# (b) A key that is no dockerd option, and a value of the wrong type: refused.
refused "an unknown key" "daemon.json key 'userland_proxy' is no dockerd option" \
    -e '{"docker_engine_options": {"userland_proxy": false}}'
unchanged_engine "unknown key" "$pid" "$good"
refused "a string for a bool" "daemon.json key 'live-restore' is \"yes\", but dockerd takes a bool there" \
    -e '{"docker_engine_options": {"live-restore": "yes"}}'
unchanged_engine "wrong type" "$pid" "$good"
echo "ok: an unknown key and a wrong type are refused; daemon.json and the engine are as they were"

# (c) A value that passes the checks but that dockerd refuses when it starts: rolled back.
refused "a log level dockerd does not know" "dockerd said: unable to parse logging level: loud." \
    -e '{"docker_engine_options": {"log-level": "loud"}}'
grep -qF "The old /etc/docker/daemon.json is back, and the engine answers again" "$log" || { cat "$log"; exit 1; }
answers || { echo "FAILED: the engine does not answer after the rollback" >&2; exit 1; }
[ "$(inner cat /etc/docker/daemon.json)" = "$good" ] || { echo "FAILED: daemon.json was not put back" >&2; exit 1; }
inner test ! -e /etc/docker/.labnet-restart-pending || { echo "FAILED: a restart is left pending" >&2; exit 1; }
inner grep -q -- "--cgroup-parent" "/proc/$(engine_pid)/cmdline" || { echo "FAILED: the engine lost its arguments" >&2; exit 1; }
inner test -e "/proc/$decoy" || { echo "FAILED: the decoy was stopped" >&2; exit 1; }
expect "engine after the rollback" "$(play)" unchanged
echo "ok: a setting dockerd refuses is rolled back with dockerd's error; the engine answers with the old file"

# A change that dockerd takes restarts the engine once, keeping its arguments.
expect "engine with live-restore" "$(play -e '{"docker_engine_options": {"live-restore": true}}')" changed
[ "$(engine_pid)" != "$pid" ] && answers
inner grep -q '"live-restore": true' /etc/docker/daemon.json
expect "engine with live-restore again" "$(play -e '{"docker_engine_options": {"live-restore": true}}')" unchanged
inner test -e "/proc/$decoy" || { echo "FAILED: the decoy was stopped" >&2; exit 1; }
echo "ok: a good change restarts the engine (not the decoy) once"
