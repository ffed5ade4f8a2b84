# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Veth lab NICs: a veth pair that stands in for a spare NIC as a macvlan parent (``create_parent``).

Both ends carry the alias ``labnet.lab=<lab>``, by which the lab role knows them as its own (and
removes them with ``state: absent``), and both are up, so that the parent has carrier. An interface
of the parent's name that is not such a veth is refused, never changed.
"""

from __future__ import annotations

from typing import NamedTuple

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import IFF_UP, NetlinkError, link_kind_and_data

LAB_ALIAS_PREFIX = "labnet.lab="


class LabNicError(Exception):
    """The parent's name is taken by an interface that is not this lab's veth; the message says what to do."""


class NicState(NamedTuple):
    """One end as netlink shows it (``exists`` False: no interface of that name)."""

    exists: bool
    ifindex: int | None = None
    kind: str | None = None
    alias: str = ""
    up: bool = False


def lab_alias(lab: str) -> str:
    """The alias both ends of a lab's veth NIC carry."""
    return LAB_ALIAS_PREFIX + lab


def read_nic(ipr, name: str) -> NicState:
    indexes = ipr.link_lookup(ifname=name)
    if not indexes:
        return NicState(exists=False)
    link = ipr.get_links(indexes[0])[0]
    return NicState(exists=True, ifindex=indexes[0], kind=link_kind_and_data(link)[0],
                    alias=link.get_attr("IFLA_IFALIAS") or "", up=bool(link["flags"] & IFF_UP))


def plan_lab_nic(name: str, peer: str, lab: str, nic: NicState, peer_state: NicState) -> list[tuple[str, str]]:
    """The steps that make ``name`` (peer ``peer``) this lab's veth NIC, both ends up; raises :class:`LabNicError`.

    Steps are ``("create", name)`` or ``("up", ifname)``; none when the NIC is as wanted.
    """
    if not nic.exists:
        return [("create", name)]
    if nic.kind != "veth" or nic.alias != lab_alias(lab):
        raise LabNicError(
            "create_parent would make %s, but an interface of that name already exists and is not a veth made by "
            "lab %s (it is %s, alias %r). Choose another parent name, or set create_parent: false to use that "
            "interface as the parent." % (name, lab, "a %s link" % nic.kind if nic.kind else "a plain link", nic.alias))
    steps = [] if nic.up else [("up", name)]
    if peer_state.exists and not peer_state.up and peer_state.alias == lab_alias(lab):
        steps.append(("up", peer))
    return steps


def describe_step(step: tuple[str, str], peer: str) -> str:
    if step[0] == "create":
        return "create veth lab NIC %s (peer %s)" % (step[1], peer)
    return "set %s up" % step[1]


def apply_lab_nic(ipr, steps: list[tuple[str, str]], peer: str, lab: str) -> None:
    """Carry out :func:`plan_lab_nic`'s steps; raises pyroute2's ``NetlinkError``.

    A pair made here is removed again when naming or raising it fails, so nothing is left half made.
    """
    for verb, name in steps:
        if verb == "up":
            ipr.link("set", index=ipr.link_lookup(ifname=name)[0], state="up")
            continue
        ipr.link("add", ifname=name, kind="veth", peer=peer)
        try:
            for end in (name, peer):
                ipr.link("set", index=ipr.link_lookup(ifname=end)[0], ifalias=lab_alias(lab), state="up")
        except (NetlinkError, OSError, IndexError):
            for index in ipr.link_lookup(ifname=name):
                ipr.link("del", index=index)
            raise
