# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lab drills: the named faults a teacher injects into a deployed lab, as pure functions.

A *lab* snapshot (read by the module ``lab_drill``) is plain data::

    {"name": "labnet",
     "containers": [{"name": "labnet-web", "id": "...", "running": True, "ips": ["172.17.0.2"],
                     "ports": [{"host_port": 8080, "container_port": 80, "proto": "tcp"}],
                     "links": [{"target": "labnet-web", "alias": "www"}], "link_targets": {"labnet-web": "0123456789ab"},
                     "created": "2026-..."}],
     "links": {"labnet-nic": {"up": True, "promisc": True}},   # the lab's parents and shims
     "parents": ["labnet-nic"], "shims": {"labnet-shm": [{"dst": "172.31.250.64/26", ...}]},
     "nat": ["-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"],
     "proxies": [{"pid": 4464, "host_port": 8080, "proto": "tcp", "container_ip": "172.17.0.2", "container_port": 80}]}

Planning picks a target per fault from the snapshot (never anything the snapshot does not list, so
never anything outside the lab), and says what to do to break it and to undo it; inspecting says, from
a later snapshot, whether each recorded fault is still there.
"""

from __future__ import annotations

import random
import shlex
from typing import Any, Callable

# The kernel's values (linux/if.h, linux/rtnetlink.h).
IFF_PROMISC = 0x100
MAIN_TABLE = 254

FAULTS = (
    "proxy_killed",
    "dnat_deleted",
    "promisc_off",
    "container_stopped",
    "link_target_recreated",
    "shim_route_deleted",
    "parent_down",
)

# Faults on a container: at most one per container, so that undoing one never undoes (or doubles) another.
CONTAINER_FAULTS = ("proxy_killed", "dnat_deleted", "container_stopped", "link_target_recreated")

# What the learner is told: the symptom, never the cause.
TASKS = {
    "proxy_killed": "Connections to 127.0.0.1:{host_port} (the port {short} publishes) fail. Find out why and repair it.",
    "dnat_deleted": "Port {host_port} of {short} cannot be reached through this host's own addresses any more. "
                    "Find out why and repair it.",
    "promisc_off": "The lab NIC {target} no longer takes frames for the macvlan containers' addresses. "
                   "Find out what changed on it and repair it.",
    "container_stopped": "{short} does not answer any more. Find out why and repair it.",
    "link_target_recreated": "{linker_short} reaches {alias} at an address that may no longer be {short}'s. "
                             "Find out why and repair it.",
    "shim_route_deleted": "This host cannot reach its macvlan containers in {dst} through {target} any more. "
                          "Find out why and repair it.",
    "parent_down": "No container on the macvlan network of {target} answers any more. Find out why and repair it.",
}

# What the teacher reads (in the drill record and in verify's detail once repaired): the cause and the fix.
SOLUTIONS = {
    "proxy_killed": "the docker-proxy of {host_port}/{proto} was killed; restart {short} (or the engine)",
    "dnat_deleted": "the DNAT rule of {host_port}/{proto} was deleted from the nat table's DOCKER chain; restart {short}",
    "promisc_off": "promiscuous mode was turned off on {target}; ip link set dev {target} promisc on",
    "container_stopped": "{short} was stopped; docker start {target}",
    "link_target_recreated": "{short} was recreated after {linker_short} was made, so {linker_short}'s /etc/hosts "
                             "entry for {alias} is stale; recreate {linker_short} (deploy the lab again)",
    "shim_route_deleted": "the route to {dst} was deleted from the host shim {target}; ip route add {dst} dev {target}",
    "parent_down": "the lab NIC {target} was taken down; ip link set dev {target} up",
}


class DrillError(ValueError):
    """A drill that cannot be planned: the message names the field, the value and the fix."""


def parse_requests(items: list[str]) -> list[tuple[str, str | None]]:
    """``fault`` or ``fault:target`` entries, validated, as ``(fault, target or None)``."""
    requests: list[tuple[str, str | None]] = []
    for item in items:
        fault, _sep, target = str(item).partition(":")
        if fault not in FAULTS:
            raise DrillError("faults: %r is not a fault; choose from %s (optionally fault:target)" % (item, ", ".join(FAULTS)))
        if any(fault == seen for seen, _target in requests):
            raise DrillError("faults: %r is given twice; name each fault once" % fault)
        requests.append((fault, target or None))
    return requests


def short_name(lab: dict, name: str) -> str:
    """The topology's name of a lab object: the Docker name without ``<lab>-``."""
    prefix = "%s-" % lab.get("name", "")
    return name[len(prefix):] if prefix != "-" and name.startswith(prefix) else name


