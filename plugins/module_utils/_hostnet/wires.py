# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Point-to-point wires between containers: parse and validate them, and plan each one.

A wire is a veth pair whose two ends live in two containers' network namespaces. Plain functions
over plain data: the module reads each end with netlink into an :class:`EndState`, and
:func:`plan_wire` (or :func:`plan_removal`) says which steps bring it where the task wants it.
Every end this collection makes carries :data:`ALIAS_PREFIX` in its interface alias, so that an
interface the container had of its own (its ``eth0``, ``lo``) is never taken for a wire.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ansible_collections.labnet.docker.plugins.module_utils._docker.link_order import NAME_PATTERN, NAME_RULE
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import IFNAMSIZ

ALIAS_PREFIX = "labnet.docker wire "
MTU_MIN = 68  # the smallest MTU IPv4 allows
MTU_MIN_V6 = 1280
MTU_MAX = 65535  # the largest a veth takes
END_FORMAT = "'container:ifname', such as 'r1:eth1'"


class WireError(ValueError):
    """A wire the task cannot have; the message names the field, the value and the fix."""


@dataclass(frozen=True)
class WireEnd:
    container: str
    ifname: str
    address: str | None = None  # CIDR, normalised (ip_interface); None: addresses not managed

    @property
    def label(self) -> str:
        return "%s:%s" % (self.container, self.ifname)


@dataclass(frozen=True)
class Wire:
    a: WireEnd
    b: WireEnd
    mtu: int | None = None

    @property
    def name(self) -> str:
        return "%s--%s" % (self.a.label, self.b.label)

    @property
    def alias(self) -> str:
        return ALIAS_PREFIX + self.name


@dataclass
class EndState:
    """One end as netlink shows it in its container's namespace."""

    exists: bool = False
    ours: bool = False  # a veth whose alias says this collection made it
    kind: str | None = None
    index: int | None = None
    peer_index: int | None = None  # IFLA_LINK
    peer_nsid: int | None = None  # IFLA_LINK_NETNSID; None when the peer is in the same namespace
    addresses: list[str] = field(default_factory=list)  # without IPv6 link-local ones
    mtu: int | None = None
    up: bool = False


@dataclass
class WirePlan:
    wire: Wire
    steps: list[tuple] = field(default_factory=list)  # ("delete", "a"|"b"), ("create",), ("addr_del"|"addr_add", end, cidr), ("mtu", end, n), ("up", end)
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.steps)


def parse_end(field_name: str, value) -> tuple[str, str]:
    """``'container:ifname'`` as ``(container, ifname)``; raises :class:`WireError`."""
    parts = value.split(":") if isinstance(value, str) else []
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise WireError("%s=%r is not a wire end. Write it as %s." % (field_name, value, END_FORMAT))
    container, ifname = parts
    if not NAME_PATTERN.match(container):
        raise WireError("%s=%r names container %r, which is not a container name (%s)."
                        % (field_name, value, container, NAME_RULE))
    if len(ifname) > IFNAMSIZ - 1 or "/" in ifname or any(c.isspace() for c in ifname) or ifname in (".", ".."):
        raise WireError("%s=%r names interface %r, which is not a valid interface name: it needs 1 to %d characters, "
                        "without '/', ':' or spaces." % (field_name, value, ifname, IFNAMSIZ - 1))
    return container, ifname


def parse_address(field_name: str, value) -> str | None:
    """A CIDR address (IPv4 or IPv6) as its normal text; ``None`` for none; raises :class:`WireError`."""
    if value is None or value == "":
        return None
    text = str(value)
    if "/" not in text:
        raise WireError("%s=%r has no prefix length. Write it in CIDR notation, such as 10.0.12.1/30 or fd00:12::1/64."
                        % (field_name, value))
    try:
        interface = ipaddress.ip_interface(text)
    except ValueError as exc:
        raise WireError("%s=%r is not an address in CIDR notation (%s). Write it as, for example, 10.0.12.1/30."
                        % (field_name, value, exc)) from None
    network = interface.network
    unusable = (network.network_address, network.broadcast_address)
    if interface.version == 4 and network.prefixlen < 31 and interface.ip in unusable:
        raise WireError("%s=%r is the %s address of %s, which no interface can use. Choose a host address."
                        % (field_name, value, "network" if interface.ip == network.network_address else "broadcast",
                           network))
    return str(interface)


