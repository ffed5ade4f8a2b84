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


def find_dockerd_cmdline(proc_root: str = "/proc") -> list[str] | None:
    """The argv of the first running dockerd, or ``None``."""
    try:
        entries = os.listdir(proc_root)
    except OSError:
        return None
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
            return argv
    return None


def read_daemon_json(path: str) -> dict | None:
    """The parsed daemon.json, ``{}`` when it is missing, ``None`` when it is not valid JSON."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None


def engine_settings(proc_root: str = "/proc") -> dict:
    """The local dockerd's effective settings, with ``source`` saying where they were read."""
    argv = find_dockerd_cmdline(proc_root)
    config_file = parse_dockerd_args(argv or []).get("config-file", DEFAULT_DAEMON_JSON)
    daemon_json = read_daemon_json(config_file)
    settings = merge_engine_settings(argv, daemon_json)
    settings["source"] = "cmdline+daemon.json" if argv else "daemon.json (no local dockerd process found)"
    settings["daemon_json_valid"] = daemon_json is not None
    return settings
