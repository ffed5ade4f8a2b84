# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A container's endpoint on a network, recorded in full, and the rules of replacing a network.

Plain functions over plain data (the engine's inspect output): what an endpoint is, how it is
connected again, in which order, which network of a name is the task's own, and what a failed
recreation must undo. The executor that talks to the engine is ``network_recreate``.
"""

from __future__ import annotations

from typing import TypedDict

# The outcome of each container when a network is recreated.
CONVERGED = "converged"  # attached to the new network, as it was attached to the old one
RESTORED = "restored"  # the new network failed; attached to the old network (made again) as before
UNTOUCHED = "untouched"  # never disconnected: the recreation stopped before it got there
STRANDED = "stranded"  # attached to no network of this name; ``reason`` says why


class Endpoint(TypedDict):
    """Everything about one container's attachment to a network that a reconnection must give back."""

    id: str
    name: str
    running: bool
    ipv4_address: str | None
    ipv6_address: str | None
    static: bool  # the address was asked for (IPAMConfig), not given by the pool
    aliases: list[str]
    links: list[str]  # network-scoped links, "target:alias"
    mac_address: str | None
    driver_opts: dict
    link_local_ips: list[str]


def _own_aliases(attrs: dict, aliases: list) -> list[str]:
    """The aliases a user gave; the engine adds the short id itself on every connect."""
    container_id = attrs.get("Id", "")
    return [a for a in aliases if a and not (len(a) >= 12 and container_id.startswith(a))]


def endpoint_from_inspect(attrs: dict, network: dict) -> Endpoint | None:
    """The endpoint of the container ``attrs`` (inspect) on ``network`` (inspect), or ``None``.

    A stopped container keeps its endpoint settings but no NetworkID; the engine lists it by the
    network's name, so a stopped container of another network of the same name is told apart by id.
    """
    settings = ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).get(network.get("Name"))
    if settings is None or settings.get("NetworkID") not in (None, "", network.get("Id")):
        return None
    ipam = settings.get("IPAMConfig") or {}
    return Endpoint(
        id=attrs["Id"],
        name=(attrs.get("Name") or "").lstrip("/"),
        running=bool((attrs.get("State") or {}).get("Running")),
        ipv4_address=ipam.get("IPv4Address") or settings.get("IPAddress") or None,
        ipv6_address=ipam.get("IPv6Address") or settings.get("GlobalIPv6Address") or None,
        static=bool(ipam.get("IPv4Address") or ipam.get("IPv6Address")),
        aliases=_own_aliases(attrs, settings.get("Aliases") or []),
        links=sorted(settings.get("Links") or []),
        mac_address=settings.get("MacAddress") or None,
        driver_opts=dict(settings.get("DriverOpts") or {}),
        link_local_ips=list(ipam.get("LinkLocalIPs") or []),
    )


def split_link(link: str) -> tuple[str, str]:
    """``(target, alias)`` of an endpoint's ``target:alias`` (the engine stores both; the alias may be absent)."""
    target, _sep, alias = link.lstrip("/").partition(":")
    return target, alias or target


def connect_kwargs(endpoint: Endpoint) -> dict:
    """The keyword arguments of ``connect_container_to_network`` that give ``endpoint`` back as it was.

    Addresses are always given, dynamic ones too, so that a container keeps the address others know
    (this makes a dynamic address static). The MAC address is given too; engines before API 1.44 ignore
    it and derive a macvlan endpoint's MAC from its IPv4 address or the container's ``--mac-address``.
    """
    return dict(
        ipv4_address=endpoint["ipv4_address"],
        ipv6_address=endpoint["ipv6_address"],
        aliases=list(endpoint["aliases"]) or None,
        links=[split_link(link) for link in endpoint["links"]] or None,
        link_local_ips=list(endpoint["link_local_ips"]) or None,
        driver_opt=dict(endpoint["driver_opts"]) or None,
        mac_address=endpoint["mac_address"],
    )


def endpoint_text(endpoint: Endpoint) -> str:
    """``web at 192.168.50.9 with aliases www`` for actions and messages."""
    parts = ["%s at %s" % (endpoint["name"], endpoint["ipv4_address"] or "(an address from the pool)")]
    if endpoint["ipv6_address"]:
        parts.append("and %s" % endpoint["ipv6_address"])
    if endpoint["aliases"]:
        parts.append("with aliases %s" % ", ".join(endpoint["aliases"]))
    if endpoint["links"]:
        parts.append("with links %s" % ", ".join(endpoint["links"]))
    if endpoint["mac_address"]:
        parts.append("with MAC %s" % endpoint["mac_address"])
    return " ".join(parts)


def connect_command(network: str, endpoint: Endpoint) -> str:
    """The ``docker network connect`` line that attaches ``endpoint`` by hand."""
    words = ["docker network connect"]
    if endpoint["ipv4_address"]:
        words.append("--ip %s" % endpoint["ipv4_address"])
    if endpoint["ipv6_address"]:
        words.append("--ip6 %s" % endpoint["ipv6_address"])
    words.extend("--alias %s" % alias for alias in endpoint["aliases"])
    words.extend("--link %s" % link for link in endpoint["links"])
    words.extend([network, endpoint["name"]])
    return " ".join(words)