def parse_mtu(field_name: str, value, addresses: list[str]) -> int | None:
    if value is None:
        return None
    low = MTU_MIN_V6 if any(ipaddress.ip_interface(a).version == 6 for a in addresses) else MTU_MIN
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MTU_MAX:
        raise WireError("%s=%r is not an MTU a veth takes here: give a number from %d to %d%s."
                        % (field_name, value, low, MTU_MAX, " (IPv6 needs 1280 or more)" if low == MTU_MIN_V6 else ""))
    return value


def parse_wire(index: int, raw) -> Wire:
    """``wires[index]`` as a :class:`Wire`; raises :class:`WireError`."""
    where = "wires[%d]" % index
    if not isinstance(raw, dict):
        raise WireError("%s=%r is not a wire. Give a dict with a, b and optionally a_address, b_address and mtu."
                        % (where, raw))
    unknown = sorted(set(raw) - {"a", "b", "a_address", "b_address", "mtu"})
    if unknown:
        raise WireError("%s has unknown keys %s. A wire takes a, b, a_address, b_address and mtu."
                        % (where, ", ".join(unknown)))
    ends = []
    for side in ("a", "b"):
        container, ifname = parse_end("%s.%s" % (where, side), raw.get(side))
        address = parse_address("%s.%s_address" % (where, side), raw.get(side + "_address"))
        ends.append(WireEnd(container, ifname, address))
    if ends[0].label == ends[1].label:
        raise WireError("%s.a and %s.b are both %r. A wire joins two different interfaces." % (where, where, ends[0].label))
    addresses = [end.address for end in ends if end.address]
    mtu = parse_mtu("%s.mtu" % where, raw.get("mtu"), addresses)
    return Wire(ends[0], ends[1], mtu)


def parse_wires(raws: list) -> list[Wire]:
    """All wires of the task, each end used once; raises :class:`WireError` at the first bad one."""
    wires: list[Wire] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(raws or []):
        wire = parse_wire(index, raw)
        for side, end in (("a", wire.a), ("b", wire.b)):
            here = "wires[%d].%s" % (index, side)
            if end.label in seen:
                raise WireError("%s=%r is already %s: an interface is the end of one wire only. Give it another "
                                "interface name." % (here, end.label, seen[end.label]))
            seen[end.label] = here
        wires.append(wire)
    return wires


def paired(a: EndState, b: EndState, a_sees_b: int | None, b_sees_a: int | None, same_netns: bool) -> bool:
    """Whether ``a`` and ``b`` are the two ends of one veth pair.

    ``a_sees_b`` is the id that ``a``'s namespace gives ``b``'s (``None`` when it has none), and back.
    """
    if not (a.exists and b.exists and a.kind == "veth" and b.kind == "veth"):
        return False
    if a.peer_index != b.index or b.peer_index != a.index:
        return False
    if same_netns:
        return a.peer_nsid is None and b.peer_nsid is None
    return a.peer_nsid is not None and a.peer_nsid == a_sees_b and b.peer_nsid is not None and b.peer_nsid == b_sees_a


def check_not_foreign(wire: Wire, side: str, state: EndState) -> None:
    """Raise :class:`WireError` when the end's name is taken by an interface that is not a wire of ours."""
    if state.exists and not state.ours:
        end = getattr(wire, side)
        what = "a %s link" % state.kind if state.kind else "a physical or plain link"
        raise WireError(
            "wires: %s already exists in container %r and is %s that this module did not make (it is not a wire). "
            "It is left alone: give the wire end another interface name (such as eth1) than %r."
            % (end.label, end.container, what, end.ifname))


def end_view(state: EndState, peer: str | None) -> dict:
    if not state.exists:
        return {}
    return dict(peer=peer, addresses=sorted(state.addresses), mtu=state.mtu, up=state.up)


def before_view(wire: Wire, a: EndState, b: EndState, is_pair: bool) -> dict:
    """The ends that exist, keyed by label; a peer that is not the other end shows as ``(not r1:eth1)``."""
    view = {}
    for end, state, other in ((wire.a, a, wire.b), (wire.b, b, wire.a)):
        if state.exists:
            view[end.label] = end_view(state, other.label if is_pair else "(not %s)" % other.label)
    return view


