# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Breaking and repairing one planned drill fault (``_docker/drill.py``) on the lab host."""

from __future__ import annotations

import os
import signal

from ansible_collections.labnet.docker.plugins.module_utils._docker import drill
from ansible_collections.labnet.docker.plugins.module_utils._docker.client import ENGINE_ERRORS, api_error_text
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import (
    LinkNotFound,
    NetlinkError,
    lookup_link,
    make_iproute,
    netlink_error_text,
)

UNDO_HINT = "The drill record lists every fault; undo it with state: undone."

# How long a stopped container may take to exit (docker stop --time).
STOP_TIMEOUT = 10


def _iptables(module, argv: list[str], what: str) -> None:
    argv = [module.get_bin_path("iptables", required=True)] + argv[1:]
    rc, _out, err = module.run_command(argv, environ_update={"LANG": "C"}, expand_user_and_vars=False)
    if rc != 0:
        module.fail_json(msg="Could not %s (%s): %s. %s" % (what, " ".join(argv), err.strip(), UNDO_HINT))


def _netlink(module, fault: dict, undo: bool) -> None:
    """Set the lab NIC's flag or state, or delete (add back) the shim's route."""
    name = fault["target"]
    try:
        with make_iproute() as ipr:
            index = lookup_link(ipr, name)["index"]
            if fault["fault"] == "shim_route_deleted":
                ipr.route("add" if undo else "del", oif=index, **drill.route_change(fault))
            else:
                ipr.link("set", index=index, **drill.link_change(fault, undo))
    except (NetlinkError, LinkNotFound) as exc:
        text = netlink_error_text(exc) if isinstance(exc, NetlinkError) else "it does not exist"
        module.fail_json(msg="Could not %s the drill fault %s on %s: %s. %s" % (
            "repair" if undo else "inject", fault["fault"], name, text, UNDO_HINT))


def _kill_proxies(lab: dict, fault: dict) -> None:
    container = next(c for c in lab["containers"] if c["name"] == fault["target"])
    port = dict(host_port=fault["host_port"], proto=fault["proto"])
    for proxy in drill.binding_proxies(lab, container, port):
        try:
            os.kill(proxy["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass  # it ended meanwhile: the fault is there all the same


def _engine(module, fault: dict, undo: bool, client) -> None:
    name = fault["target"]
    try:
        if fault["fault"] == "container_stopped" and undo:
            client.api.start(name)
        elif fault["fault"] == "container_stopped":
            client.api.stop(name, timeout=STOP_TIMEOUT)
        elif fault["fault"] == "proxy_killed" and undo:
            client.api.restart(name, timeout=STOP_TIMEOUT)
    except ENGINE_ERRORS as exc:
        module.fail_json(msg="The Docker engine failed while %s %s for the drill fault %s: %s. %s" % (
            "repairing" if undo else "breaking", name, fault["fault"], api_error_text(exc), UNDO_HINT))


def apply_fault(module, client, lab: dict, fault: dict, undo: bool) -> None:
    """Break (or, with ``undo``, repair) one fault. link_target_recreated is the caller's to recreate or converge."""
    kind = fault["fault"]
    if kind in ("container_stopped",) or (kind == "proxy_killed" and undo):
        _engine(module, fault, undo, client)
    elif kind == "proxy_killed":
        _kill_proxies(lab, fault)
    elif kind == "dnat_deleted":
        _iptables(module, drill.nat_argv(fault, undo), "%s the DNAT rule of port %s" % ("restore" if undo else "delete", fault["host_port"]))
    elif kind in ("promisc_off", "parent_down", "shim_route_deleted"):
        _netlink(module, fault, undo)
