# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The dockerd settings that the Engine API does not report: userland-proxy and iptables.

They are read from the running dockerd's command line (``/proc/<pid>/cmdline``) and from its
``daemon.json``; the command line wins, as it does in dockerd. Pure functions over plain data,
plus one reader of ``/proc``.
"""

from __future__ import annotations

import json
import os
import re

from ansible_collections.labnet.docker.plugins.module_utils._portaudit.proc_sockets import socket_inodes

DEFAULT_DAEMON_JSON = "/etc/docker/daemon.json"
DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"

# dockerd's defaults for the settings this collection reasons about.
ENGINE_DEFAULTS = {
    "userland-proxy": True,
    "iptables": True,
    "ip-forward": True,
    "userland-proxy-path": None,
    "config-file": DEFAULT_DAEMON_JSON,
}

_BOOL_FLAGS = ("userland-proxy", "iptables", "ip-forward", "ip6tables")


def _as_bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def parse_dockerd_args(argv: list[str]) -> dict:
    """Settings given on a dockerd command line (``--flag``, ``--flag=value``, ``--flag value``)."""
    found: dict = {}
    i = 1
    while i < len(argv):
        arg = argv[i]
        i += 1
        if not arg.startswith("--"):
            continue
        name, sep, value = arg[2:].partition("=")
        if name in _BOOL_FLAGS:
            found[name] = _as_bool(value) if sep else True
        elif name in ("config-file", "userland-proxy-path", "data-root", "host", "cgroup-parent", "exec-root"):
            if not sep and i < len(argv):
                value = argv[i]
                i += 1
            found[name] = value
    return found


def merge_engine_settings(argv: list[str] | None, daemon_json: dict | None) -> dict:
    """dockerd's effective settings: defaults, then daemon.json, then the command line."""
    settings = dict(ENGINE_DEFAULTS)
    for key, value in (daemon_json or {}).items():
        settings[key] = value
    settings.update(parse_dockerd_args(argv or []))
    return settings


# The first engine release that writes ip6tables rules unless told not to (before, off and experimental).
IP6TABLES_DEFAULT_ON_SINCE = 27


def engine_major(version: str | None) -> int | None:
    """``28.5.2+dfsg4`` as 28; None when the version does not start with a number."""
    head = (version or "").split(".", 1)[0]
    return int(head) if head.isdigit() else None


def ip6tables_enabled(settings: dict, version: str | None) -> bool:
    """Whether dockerd writes IPv6 NAT and filter rules (``ip6tables``).

    Set on its command line or in daemon.json, that wins; else it is on from Docker 27, and off
    before (20.10 to 26 need ``experimental`` for it, and default to off).
    """
    if settings.get("ip6tables") is not None:
        return bool(settings["ip6tables"])
    if settings.get("iptables") is False:
        return False
    major = engine_major(version)
    return major is not None and major >= IP6TABLES_DEFAULT_ON_SINCE


def find_dockerd_processes(proc_root: str = "/proc") -> list[tuple[int, list[str]]]:
    """(pid, argv) of every running dockerd, lowest pid first."""
    try:
        entries = os.listdir(proc_root)
    except OSError:
        return []
    found = []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc_root, entry, "cmdline"), "rb") as f:
                raw = f.read()
        except OSError:
            continue
        argv = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
        if argv and os.path.basename(argv[0]) == "dockerd":
            found.append((int(entry), argv))
    return sorted(found)


def find_dockerd_cmdline(proc_root: str = "/proc") -> list[str] | None:
    """The argv of the first running dockerd, or ``None``."""
    processes = find_dockerd_processes(proc_root)
    return processes[0][1] if processes else None


def dockerd_hosts(argv: list[str]) -> list[str]:
    """Every address a dockerd command line listens on (``-H``/``--host``, repeatable).

    Without one, dockerd listens on ``unix:///var/run/docker.sock``.
    """
    hosts = []
    i = 1
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg in ("-H", "--host") and i < len(argv):
            hosts.append(argv[i])
            i += 1
        elif arg.startswith(("--host=", "-H=")):
            hosts.append(arg.split("=", 1)[1])
    return hosts or [DEFAULT_DOCKER_HOST]


def _same_address(a: str, b: str) -> bool:
    """Whether two engine addresses are the same; unix sockets compare by their real path."""
    if a.startswith("unix://") and b.startswith("unix://"):
        return os.path.realpath(a[len("unix://"):]) == os.path.realpath(b[len("unix://"):])
    return a.rstrip("/") == b.rstrip("/")


