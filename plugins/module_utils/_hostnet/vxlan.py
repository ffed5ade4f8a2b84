# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A VXLAN link with head-end replication, planned without netlink.

The rules of a VXLAN underlay live here once: the VNI range, the overlay MTU (the underlay's minus
50 bytes over IPv4 and 70 over IPv6: outer IP header, UDP, VXLAN header and the inner Ethernet
header), the peer list as all-zeros-MAC FDB entries, and what may be changed on an existing link
(local address, underlay device, MTU, peers) and what needs a new one (kind, VNI, port, address
family). The module reads the namespace, asks :func:`plan_link` for the steps and carries them out.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.vlan_parent import (
    ParentError,
    check_interface_name,
)

VNI_MIN = 1
VNI_MAX = 16777215  # 24 bits
DEFAULT_PORT = 4789  # IANA
# Outer IPv4 (20) or IPv6 (40) header, UDP (8), VXLAN (8) and the inner Ethernet header (14).
VXLAN_OVERHEAD = {4: 50, 6: 70}
MIN_MTU = 68  # the smallest MTU an IPv4 link may have
ZERO_MAC = "00:00:00:00:00:00"  # an FDB entry with this MAC floods to its dst: head-end replication


class VxlanError(Exception):
    """The task cannot be done as asked; the message names the field, the value and the fix."""


@dataclass(frozen=True)
class VxlanSpec:
    """The task's options, checked and normalised."""

    name: str
    vni: int
    port: int
    local: str
    version: int
    remotes: tuple[str, ...]
    mtu: int | None = None
    dev: str | None = None


@dataclass
class LinkState:
    """A link as read from the kernel, or as the task wants it."""

    kind: str | None
    vni: int | None = None
    port: int | None = None
    local: str | None = None
    dev: str | None = None
    mtu: int | None = None
    up: bool = False
    remotes: list[str] = field(default_factory=list)

    def view(self) -> dict:
        """Plain facts for results and diffs."""
        return dict(kind=self.kind, vni=self.vni, port=self.port, local=self.local, dev=self.dev,
                    mtu=self.mtu, up=self.up, remotes=sorted_addresses(self.remotes))


@dataclass(frozen=True)
class Step:
    """One change: ``op`` is create, replace, rebind, mtu, up, fdb_del or fdb_add."""

    op: str
    text: str
    value: object = None


def sorted_addresses(values) -> list[str]:
    """Addresses in numeric order (IPv4 before IPv6)."""
    return sorted(values, key=lambda value: (ipaddress.ip_address(value).version, ipaddress.ip_address(value)))


def parse_address(name: str, value) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """One underlay address, or :class:`VxlanError` naming the field and the fix."""
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise VxlanError("%s=%r is not an IP address. Give an underlay address such as 192.0.2.10 or 2001:db8::10, "
                         "without a prefix length." % (name, value)) from None
    if address.is_multicast or address.is_unspecified or address.is_loopback:
        what = "a multicast" if address.is_multicast else "an unspecified" if address.is_unspecified else "a loopback"
        raise VxlanError("%s=%r is %s address, which cannot be a VXLAN endpoint. Give a unicast address of the "
                         "underlay." % (name, value, what))
    return address


def parse_remotes(values, local) -> tuple[str, ...]:
    """The peers, normalised and without duplicates; all of the local address's family, never local itself."""
    remotes: list[str] = []
    for index, value in enumerate(values or []):
        label = "remotes[%d]" % index
        address = parse_address(label, value)
        if address.version != local.version:
            raise VxlanError("%s=%r is an IPv%d address but local=%r is IPv%d. One VXLAN link speaks one address "
                             "family: give the peers' IPv%d underlay addresses."
                             % (label, value, address.version, str(local), local.version, local.version))
        if address == local:
            raise VxlanError("%s=%r is the local address itself. List only the other hosts of the overlay."
                             % (label, value))
        if str(address) not in remotes:
            remotes.append(str(address))
    return tuple(remotes)


def parse_spec(params: dict) -> VxlanSpec:
    """Check every option that needs no netlink; raises :class:`VxlanError`."""
    try:
        check_interface_name("name", params["name"])
        if params.get("dev") is not None:
            check_interface_name("dev", params["dev"])
    except ParentError as exc:
        raise VxlanError(str(exc)) from None
    vni, port, mtu = params.get("vni"), params.get("port", DEFAULT_PORT), params.get("mtu")
    if vni is None or not VNI_MIN <= vni <= VNI_MAX:
        raise VxlanError("vni=%r is outside %d to %d. Give a VXLAN network identifier from %d to %d, the same on "
                         "every host of the overlay." % (vni, VNI_MIN, VNI_MAX, VNI_MIN, VNI_MAX))
    if not 1 <= port <= 65535:
        raise VxlanError("port=%r is not a UDP port. Give a port from 1 to 65535; the standard VXLAN port is %d."
                         % (port, DEFAULT_PORT))
    if mtu is not None and mtu < MIN_MTU:
        raise VxlanError("mtu=%r is below %d, the smallest MTU of a link. Leave mtu out to get the underlay's MTU "
                         "minus the VXLAN overhead." % (mtu, MIN_MTU))
    if not params.get("local"):
        raise VxlanError("local is missing. Give this host's underlay address, the one the peers list in remotes.")
    local = parse_address("local", params["local"])
    remotes = parse_remotes(params.get("remotes"), local)
    return VxlanSpec(name=params["name"], vni=vni, port=port, local=str(local), version=local.version,
                     remotes=remotes, mtu=mtu, dev=params.get("dev"))