def connect_order(endpoints: list[Endpoint]) -> list[Endpoint]:
    """The endpoints in the order to connect them: a link's target before the container that links to it.

    Sorted by name otherwise, so that results are stable; a cycle (the engine allows none) keeps name order.
    """
    by_name = {e["name"]: e for e in endpoints}
    ordered: list[Endpoint] = []
    seen: set[str] = set()

    def visit(endpoint: Endpoint, path: tuple[str, ...]) -> None:
        if endpoint["name"] in seen or endpoint["name"] in path:
            return
        for link in endpoint["links"]:
            target = by_name.get(split_link(link)[0])
            if target is not None:
                visit(target, path + (endpoint["name"],))
        seen.add(endpoint["name"])
        ordered.append(endpoint)

    for endpoint in sorted(endpoints, key=lambda e: e["name"]):
        visit(endpoint, ())
    return ordered


def create_kwargs_from_inspect(attrs: dict) -> dict:
    """The ``create_network`` keyword arguments that make the network ``attrs`` (inspect) again as it was."""
    ipam = attrs.get("IPAM") or {}
    return dict(
        driver=attrs.get("Driver"),
        options=dict(attrs.get("Options") or {}),
        ipam=dict(Driver=ipam.get("Driver") or "default", Config=list(ipam.get("Config") or []),
                  Options=dict(ipam.get("Options") or {})),
        enable_ipv6=bool(attrs.get("EnableIPv6")),
        internal=bool(attrs.get("Internal")),
        attachable=bool(attrs.get("Attachable")),
        labels=dict(attrs.get("Labels") or {}),
        check_duplicate=True,
    )


def ownership_problem(attrs: dict, driver: str, labels: dict | None) -> str | None:
    """Why the existing network ``attrs`` may not be this task's to replace, or ``None`` when it is.

    A network of another driver is someone else's; so is one that lacks any of the task's ``labels``
    (when the task gives labels: the lab role always gives ``labnet.lab``).
    """
    name = attrs.get("Name")
    if attrs.get("Driver") != driver:
        return ("Network %s exists and is a %s network, not a %s network; it is not this task's to replace. "
                "Choose another name, remove it first, or set force=true to replace it."
                % (name, attrs.get("Driver"), driver))
    have = attrs.get("Labels") or {}
    lacking = ["%s=%s" % (k, v) for k, v in sorted((labels or {}).items()) if have.get(k) != v]
    if lacking:
        return ("Network %s exists but lacks the label%s %s that this task gives its network (it has %s), so it may "
                "be someone else's. Choose another name, remove it first, or set force=true to replace it."
                % (name, "s" if len(lacking) > 1 else "", ", ".join(lacking),
                   ", ".join("%s=%s" % kv for kv in sorted(have.items())) or "no labels"))
    return None


def foreign_endpoints(network_attrs: dict, own_ids: set[str]) -> list[str]:
    """Names of the containers attached to ``network_attrs`` (inspect) that are not in ``own_ids``."""
    found = []
    for container_id, info in sorted((network_attrs.get("Containers") or {}).items()):
        if container_id not in own_ids and not container_id.startswith("ep-"):
            found.append((info or {}).get("Name") or container_id[:12])
    return found


def outcome(endpoint: Endpoint, state: str, reason: str | None = None) -> dict:
    """One container's line in the result."""
    return dict(name=endpoint["name"], id=endpoint["id"], outcome=state, ipv4_address=endpoint["ipv4_address"],
                reason=reason)


def outcome_summary(network: str, outcomes: list[dict], endpoints: list[Endpoint]) -> str:
    """What became of the containers, for the failure message: the stranded ones named with the fix."""
    stranded = [o for o in outcomes if o["outcome"] == STRANDED]
    if not stranded:
        states = sorted({o["outcome"] for o in outcomes})
        if not outcomes:
            return "No container was attached."
        return "Every container is attached as it was (%s)." % ", ".join(
            "%s: %s" % (state, ", ".join(o["name"] for o in outcomes if o["outcome"] == state)) for state in states)
    by_id = {e["id"]: e for e in endpoints}
    return "Stranded, attached to no network %s: %s." % (network, "; ".join(
        "%s (%s; reconnect it with: %s)" % (o["name"], o["reason"], connect_command(network, by_id[o["id"]]))
        for o in stranded))


class Progress(TypedDict):
    """How far a recreation got before it failed: what the roll-back must undo."""

    disconnected: list[str]  # ids disconnected from the old network
    old_removed: bool
    create_sent: bool  # a create was sent: it may have gone through even if it did not answer in time
    new_id: str | None  # the new network, when the create answered
    connected: list[str]  # ids connected to the new network


def new_progress() -> Progress:
    return Progress(disconnected=[], old_removed=False, create_sent=False, new_id=None, connected=[])


def rollback_plan(progress: Progress, endpoints: list[Endpoint]) -> list[tuple]:
    """The steps that put the old network and its containers back, from where ``progress`` stopped.

    Steps are ``(verb, endpoint or None)``. With the old network still there, only the containers taken
    off it go back. Once it is gone: whatever now has its name (the new network, or a create that went
    through after it timed out) is checked to hold none but our containers, cleared and removed; then the
    old network is made again from its inspect and every container connected to it as it was.
    """
    ordered = connect_order(endpoints)
    if not progress["old_removed"]:
        return [("connect_old", e) for e in ordered if e["id"] in progress["disconnected"]]
    steps: list[tuple] = []
    if progress["create_sent"]:
        steps.append(("check_new_free", None))
        steps.extend(("disconnect_new", e) for e in ordered if e["id"] in progress["connected"])
        steps.append(("remove_new", None))
    steps.append(("create_old", None))
    steps.extend(("connect_old", e) for e in ordered)
    return steps
