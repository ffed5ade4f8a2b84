# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Linux interface names: the kernel's rule, defined once for the modules and the lab planner.

The kernel (``dev_valid_name``) takes 1 to ``IFNAMSIZ - 1`` characters, not ``.`` or ``..``, and
no ``/``, ``:`` or whitespace.
"""

from __future__ import annotations

IFNAMSIZ = 16  # including the terminating NUL: names have at most 15 characters
IFNAME_MAX = IFNAMSIZ - 1
IFNAME_RULE = "1 to %d characters without '/', ':' or whitespace, and not '.' or '..'" % IFNAME_MAX


def is_interface_name(name: object) -> bool:
    """Whether the kernel takes ``name`` as an interface name."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= IFNAME_MAX
        and name not in (".", "..")
        and not any(c in "/:" or c.isspace() for c in name)
    )
