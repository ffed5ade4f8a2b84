# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whether the kernel can make a link of a given kind (802.1q VLAN, macvlan, ipvlan, VXLAN).

A module that is loaded shows in ``/sys/module``. Otherwise the kernel is asked directly: a child
process moves into a fresh, unnamed network namespace of its own, makes a veth pair there and tries
to add a link of the kind on it (which also loads the module where it can be loaded). The namespace
dies with the child, so nothing is left anywhere, and nothing outside the child's namespace is touched.
Where loading a module is not allowed (check mode changes nothing, not even the kernel's modules),
the running kernel's ``modules.builtin`` and ``modules.dep`` answer instead, and nothing is probed.
Unit tests patch :func:`probe_link_kind`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import IPRoute, NetlinkError, make_iproute

# kind -> (kernel module, what people call it)
LINK_KINDS = {
    "vlan": ("8021q", "802.1q VLAN"),
    "macvlan": ("macvlan", "macvlan"),
    "ipvlan": ("ipvlan", "ipvlan"),
    "vxlan": ("vxlan", "VXLAN"),
}

SUPPORTED = "supported"
MISSING = "missing"
UNKNOWN = "unknown"

_CLONE_NEWNET = 0x40000000
# These links live only in the child's private namespace, and die with it.
_PROBE_BASE = "lbtprobe0"
_PROBE_PEER = "lbtprobe1"
_PROBE_LINK = "lbtprobe2"
_PROBE_OPTIONS: dict[str, dict[str, object]] = {
    "vlan": dict(vlan_id=1), "macvlan": dict(macvlan_mode="bridge"), "ipvlan": dict(ipvlan_mode=0), "vxlan": dict(vxlan_id=1),
}


class KernelSupportMissing(Exception):
    """The kernel cannot make a link kind that the task needs."""


def missing_support_message(kind: str) -> str:
    """The sentence that names the missing kernel support, for example ``... 802.1q VLAN support (module 8021q)``."""
    module_name, label = LINK_KINDS[kind]
    return (
        "the kernel has no %s support (module %s): it cannot make a link of kind %r. Load the module "
        "(modprobe %s) or use a kernel that has it; in a container or VM whose kernel lacks it, use an existing "
        "link instead." % (label, module_name, kind, module_name)
    )


def module_loaded(module_name: str, sys_module_root: str = "/sys/module") -> bool:
    """Whether ``/sys/module/<name>`` exists (a loaded module, or a built-in one with parameters)."""
    return os.path.isdir(os.path.join(sys_module_root, module_name))


def _try_link_kind_in_private_netns(kind: str) -> int:
    """In the current (child) process: enter a new network namespace and try the link kind; return an errno."""
    if IPRoute is None:
        return errno.ENOSYS  # no pyroute2: the answer is unknown
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.unshare(_CLONE_NEWNET) != 0:
        return ctypes.get_errno() or errno.EPERM
    try:
        with make_iproute() as ipr:  # opened after unshare: the child's own, new namespace
            ipr.link("add", ifname=_PROBE_BASE, kind="veth", peer=_PROBE_PEER)
            base = ipr.link_lookup(ifname=_PROBE_BASE)[0]
            ipr.link("add", ifname=_PROBE_LINK, kind=kind, link=base, **_PROBE_OPTIONS[kind])
    except NetlinkError as exc:
        return exc.code or errno.EINVAL
    return 0


def probe_link_kind(kind: str) -> str:
    """Ask the kernel, from a throwaway namespace, whether it makes links of ``kind``.

    Returns :data:`SUPPORTED`, :data:`MISSING` (the kernel answered "unknown device type"), or
    :data:`UNKNOWN` (the probe itself could not run, for example without ``CAP_SYS_ADMIN``).
    """
    pid = os.fork()
    if pid == 0:  # child
        code = 255
        try:
            code = _try_link_kind_in_private_netns(kind)
        except BaseException:  # pylint: disable=broad-except
            code = 255
        finally:
            os._exit(code if 0 <= code < 255 else 255)
    status = os.waitpid(pid, 0)[1]
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return SUPPORTED
    if code == errno.EOPNOTSUPP:
        return MISSING
    return UNKNOWN


def module_available(module_name: str, modules_root: str = "/lib/modules", release: str | None = None) -> bool | None:
    """Whether the running kernel has the module built in or can load it, from ``modules.builtin`` and
    ``modules.dep``; ``None`` when those files are not there (a container, a kernel without modules)."""
    directory = os.path.join(modules_root, release or os.uname().release)
    wanted = {module_name + ".ko", module_name.replace("_", "-") + ".ko"}
    found_lists = False
    for listing in ("modules.builtin", "modules.dep"):
        try:
            with open(os.path.join(directory, listing)) as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        found_lists = True
        for line in lines:
            path = line.split(":", 1)[0].strip()
            name = os.path.basename(path)
            for suffix in (".xz", ".gz", ".zst"):
                name = name.removesuffix(suffix)
            if name in wanted:
                return True
    return False if found_lists else None


def link_kind_support(kind: str, sys_module_root: str = "/sys/module", may_load: bool = True,
                      modules_root: str = "/lib/modules") -> str:
    """:data:`SUPPORTED`, :data:`MISSING` or :data:`UNKNOWN` for a link kind of :data:`LINK_KINDS`.

    With ``may_load`` false nothing is probed, so no module is loaded: the module lists answer.
    """
    module_name = LINK_KINDS[kind][0]
    if module_loaded(module_name, sys_module_root):
        return SUPPORTED
    if not may_load:
        available = module_available(module_name, modules_root)
        return UNKNOWN if available is None else SUPPORTED if available else MISSING
    return probe_link_kind(kind)


def require_link_kind(kind: str, may_load: bool = True) -> None:
    """Raise :class:`KernelSupportMissing` when the kernel certainly cannot make ``kind`` links.

    An :data:`UNKNOWN` answer does not raise: the engine then gives its own error. With ``may_load``
    false (check mode), no module is loaded to find out.
    """
    if link_kind_support(kind, may_load=may_load) == MISSING:
        raise KernelSupportMissing(missing_support_message(kind))
