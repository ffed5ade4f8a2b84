# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The first broken hop of a failed lab check, and its fix.

Pure: the facts about every hop on a check's path come in as plain data, one sentence comes out
(``"beta is stopped; start it (docker start lab-beta)"``). The hops are walked in the order a packet
takes them, and the first one that is broken is the diagnosis. A fact that could not be read
(``None``, or absent) is skipped, never guessed.

The facts (every key optional)::

    containers: {docker name: {state, addresses: {network docker name: ip}, links: {alias: target docker name}}}
        state: running, exited, created, paused, restarting, dead or missing
    networks:   {docker name: {exists, driver, parent, mode}}
    links:      {interface name: {exists, up, promisc, addresses: [ip, ...]}}
    routes:     {address: the interface name the host routes it through}
    hosts:      {docker name: {name: the address that container's /etc/hosts gives it, or None}}
    ports:      {host port: {listener: {pid, process} or None, proxies: [pid, ...]}}

The check (a planned check of ``labnet.docker.lab_plan``) comes with ``names``: the lab's container
and network names mapped to their Docker names.
"""

from __future__ import annotations

from typing import Any, Callable

Facts = dict[str, Any]
MACVLAN_BRIDGE = "bridge"


def _sentence(what: str, fix: str) -> str:
    return "%s; %s" % (what, fix)


def container_hop(docker_name: str | None, facts: Facts) -> str | None:
    """A container that is not running: missing, stopped, paused or restarting."""
    if not docker_name:
        return None
    state = ((facts.get("containers") or {}).get(docker_name) or {}).get("state")
    if state in (None, "running"):
        return None
    if state == "missing":
        return _sentence("%s does not exist" % docker_name, "deploy the lab again (make lab)")
    if state == "paused":
        return _sentence("%s is paused" % docker_name, "unpause it (docker unpause %s)" % docker_name)
    if state == "restarting":
        return _sentence("%s keeps restarting" % docker_name, "read why (docker logs %s)" % docker_name)
    return _sentence("%s is stopped (%s)" % (docker_name, state), "start it (docker start %s)" % docker_name)


def attachment_hop(docker_name: str | None, network: str | None, address: str | None, facts: Facts) -> str | None:
    """A container that is not on the network, or holds another address there than the planned one."""
    ctr = (facts.get("containers") or {}).get(docker_name or "") or {}
    addresses = ctr.get("addresses")
    if not network or addresses is None or ctr.get("state") not in (None, "running"):
        return None
    if network not in addresses:
        return _sentence("%s is not attached to %s" % (docker_name, network),
                         "deploy the lab again (it connects %s)" % docker_name)
    if address and addresses[network] and addresses[network] != address:
        return _sentence("%s has %s on %s, not the planned %s" % (docker_name, addresses[network], network, address),
                         "deploy the lab again (it recreates %s at its address)" % docker_name)
    return None


def link_hop(ifname: str | None, role: str, facts: Facts, needs_promisc: bool = False) -> str | None:
    """A host interface (a macvlan parent or a shim) that is missing, down or, for a parent, not promiscuous."""
    link = (facts.get("links") or {}).get(ifname or "")
    if not ifname or link is None:
        return None
    if not link.get("exists", True):
        return _sentence("the %s %s is missing" % (role, ifname), "deploy the lab again (it makes %s)" % ifname)
    if link.get("up") is False:
        return _sentence("the %s %s is down" % (role, ifname), "bring it up (ip link set %s up)" % ifname)
    if needs_promisc and link.get("promisc") is False:
        return _sentence("the %s %s is not in promiscuous mode" % (role, ifname),
                         "turn it on (ip link set %s promisc on), or deploy the lab again" % ifname)
    return None


def network_hop(network: str | None, facts: Facts) -> str | None:
    """The Docker network: missing; for macvlan, its parent (missing, down, not promiscuous) and its mode."""
    net = (facts.get("networks") or {}).get(network or "")
    if not network or net is None:
        return None
    if not net.get("exists", True):
        return _sentence("the network %s is missing" % network, "deploy the lab again (it makes %s)" % network)
    if net.get("driver") != "macvlan":
        return None
    broken = link_hop(net.get("parent"), "parent of %s" % network, facts, needs_promisc=True)
    if broken:
        return broken
    mode = net.get("mode") or MACVLAN_BRIDGE
    if mode != MACVLAN_BRIDGE:
        return _sentence("%s is a macvlan in mode %s: containers on one host cannot reach each other" % (network, mode),
                         "recreate it in bridge mode (deploy the lab with mode: bridge)")
    return None


def shim_hop(check: dict, facts: Facts) -> str | None:
    """The host's shim: missing, down, without its address, or not the route to the container."""
    shim, address = check.get("via"), check.get("address")
    broken = link_hop(shim, "shim", facts)
    if broken:
        return broken
    link = (facts.get("links") or {}).get(shim or "") or {}
    if link.get("addresses") == []:
        return _sentence("the shim %s has no address" % shim, "deploy the lab again (it gives %s its address)" % shim)
    route = (facts.get("routes") or {}).get(address or "")
    if route is not None and route != shim:
        return _sentence("the host routes %s through %s, not the shim %s" % (address, route or "nothing", shim),
                         "deploy the lab again (it adds the shim's routes)")
    return None


def hosts_hop(check: dict, names: dict, facts: Facts) -> str | None:
    """http by name: the link target running, the name in the client's /etc/hosts, at the target's address."""
    source, name = check.get("container"), check.get("url_host")
    if not name:
        return None
    ctrs = facts.get("containers") or {}
    target = ((ctrs.get(source or "") or {}).get("links") or {}).get(name)
    broken = container_hop(target, facts)
    if broken:
        return broken
    entry = ((facts.get("hosts") or {}).get(source or "") or {})
    if name not in entry:
        return None
    address = entry[name]
    if address is None:
        return _sentence("%s is not in the /etc/hosts of %s: no link or etc_hosts entry for it" % (name, source),
                         "deploy the lab again (it recreates %s with its links)" % source)
    held = list(((ctrs.get(target or "") or {}).get("addresses") or {}).values())
    if target and held and address not in held:
        return _sentence("the /etc/hosts of %s says %s is %s, but %s now has %s (recreated after %s)"
                         % (source, name, address, target, ", ".join(a for a in held if a), source),
                         "deploy the lab again (it recreates %s so that the link follows)" % source)
    return None


def port_hop(check: dict, facts: Facts) -> str | None:
    """A published port that nothing listens on, or whose listener answers for no container."""
    port = (facts.get("ports") or {}).get(check.get("port"))
    if port is None:
        return None
    target = check.get("container")
    listener = port.get("listener")
    if listener is None:
        proxies = port.get("proxies") or []
        what = "docker-proxy %s runs but nothing listens" % proxies[0] if proxies else "nothing listens (no docker-proxy)"
        return _sentence("%s on host port %s" % (what, check.get("port")), "restart %s or the engine" % target)
    return _sentence("%s %s listens on host port %s, but nothing answers behind it"
                     % (listener.get("process") or "a process", listener.get("pid"), check.get("port")),
                     "restart %s or the engine" % target)


def _network(check: dict, names: dict) -> str | None:
    return (names.get("networks") or {}).get(check.get("network") or "")


def _target(check: dict, names: dict) -> str | None:
    return (names.get("containers") or {}).get(check.get("target") or "")


def _ping_hops(check: dict, names: dict, facts: Facts) -> list:
    network, target = _network(check, names), _target(check, names)
    router = (names.get("containers") or {}).get(check.get("via") or "") if check["kind"] == "route" else None
    return [lambda: container_hop(check.get("container"), facts), lambda: container_hop(target, facts),
            lambda: container_hop(router, facts),
            lambda: attachment_hop(check.get("container"), network, None, facts),
            lambda: attachment_hop(target, network, check.get("address"), facts),
            lambda: network_hop(network, facts)]


def _host_ping_hops(check: dict, names: dict, facts: Facts) -> list:
    network, target = _network(check, names), _target(check, names)
    return [lambda: container_hop(target, facts), lambda: attachment_hop(target, network, check.get("address"), facts),
            lambda: shim_hop(check, facts), lambda: network_hop(network, facts)]


def _hops(check: dict, names: dict, facts: Facts) -> list[Callable[[], str | None]]:
    kind = check.get("kind")
    if kind in ("ping", "route", "wire_ping"):
        return _ping_hops(check, names, facts)
    if kind == "host_ping":
        return _host_ping_hops(check, names, facts)
    if kind == "http":
        return [lambda: container_hop(check.get("container"), facts), lambda: hosts_hop(check, names, facts)]
    if kind == "port":
        return [lambda: container_hop(check.get("container"), facts), lambda: port_hop(check, facts)]
    return []


def first_broken_hop(check: dict, names: dict, facts: Facts) -> str:
    """The diagnosis of a failed check: its first broken hop and the fix, or what was found sound."""
    for hop in _hops(check, names, facts):
        broken = hop()
        if broken:
            return broken
    return ("no broken hop found (containers running and attached, links up): the failure lies past them, "
            "see the detail")


def binding_diagnosis(port: dict) -> str:
    """The diagnosis of a published binding that labnet.docker.port_forward_info found drifted."""
    problems = port.get("problems") or []
    where = "%s:%s" % (port.get("host_ip"), port.get("host_port"))
    container = port.get("container") or "the container"
    proxy = port.get("proxy")
    fix = "restart %s or the engine" % container
    if "dnat_missing" in problems:
        held = "docker-proxy %s listens" % proxy if proxy else "no docker-proxy either"
        return _sentence("no DNAT rule for %s (%s)" % (where, held), fix)
    if "proxy_missing" in problems:
        return _sentence("no docker-proxy serves %s (the DNAT rule is there)" % where, fix)
    if "listener_missing" in problems:
        return _sentence("docker-proxy %s runs, but nothing listens on %s" % (proxy, where), fix)
    if problems:
        return _sentence("%s: %s" % (where, ", ".join(problems)), fix)
    return ""