def select_dockerd(processes: list[tuple[int, list[str]]], docker_host: str | None, preferred_pids=()):
    """The (pid, argv) of the dockerd that serves ``docker_host``; else the first one, or None.

    Several engines may run on one host (a second engine in its own network namespace, an engine
    inside a container): the one the task talks to is the one whose settings matter. Processes in
    ``preferred_pids`` (those that share the caller's mount namespace, where a socket path means the
    same file) are tried first.
    """
    preferred = set(preferred_pids)
    ordered = sorted(processes, key=lambda process: (process[0] not in preferred, process[0]))
    if docker_host:
        for pid, argv in ordered:
            if any(_same_address(host, docker_host) for host in dockerd_hosts(argv)):
                return pid, argv
    return ordered[0] if ordered else None


def same_mount_namespace(proc_root: str, pids) -> list[int]:
    """The ``pids`` that share the reader's mount namespace (all of them when that cannot be read)."""
    try:
        own = os.readlink(os.path.join(proc_root, "self", "ns", "mnt"))
    except OSError:
        return list(pids)
    shared = []
    for pid in pids:
        try:
            if os.readlink(os.path.join(proc_root, str(pid), "ns", "mnt")) == own:
                shared.append(pid)
        except OSError:
            continue
    return shared


def unix_socket_inodes(path: str, proc_root: str = "/proc") -> set[int]:
    """The inodes of the unix sockets bound to ``path`` (``/proc/net/unix``, the reader's network namespace)."""
    wanted = os.path.realpath(path)
    inodes: set[int] = set()
    try:
        with open(os.path.join(proc_root, "net", "unix")) as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return inodes
    for line in lines:
        parts = line.split()
        if len(parts) >= 8 and parts[6].isdigit() and os.path.realpath(parts[7]) == wanted:
            inodes.add(int(parts[6]))
    return inodes


def holds_socket(pid: int, inodes: set[int], proc_root: str = "/proc") -> bool:
    """Whether process ``pid`` has one of the socket ``inodes`` open."""
    return not inodes.isdisjoint(socket_inodes(proc_root, str(pid)))


def serving_dockerd(docker_host: str, proc_root: str = "/proc") -> tuple[int, list[str]] | None:
    """The (pid, argv) of the dockerd in the reader's mount namespace that serves ``docker_host``.

    ``None`` when none does: unlike :func:`select_dockerd`, never another engine instead, and never a
    process only because it is called dockerd. For a unix socket, the dockerd that holds the socket
    (so that one started by systemd with ``-H fd://`` counts too); else the one whose command line
    listens on the address.
    """
    processes = find_dockerd_processes(proc_root)
    local = set(same_mount_namespace(proc_root, [pid for pid, _argv in processes]))
    processes = [(pid, argv) for pid, argv in processes if pid in local]
    if docker_host.startswith("unix://"):
        inodes = unix_socket_inodes(docker_host[len("unix://"):], proc_root)
        return next(((pid, argv) for pid, argv in processes if inodes and holds_socket(pid, inodes, proc_root)), None)
    return next(((pid, argv) for pid, argv in processes
                 if any(_same_address(host, docker_host) for host in dockerd_hosts(argv))), None)


