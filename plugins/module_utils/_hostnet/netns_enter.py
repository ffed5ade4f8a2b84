# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Move the module's own process into a network namespace that exists (``setns(2)``).

For modules that read the kernel's per-namespace state with ordinary tools (``/proc/net``,
``/proc/sys/net``, ``iptables``, a TCP connect): after :func:`enter_netns` every one of those,
and every command and thread the process starts afterwards, sees that namespace. The mount
namespace is left alone, so files (the Docker socket, ``/proc/<pid>``) stay where they were.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

CLONE_NEWNET = 0x40000000


class NetnsEnterError(Exception):
    """The process could not move into the namespace."""


def enter_netns(path: str) -> None:
    """Join the network namespace at ``path`` (as ``_netlink.netns_path`` resolves it)."""
    setns = getattr(os, "setns", None)  # Python 3.12 and later
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if setns is not None:
            try:
                setns(fd, CLONE_NEWNET)
            except OSError as exc:
                raise NetnsEnterError("setns(%s): %s" % (path, exc.strerror)) from exc
            return
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise NetnsEnterError("setns(%s): %s (errno %s)" % (path, os.strerror(err), err))
    finally:
        os.close(fd)
