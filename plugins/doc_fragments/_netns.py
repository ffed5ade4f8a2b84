# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """The option of every module that talks netlink, and what it needs."""

    DOCUMENTATION = r"""
options:
  netns:
    description:
      - The network namespace to work in, by name (a file under C(/var/run/netns), as C(ip netns add) makes)
        or by path (such as C(/proc/1234/ns/net)).
      - The namespace must exist, since the module never creates one. When not set, the managed host's own
        network namespace is used.
    type: str
requirements:
  - pyroute2 0.7.9 or later on the managed host.
  - Root, or the C(CAP_NET_ADMIN) capability, to change links.
"""