def read_daemon_json(path: str) -> dict | None:
    """The parsed daemon.json, ``{}`` when it is missing, ``None`` when it is not valid JSON."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None


def engine_settings(proc_root: str = "/proc", docker_host: str | None = None) -> dict:
    """The local dockerd's effective settings, with ``source`` saying where they were read.

    With ``docker_host``, the dockerd that listens on that address is chosen when several run;
    ``pid`` is its process id (``None`` when no local dockerd process was found).
    """
    processes = find_dockerd_processes(proc_root)
    local = same_mount_namespace(proc_root, [pid for pid, _argv in processes])
    selected = select_dockerd(processes, docker_host, local)
    argv = selected[1] if selected else None
    config_file = parse_dockerd_args(argv or []).get("config-file", DEFAULT_DAEMON_JSON)
    daemon_json = read_daemon_json(config_file)
    settings = merge_engine_settings(argv, daemon_json)
    settings["source"] = "cmdline+daemon.json" if argv else "daemon.json (no local dockerd process found)"
    settings["daemon_json_valid"] = daemon_json is not None
    settings["pid"] = selected[0] if selected else None
    return settings


# daemon.json checked against dockerd's flags ----------------------------------------------------
#
# dockerd refuses to start when daemon.json names a key that is no option ("the following directives
# don't match any configuration option"), when a key is also given as a flag ("the following
# directives are specified both as a flag and in the configuration file"), or when a value has the
# wrong JSON type. These functions find the same problems before the file is written.

# dockerd 20.10's flags and their value kinds, as ``dockerd --help`` prints them (``bool`` for a flag
# without a value), used where the engine's own help cannot be read. Hidden, deprecated flags that
# dockerd still accepts are listed too.
DOCKERD_FLAGS_20_10 = {
    "add-runtime": "runtime", "allow-nondistributable-artifacts": "list", "api-cors-header": "string",
    "authorization-plugin": "list", "bip": "string", "bridge": "string", "cgroup-parent": "string",
    "cluster-advertise": "string", "cluster-store": "string", "cluster-store-opt": "map",
    "config-file": "string", "containerd": "string", "containerd-namespace": "string",
    "containerd-plugins-namespace": "string", "cpu-rt-period": "int", "cpu-rt-runtime": "int",
    "cri-containerd": "bool", "data-root": "string", "debug": "bool", "default-address-pool": "pool-options",
    "default-cgroupns-mode": "string", "default-gateway": "ip", "default-gateway-v6": "ip",
    "default-ipc-mode": "string", "default-runtime": "string", "default-shm-size": "bytes",
    "default-ulimit": "ulimit", "dns": "list", "dns-opt": "list", "dns-search": "list", "exec-opt": "list",
    "exec-root": "string", "experimental": "bool", "fixed-cidr": "string", "fixed-cidr-v6": "string",
    "graph": "string", "group": "string", "host": "list", "host-gateway-ip": "ip", "icc": "bool",
    "init": "bool", "init-path": "string", "insecure-registry": "list", "ip": "ip", "ip-forward": "bool",
    "ip-masq": "bool", "ip6tables": "bool", "iptables": "bool", "ipv6": "bool", "label": "list",
    "live-restore": "bool", "log-driver": "string", "log-level": "string", "log-opt": "map",
    "max-concurrent-downloads": "int", "max-concurrent-uploads": "int", "max-download-attempts": "int",
    "metrics-addr": "string", "mtu": "int", "network-control-plane-mtu": "int", "no-new-privileges": "bool",
    "node-generic-resource": "list", "oom-score-adjust": "int", "pidfile": "string", "raw-logs": "bool",
    "registry-mirror": "list", "rootless": "bool", "seccomp-profile": "string", "selinux-enabled": "bool",
    "shutdown-timeout": "int", "storage-driver": "string", "storage-opt": "list",
    "swarm-default-advertise-addr": "string", "tls": "bool", "tlscacert": "string", "tlscert": "string",
    "tlskey": "string", "tlsverify": "bool", "userland-proxy": "bool", "userland-proxy-path": "string",
    "userns-remap": "string",
}
# Flags whose daemon.json key is not their own name (moby's opts.NamedOption): flag -> key.
NAMED_OPTION_KEYS = {
    "add-runtime": "runtimes", "authorization-plugin": "authorization-plugins",
    "cluster-store-opt": "cluster-store-opts", "default-address-pool": "default-address-pools",
    "default-ulimit": "default-ulimits", "dns-opt": "dns-opts", "exec-opt": "exec-opts", "host": "hosts",
    "insecure-registry": "insecure-registries", "label": "labels", "log-opt": "log-opts",
    "node-generic-resource": "node-generic-resources", "registry-mirror": "registry-mirrors",
    "storage-opt": "storage-opts",
}
DOCKERD_SHORTHANDS = {"b": "bridge", "D": "debug", "G": "group", "H": "host", "g": "graph", "l": "log-level",
                      "p": "pidfile", "s": "storage-driver"}
# Keys dockerd takes although no flag has their name; keys it lets a flag and the file both give.
KEYS_WITHOUT_FLAG = ("features", "builder", "deprecated-key-path")
KEYS_MERGED_WITH_FLAG = ("runtimes",)
# Object-valued keys that dockerd does not look into; the members of other objects are keys too.
FLAT_KEYS = ("cluster-store-opts", "log-opts", "runtimes", "default-ulimits", "features", "builder")
# Flags that are no configuration (only on the command line).
COMMAND_LINE_ONLY = ("config-file", "help", "version", "validate")
_JSON_KINDS = {"bool": (bool,), "int": (int,), "string": (str,), "ip": (str,), "bytes": (str, int)}
_HELP_FLAG_RE = re.compile(r"^\s+(?:-(?P<short>\w), )?--(?P<name>[a-z0-9-]+)(?: (?P<kind>[A-Za-z0-9-]+))?\s{2,}")


def parse_dockerd_help(text: str) -> dict:
    """``{flag: kind}`` for every flag that ``dockerd --help`` lists (``bool`` for one without a value)."""
    flags = {}
    for line in text.splitlines():
        match = _HELP_FLAG_RE.match(line)
        if match:
            flags[match.group("name")] = match.group("kind") or "bool"
    return flags


def config_key_of_flag(flag: str) -> str:
    """The daemon.json key of a dockerd flag (``label`` -> ``labels``)."""
    return NAMED_OPTION_KEYS.get(flag, flag)


def given_flags(argv: list[str], flag_kinds: dict) -> dict:
    """``{flag: [values]}`` of the long flags a dockerd command line (program name first) sets.

    Shorthands count as their long flag; a flag that takes a value takes the next word unless it has
    ``=value`` (or, for a shorthand, the value joined to it).
    """
    given: dict = {}
    i = 1
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg.startswith("--"):
            name, sep, value = arg[2:].partition("=")
        elif arg.startswith("-") and len(arg) > 1 and arg[1] in DOCKERD_SHORTHANDS:
            name, rest = DOCKERD_SHORTHANDS[arg[1]], arg[2:]
            sep, value = ("=", rest.removeprefix("=")) if rest else ("", "")
        else:
            continue
        if not sep and flag_kinds.get(name, "string") != "bool" and i < len(argv):
            value = argv[i]
            i += 1
        given.setdefault(name, []).append(value if (sep or flag_kinds.get(name, "string") != "bool") else "true")
    return given


def _config_keys(config: dict) -> dict:
    """The keys dockerd checks: top-level keys, and the members of objects other than FLAT_KEYS."""
    keys = {}
    for key, value in config.items():
        if isinstance(value, dict) and key not in FLAT_KEYS:
            keys.update(_config_keys(value))
        else:
            keys[key] = value
    return keys


def daemon_json_problems(config: dict, argv: list[str], flag_kinds: dict | None = None) -> dict:
    """What would keep dockerd from starting with ``config`` as daemon.json and ``argv`` as its command line.

    Returns ``unknown`` (keys that are no option), ``conflicts`` (``{key, flag, flag_value, file_value}``
    for keys also given as a flag), ``wrong_types`` (``{key, kind, value}``) and ``messages``
    (one sentence per problem, each naming the key and the fix).
    """
    kinds = flag_kinds or DOCKERD_FLAGS_20_10
    keys = _config_keys(config)
    options = [flag for flag in kinds if flag not in COMMAND_LINE_ONLY]
    known = {flag: flag for flag in options}
    known.update({config_key_of_flag(flag): flag for flag in options})
    unknown = sorted(key for key in keys if key not in known and key not in KEYS_WITHOUT_FLAG)
    conflicts = []
    for flag, values in sorted(given_flags(argv, kinds).items()):
        key = config_key_of_flag(flag)
        if key in keys and key not in KEYS_MERGED_WITH_FLAG:
            # The running dockerd's flags and the ones it will be started with again may repeat each other.
            conflicts.append(dict(key=key, flag="--" + flag, flag_value=list(dict.fromkeys(values)), file_value=keys[key]))
    wrong_types = []
    for key, value in sorted(keys.items()):
        kind = kinds.get(known.get(key, ""), "")
        wanted = _JSON_KINDS.get(kind)
        if wanted and (not isinstance(value, wanted) or (kind == "int" and isinstance(value, bool))):
            wrong_types.append(dict(key=key, kind=kind, value=value))
    return dict(unknown=unknown, conflicts=conflicts, wrong_types=wrong_types,
                messages=_problem_messages(unknown, conflicts, wrong_types))


def _problem_messages(unknown: list, conflicts: list, wrong_types: list) -> list[str]:
    messages = []
    for key in unknown:
        messages.append("daemon.json key %r is no dockerd option (dockerd would refuse to start). Remove it, or "
                        "correct its name (dockerd --help lists the options)." % key)
    for conflict in conflicts:
        messages.append("daemon.json key %r is also given as the flag %s=%s on dockerd's command line (dockerd "
                        "would refuse to start). Set it in one place only: drop the key, or the flag from the "
                        "command line dockerd is started with." % (conflict["key"], conflict["flag"],
                                                                   ",".join(conflict["flag_value"])))
    for wrong in wrong_types:
        messages.append("daemon.json key %r is %s, but dockerd takes a %s there. Give a JSON %s."
                        % (wrong["key"], json.dumps(wrong["value"]), wrong["kind"],
                           {"bool": "true or false", "int": "number"}.get(wrong["kind"], "string")))
    return messages
