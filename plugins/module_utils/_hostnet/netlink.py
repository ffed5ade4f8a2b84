# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Netlink through pyroute2: opening a socket in a namespace that already exists, never making one.

A namespace is given by name (a file under ``/var/run/netns``, as ``ip netns add`` makes) or by
path (``/proc/<pid>/ns/net``, a bind mount). ``flags=0`` makes pyroute2 open, not create.
Unit tests patch :func:`make_iproute`, the factory.
"""

from __future__ import annotations

import os
import traceback

from ansible.module_utils.basic import missing_required_lib

# Re-exported: callers have always found the interface-name limit here.
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.ifname import IFNAMSIZ  # noqa: F401 pylint: disable=unused-import

try:
    from pyroute2 import IPRoute

    # Re-exported for the modules, so that they need not import pyroute2 themselves.
    from pyroute2.netlink.exceptions import NetlinkError  # pylint: disable=unused-import
except ImportError:
    IPRoute = None
    PYROUTE2_IMPORT_ERROR: str | None = traceback.format_exc()

    class NetlinkError(Exception):  # type: ignore[no-redef]
        """Stand-in so that ``except`` clauses work without pyroute2."""

        def __init__(self, code=0, msg=None):
            super().__init__(code, msg)
            self.code = code
else:
    PYROUTE2_IMPORT_ERROR = None

NETNS_RUN_DIR = "/var/run/netns"

IFF_UP = 0x1
IFF_PROMISC = 0x100


class NetnsNotFound(Exception):
    """The namespace named by the task does not exist."""


class LinkNotFound(Exception):
    """The interface named by the task does not exist in the namespace."""

    def __init__(self, name: str, netns: str | None, existing: list[str]):
        where = "network namespace %r" % netns if netns else "the host's network namespace"
        super().__init__(
            "Interface %r does not exist in %s. Interfaces there: %s. Check the name, or the netns option."
            % (name, where, ", ".join(sorted(existing)) or "(none)")
        )
        self.name = name
        self.netns = netns
        self.existing = existing


def netns_path(netns: str | None) -> str | None:
    """The file of a namespace given by name or path; ``None`` for the caller's own namespace.

    Raises :class:`NetnsNotFound` when it does not exist: this module never creates one.
    """
    if not netns:
        return None
    if "/" in netns:
        path = netns
    else:
        path = os.path.join(NETNS_RUN_DIR, netns)
    if not os.path.exists(path):
        known = sorted(os.listdir(NETNS_RUN_DIR)) if os.path.isdir(NETNS_RUN_DIR) else []
        raise NetnsNotFound(
            "Network namespace %r does not exist (looked for %s). Named namespaces here: %s. "
            "Create it first (ip netns add NAME) or give a path such as /proc/<pid>/ns/net."
            % (netns, path, ", ".join(known) or "(none)")
        )
    return path


def make_iproute(netns: str | None = None):
    """Factory for the pyroute2 socket: the seam that unit tests patch.

    ``netns`` is a path (see :func:`netns_path`) or ``None``; ``flags=0`` means open, never create.
    """
    if netns:
        return IPRoute(netns=netns, flags=0)
    return IPRoute()


def require_pyroute2(module) -> None:
    """Fail the task, the Ansible way, when pyroute2 is missing."""
    if IPRoute is None:
        module.fail_json(msg=missing_required_lib("pyroute2"), exception=PYROUTE2_IMPORT_ERROR)


def link_names(ipr) -> list[str]:
    """Names of all links the socket's namespace has."""
    return [link.get_attr("IFLA_IFNAME") for link in ipr.get_links()]


def lookup_link(ipr, name: str, netns: str | None = None):
    """The link message of ``name``; raises :class:`LinkNotFound`, listing what exists."""
    indexes = ipr.link_lookup(ifname=name)
    if not indexes:
        raise LinkNotFound(name, netns, link_names(ipr))
    return ipr.get_links(indexes[0])[0]


def link_summary(link) -> dict:
    """Plain facts about a link message, for results."""
    flags = link["flags"]
    return dict(
        name=link.get_attr("IFLA_IFNAME"),
        ifindex=link["index"],
        flags=flags,
        up=bool(flags & IFF_UP),
        promisc=bool(flags & IFF_PROMISC),
        promiscuity=link.get_attr("IFLA_PROMISCUITY"),
        operstate=link.get_attr("IFLA_OPERSTATE"),
        mtu=link.get_attr("IFLA_MTU"),
        address=link.get_attr("IFLA_ADDRESS"),
        kind=link_kind_and_data(link)[0],
    )


def link_kind_and_data(link):
    """The link's kind (``'macvlan'``, ``'veth'`` ...) and its kind-specific data; ``(None, None)`` for none."""
    info = link.get_attr("IFLA_LINKINFO")
    if info is None:
        return None, None
    return info.get_attr("IFLA_INFO_KIND"), info.get_attr("IFLA_INFO_DATA")


def netlink_error_text(exc: Exception) -> str:
    """``NetlinkError`` as ``'<strerror> (errno N)'``."""
    code = getattr(exc, "code", None)
    if code:
        return "%s (errno %s)" % (os.strerror(code), code)
    return str(exc)