def wanted_view(wire: Wire, end: WireEnd, state: EndState | None, peer: str) -> dict:
    addresses = list(state.addresses) if state else []
    if end.address:
        version = ipaddress.ip_interface(end.address).version
        addresses = [a for a in addresses if ipaddress.ip_interface(a).version != version] + [end.address]
    mtu = wire.mtu if wire.mtu is not None else (state.mtu if state else None)
    return dict(peer=peer, addresses=sorted(addresses), mtu=mtu, up=True)


def fix_steps(wire: Wire, side: str, state: EndState) -> list[tuple]:
    """Steps that bring one existing (or new) end to the wanted addresses, MTU and link state."""
    end = getattr(wire, side)
    steps: list[tuple] = []
    if end.address:
        wanted = ipaddress.ip_interface(end.address)
        for stale in state.addresses:
            stale_if = ipaddress.ip_interface(stale)
            if stale_if.version == wanted.version and stale_if != wanted:
                steps.append(("addr_del", side, stale))
        if end.address not in state.addresses:
            steps.append(("addr_add", side, end.address))
    if wire.mtu is not None and state.mtu != wire.mtu:
        steps.append(("mtu", side, wire.mtu))
    if not state.up:
        steps.append(("up", side))
    return steps


def replace_steps(wire: Wire, a: EndState, b: EndState, new: EndState) -> list[tuple]:
    """Make the new pair (under temporary names) and set it up before ends of another wire go.

    The new ends take their names, and go up, only after the old ones are removed; a step that
    fails before that (the kernel refusing an address, say) leaves the old ends as they were.
    """
    configure = [step for side in ("a", "b") for step in fix_steps(wire, side, new) if step[0] != "up"]
    # Ends left from another wire (or half of one) go; the executor skips one already gone with its peer.
    stale = [("delete", side) for side, state in (("a", a), ("b", b)) if state.exists]
    return [("create",)] + configure + stale + [("up", "a"), ("up", "b")]


def plan_wire(wire: Wire, a: EndState, b: EndState, is_pair: bool) -> WirePlan:
    """The steps that make ``wire`` as asked; raises :class:`WireError` for an end that is not ours."""
    check_not_foreign(wire, "a", a)
    check_not_foreign(wire, "b", b)
    plan = WirePlan(wire, before=before_view(wire, a, b, is_pair))
    if is_pair:
        plan.steps = fix_steps(wire, "a", a) + fix_steps(wire, "b", b)
        states = {"a": a, "b": b}
    else:
        new = EndState(exists=True, ours=True, kind="veth")
        plan.steps = replace_steps(wire, a, b, new)
        states = {"a": new, "b": new}
    plan.after = {
        wire.a.label: wanted_view(wire, wire.a, states["a"], wire.b.label),
        wire.b.label: wanted_view(wire, wire.b, states["b"], wire.a.label),
    }
    return plan


def plan_removal(wire: Wire, a: EndState, b: EndState, is_pair: bool) -> WirePlan:
    """The steps that remove ``wire``: deleting one end of a pair removes both."""
    check_not_foreign(wire, "a", a)
    check_not_foreign(wire, "b", b)
    plan = WirePlan(wire, before=before_view(wire, a, b, is_pair))
    if a.exists:
        plan.steps.append(("delete", "a"))
    if b.exists and not (a.exists and is_pair):
        plan.steps.append(("delete", "b"))
    return plan


STEP_TEXT = {
    "delete": "remove {end}",
    "addr_add": "add address {arg} to {end}",
    "addr_del": "remove address {arg} from {end}",
    "mtu": "set mtu {arg} on {end}",
    "up": "set {end} up",
}


def describe(wire: Wire, step: tuple) -> str:
    """One step as the ``actions`` result lists it."""
    if step[0] == "create":
        mtu = " (mtu %d)" % wire.mtu if wire.mtu is not None else ""
        return "create veth pair %s -- %s%s" % (wire.a.label, wire.b.label, mtu)
    end = getattr(wire, step[1]).label
    return STEP_TEXT[step[0]].format(end=end, arg=step[2] if len(step) > 2 else None)
