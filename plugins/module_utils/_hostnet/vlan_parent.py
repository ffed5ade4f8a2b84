# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The parent link of a macvlan: an existing NIC, or a VLAN sub-interface ``<nic>.<id>``.

Where ``eth0.50`` exists, it is used as it is. Where it does not, Docker's macvlan driver makes it
(a VLAN with id 50 on ``eth0``), which needs an id from 1 to 4094, the base NIC, and the kernel's
802.1q support: all checked here before anything is made.
"""

from __future__ import annotations

import re

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.ifname import IFNAME_RULE, is_interface_name
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.kernel_support import (
    KernelSupportMissing,
    require_link_kind,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import link_names

VLAN_ID_MIN = 1
VLAN_ID_MAX = 4094
_VLAN_NAME_RE = re.compile(r"^(?P<base>.+)\.(?P<vlan_id>[0-9]+)$")


class ParentError(Exception):
    """The parent option names a link that cannot carry a macvlan; the message says why and what to do."""


def split_vlan_name(name: str) -> tuple[str, int] | None:
    """``('eth0', 50)`` for ``'eth0.50'``; ``None`` for a name without a numeric ``.N`` suffix."""
    match = _VLAN_NAME_RE.match(name)
    if not match:
        return None
    return match.group("base"), int(match.group("vlan_id"))


def check_interface_name(field: str, name: str) -> None:
    """Raise :class:`ParentError` unless ``name`` is a valid Linux interface name."""
    if not is_interface_name(name):
        raise ParentError("%s=%r is not a valid interface name: it needs %s." % (field, name, IFNAME_RULE))


def resolve_parent(ipr, parent: str, where: str = "on the managed host", may_create_vlan: bool = True,
                   require_kind=require_link_kind, check_mode: bool = False) -> dict:
    """Check ``parent`` with netlink and say how it will be used.

    Returns ``{'name', 'exists', 'base', 'vlan_id'}``; ``exists`` is False only for a VLAN
    sub-interface that the Docker driver is to make. Raises :class:`ParentError`. In ``check_mode``
    the kernel's 802.1q support is looked up without loading its module.
    """
    check_interface_name("parent", parent)
    if parent == "lo":
        raise ParentError(
            "parent='lo' is the loopback interface, which cannot carry a macvlan. Name the NIC that is "
            "connected to the lab network (for example a veth end, or eth1)."
        )
    existing = link_names(ipr)
    if parent in existing:
        vlan = split_vlan_name(parent)
        return dict(name=parent, exists=True, base=vlan[0] if vlan else None, vlan_id=vlan[1] if vlan else None)
    vlan = split_vlan_name(parent)
    if vlan is None or not may_create_vlan:
        raise ParentError(
            "parent=%r does not exist %s. Interfaces there: %s. Check the name%s."
            % (parent, where, ", ".join(sorted(existing)) or "(none)",
               "" if may_create_vlan else ", or create it first (a VLAN parent is made by labnet.docker.macvlan_network)")
        )
    base, vlan_id = vlan
    if not VLAN_ID_MIN <= vlan_id <= VLAN_ID_MAX:
        raise ParentError(
            "parent=%r asks for VLAN id %d, which is outside %d to %d. Use a VLAN id from %d to %d."
            % (parent, vlan_id, VLAN_ID_MIN, VLAN_ID_MAX, VLAN_ID_MIN, VLAN_ID_MAX)
        )
    if base not in existing:
        raise ParentError(
            "parent=%r is a VLAN on %r, which does not exist %s. Interfaces there: %s. Name an existing NIC "
            "before the dot." % (parent, base, where, ", ".join(sorted(existing)) or "(none)")
        )
    try:
        if check_mode:
            require_kind("vlan", may_load=False)
        else:
            require_kind("vlan")
    except KernelSupportMissing as exc:
        raise ParentError(
            "parent=%r does not exist, and Docker would have to create it as VLAN %d on %r, but %s"
            % (parent, vlan_id, base, exc)
        ) from None
    return dict(name=parent, exists=False, base=base, vlan_id=vlan_id)