def _container(lab: dict, name: str) -> dict | None:
    return next((c for c in lab.get("containers", []) if c["name"] == name), None)


def binding_proxies(lab: dict, container: dict, port: dict) -> list[dict]:
    return [p for p in lab.get("proxies", []) if p.get("host_port") == port["host_port"]
            and p.get("proto", "tcp") == port["proto"] and p.get("container_ip") in container.get("ips", [])]


def _dnat_rules(lab: dict, container: dict, port: dict) -> list[str]:
    rules = []
    for rule in lab.get("nat", []):
        words = shlex.split(rule)
        if "DNAT" not in words or "--dport" not in words or "--to-destination" not in words:
            continue
        dport = words[words.index("--dport") + 1]
        to_ip = words[words.index("--to-destination") + 1].rsplit(":", 1)[0]
        if dport == str(port["host_port"]) and to_ip in container.get("ips", []) and port["proto"] in words:
            rules.append(rule)
    return rules


def _port_candidates(lab: dict, fault: str) -> list[dict]:
    found = []
    for container in lab.get("containers", []):
        if not container.get("running"):
            continue
        for port in container.get("ports", []):
            base = dict(fault=fault, target=container["name"], host_port=port["host_port"], proto=port["proto"],
                        container_port=port["container_port"])
            if fault == "proxy_killed" and port["proto"] == "tcp" and binding_proxies(lab, container, port):
                found.append(base)
            elif fault == "dnat_deleted":
                found.extend(dict(base, rule=rule) for rule in _dnat_rules(lab, container, port)[:1])
    return found


def _link_candidates(lab: dict, fault: str) -> list[dict]:
    found = []
    if fault in ("promisc_off", "parent_down"):
        flag = "promisc" if fault == "promisc_off" else "up"
        found = [dict(fault=fault, target=p) for p in lab.get("parents", []) if lab.get("links", {}).get(p, {}).get(flag)]
    elif fault == "shim_route_deleted":
        for shim, routes in sorted(lab.get("shims", {}).items()):
            found.extend(dict(fault=fault, target=shim, dst=r["dst"], route=r) for r in routes
                         if r.get("dst") not in (None, "default"))
    return found


def candidates(lab: dict, fault: str) -> list[dict]:
    """Every way the lab offers to inject ``fault``, as planned fault records (without texts)."""
    if fault in ("proxy_killed", "dnat_deleted"):
        return _port_candidates(lab, fault)
    if fault == "container_stopped":
        return [dict(fault=fault, target=c["name"]) for c in lab.get("containers", []) if c.get("running")]
    if fault == "link_target_recreated":
        return [dict(fault=fault, target=link["target"], linker=c["name"], alias=link["alias"])
                for c in lab.get("containers", []) if c.get("running")
                for link in c.get("links", []) if (_container(lab, link["target"]) or {}).get("running")]
    return _link_candidates(lab, fault)


def _claims(record: dict) -> set:
    return {record["target"], record.get("linker")} - {None} if record["fault"] in CONTAINER_FAULTS else set()


def _with_texts(lab: dict, record: dict) -> dict:
    words = dict(record, short=short_name(lab, record["target"]),
                 linker_short=short_name(lab, record.get("linker") or ""))
    return dict(record, task=TASKS[record["fault"]].format(**words), solution=SOLUTIONS[record["fault"]].format(**words))


def _host(dst: str | None) -> str | None:
    """A /32 route's destination as a plain address."""
    return dst[:-3] if dst and dst.endswith("/32") else dst


def _pick(lab: dict, fault: str, target: str | None, claimed: set, rng: random.Random) -> dict | None:
    options = [c for c in candidates(lab, fault) if not (_claims(c) & claimed)]
    if target:
        options = [c for c in options if target in (c["target"], short_name(lab, c["target"]), c.get("dst"), _host(c.get("dst")))]
    return rng.choice(options) if options else None