def overlay_mtu(underlay_mtu: int, version: int) -> int:
    """The largest overlay MTU that never fragments on an underlay of ``underlay_mtu`` (1500 -> 1450 over IPv4)."""
    return underlay_mtu - VXLAN_OVERHEAD[version]


def choose_mtu(requested: int | None, underlay_mtu: int, version: int, dev: str) -> int:
    """The MTU to set: ``requested``, or the overlay MTU of the underlay device; refuses one that would fragment."""
    largest = overlay_mtu(underlay_mtu, version)
    if largest < MIN_MTU:
        raise VxlanError(
            "dev=%r has MTU %d, which leaves %d for the overlay after the %d bytes of VXLAN over IPv%d. "
            "Use an underlay device with a larger MTU." % (dev, underlay_mtu, largest, VXLAN_OVERHEAD[version], version)
        )
    if requested is None:
        return largest
    if requested > largest:
        raise VxlanError("mtu=%d is larger than %d, the MTU of underlay device %r (%d) minus the %d bytes of VXLAN "
                         "over IPv%d, so encapsulated frames would not fit. Set mtu to %d or less, or leave it out."
                         % (requested, largest, dev, underlay_mtu, VXLAN_OVERHEAD[version], version, largest))
    return requested


def fdb_changes(current, wanted) -> tuple[list[str], list[str]]:
    """``(to_add, to_remove)``: the peers missing from the FDB, and the stale ones in it."""
    have, want = set(current), set(wanted)
    return sorted_addresses(want - have), sorted_addresses(have - want)


def address_version(value: str | None) -> int | None:
    return ipaddress.ip_address(value).version if value else None


def differences(current: LinkState, wanted: LinkState) -> tuple[list[str], list[str]]:
    """``(need_new_link, rebind)``: differences a new link must fix, and ones the kernel changes in place."""
    if current.kind != "vxlan":
        return ["kind (%s, wanted vxlan)" % (current.kind or "a plain or physical link")], []
    renew = ["%s (%s, wanted %s)" % (key, getattr(current, key), getattr(wanted, key))
             for key in ("vni", "port") if getattr(current, key) != getattr(wanted, key)]
    if address_version(current.local) not in (None, address_version(wanted.local)):
        renew.append("local address family (%s, wanted %s)" % (current.local, wanted.local))
    rebind = ["%s (%s, wanted %s)" % (key, getattr(current, key), getattr(wanted, key))
              for key in ("local", "dev") if getattr(current, key) != getattr(wanted, key)]
    return renew, ([] if renew else rebind)


def refusal(name: str, current: LinkState, found: list[str]) -> str:
    what = ("a VXLAN link (vni %s, port %s, local %s, dev %s)" % (current.vni, current.port, current.local, current.dev)
            if current.kind == "vxlan" else "a %s link" % (current.kind or "plain or physical"))
    return ("Interface %r exists and is %s, which differs from the task in %s. It may belong to something else, so "
            "it is left alone: choose another name, or set force: true to %s." % (
                name, what, ", ".join(found),
                "replace it (a new link: its addresses go with it)" if current.kind != "vxlan" or
                any(not f.startswith(("local (", "dev (")) for f in found) else "change it in place"))


def plan_link(name: str, current: LinkState | None, wanted: LinkState, force: bool) -> list[Step]:
    """The steps from ``current`` (``None``: no such link) to ``wanted``; raises :class:`VxlanError` on refusal."""
    desc = "VXLAN %s (vni %s, port %s, local %s, dev %s, mtu %s)" % (
        name, wanted.vni, wanted.port, wanted.local, wanted.dev, wanted.mtu)
    if current is None:
        return [Step("create", "create " + desc), Step("up", "set %s up" % name)] + peer_steps([], wanted.remotes)
    renew, rebind = differences(current, wanted)
    if (renew or rebind) and not force:
        raise VxlanError(refusal(name, current, renew or rebind))
    if renew:
        return ([Step("replace", "replace %s (it differs in %s) with a new %s" % (name, ", ".join(renew), desc)),
                 Step("up", "set %s up" % name)] + peer_steps([], wanted.remotes))
    steps = []
    if rebind:
        steps.append(Step("rebind", "change %s of %s" % (", ".join(rebind), name)))
    if current.mtu != wanted.mtu:
        steps.append(Step("mtu", "set mtu of %s to %s (it was %s)" % (name, wanted.mtu, current.mtu), wanted.mtu))
    if not current.up:
        steps.append(Step("up", "set %s up" % name))
    return steps + peer_steps(current.remotes, wanted.remotes)


def peer_steps(current, wanted) -> list[Step]:
    """FDB changes: stale peers removed first, then missing ones added."""
    to_add, to_remove = fdb_changes(current, wanted)
    return ([Step("fdb_del", "remove FDB entry %s dst %s" % (ZERO_MAC, dst), dst) for dst in to_remove]
            + [Step("fdb_add", "add FDB entry %s dst %s" % (ZERO_MAC, dst), dst) for dst in to_add])


def vni_in_use(links: list[tuple[str, LinkState]], name: str, wanted: LinkState) -> str | None:
    """The name of another VXLAN link with the same VNI, port and address family, which the kernel would refuse."""
    for other, state in links:
        if other != name and state.kind == "vxlan" and (state.vni, state.port) == (wanted.vni, wanted.port) \
                and address_version(state.local) in (None, address_version(wanted.local)):
            return other
    return None
