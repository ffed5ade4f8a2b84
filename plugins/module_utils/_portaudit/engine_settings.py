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

DEFAULT_DAEMON_JSON = "/etc/docker/daemon.json"

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
        elif arg.startswith("--host=") or arg.startswith("-H="):
            hosts.append(arg.split("=", 1)[1])
    return hosts or ["unix:///var/run/docker.sock"]


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