def plan_drill(lab: dict, requests: list[tuple[str, str | None]], seed: str, count: int = 1) -> list[dict]:
    """The faults to inject: those requested (each on its target, or one the seed picks), else ``count``
    faults the seed picks among those the lab offers. The same lab and seed give the same drill."""
    rng = random.Random(seed)
    chosen: list[dict] = []
    claimed: set = set()
    if requests:
        for fault, target in requests:
            record = _pick(lab, fault, target, claimed, rng)
            if record is None:
                raise DrillError(_no_candidate(lab, fault, target))
            chosen.append(record)
            claimed |= _claims(record)
        return [_with_texts(lab, r) for r in chosen]
    offered = [f for f in FAULTS if candidates(lab, f)]
    rng.shuffle(offered)
    for fault in offered:
        record = _pick(lab, fault, None, claimed, rng)
        if record and len(chosen) < count:
            chosen.append(record)
            claimed |= _claims(record)
    if not chosen:
        raise DrillError("The lab %s offers no fault to inject (nothing runs, no port is published, no lab NIC)." % lab.get("name"))
    return [_with_texts(lab, r) for r in chosen]


def _no_candidate(lab: dict, fault: str, target: str | None) -> str:
    where = " on %s" % target if target else ""
    offered = sorted({short_name(lab, c["target"]) for c in candidates(lab, fault)})
    return ("faults: %s%s cannot be injected into lab %s: %s. Choose another target or fault." % (
        fault, where, lab.get("name"),
        "it offers it on %s only (or another fault took that target)" % ", ".join(offered) if offered else "nothing in the lab offers it now"))


def still_broken(lab: dict, record: dict) -> bool:
    """Whether the recorded fault is still there in the lab snapshot ``lab``."""
    return bool(_CHECKS[record["fault"]](lab, record))


def _proxy_gone(lab: dict, record: dict) -> bool:
    container = _container(lab, record["target"]) or {}
    port = dict(host_port=record["host_port"], proto=record["proto"])
    return not binding_proxies(lab, container, port)


def _dnat_gone(lab: dict, record: dict) -> bool:
    container = _container(lab, record["target"]) or {}
    return not _dnat_rules(lab, container, dict(host_port=record["host_port"], proto=record["proto"]))


def _stale_link(lab: dict, record: dict) -> bool:
    target = _container(lab, record["target"])
    linker = _container(lab, record["linker"])
    if not target or not linker:
        return True
    known = (linker.get("link_targets") or {}).get(record["target"])
    if known:
        return not target["id"].startswith(known)
    return str(linker.get("created", "")) < str(target.get("created", ""))


_CHECKS: dict[str, Callable[[dict, dict], Any]] = {
    "proxy_killed": _proxy_gone,
    "dnat_deleted": _dnat_gone,
    "promisc_off": lambda lab, r: not lab.get("links", {}).get(r["target"], {}).get("promisc"),
    "container_stopped": lambda lab, r: not (_container(lab, r["target"]) or {}).get("running"),
    "link_target_recreated": _stale_link,
    "shim_route_deleted": lambda lab, r: all(x.get("dst") != r["dst"] for x in lab.get("shims", {}).get(r["target"], [])),
    "parent_down": lambda lab, r: not lab.get("links", {}).get(r["target"], {}).get("up"),
}


def link_change(record: dict, undo: bool) -> dict:
    """The netlink ``link set`` arguments that break (or, with ``undo``, repair) promisc_off or parent_down."""
    if record["fault"] == "promisc_off":
        return dict(flags=IFF_PROMISC if undo else 0, change=IFF_PROMISC)
    return dict(state="up" if undo else "down")


def route_change(record: dict) -> dict:
    """The netlink ``route`` arguments of the recorded shim route (main table, through the shim)."""
    dst, _sep, length = record["dst"].partition("/")
    return dict(dst=dst, dst_len=int(length or 32), table=MAIN_TABLE)


def nat_argv(record: dict, undo: bool) -> list[str]:
    """``iptables`` that deletes (or, with ``undo``, appends again) the recorded DNAT rule."""
    words = shlex.split(record["rule"])
    return ["iptables", "-w", "-t", "nat", "-A" if undo else "-D"] + words[1:]


def display_target(lab: dict, record: dict) -> str:
    """How the learner names a fault's target: a container by its topology name, a NIC or shim by its own."""
    if record["fault"] in CONTAINER_FAULTS:
        return short_name(lab, record["target"])
    return "%s %s" % (record["target"], record["dst"]) if record.get("dst") else record["target"]


def check_rows(lab: dict, records: list[dict], host: str) -> list[dict]:
    """verify's rows for a recorded drill: one per fault, failed while the fault is there."""
    rows = []
    for record in records:
        broken = still_broken(lab, record)
        rows.append(dict(
            name="drill %s: %s" % (record["fault"], display_target(lab, record)),
            kind="drill", host=host, status="fail" if broken else "pass",
            detail=("still there: %s" % record["task"]) if broken else ("repaired (%s)" % record["solution"]),
        ))
    return rows
