# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""macvlan modes: the kernel's values and the modes each user of a macvlan takes, defined once."""

from __future__ import annotations

# IFLA_MACVLAN_MODE values (linux/if_link.h).
MACVLAN_MODE_BITS = {1: "private", 2: "vepa", 4: "bridge", 8: "passthru", 16: "source"}
# The modes Docker's macvlan driver takes (its macvlan_mode option): the lab networks.
MACVLAN_MODES = ("bridge", "private", "vepa", "passthru")
# The modes a host shim may use: passthru would take the parent over, source needs a MAC list.
SHIM_MACVLAN_MODES = ("bridge", "vepa", "private")
DEFAULT_MACVLAN_MODE = "bridge"


def macvlan_mode_name(mode: object) -> object:
    """The name of a kernel ``IFLA_MACVLAN_MODE`` value; other values are returned as they are."""
    return MACVLAN_MODE_BITS.get(mode, mode) if isinstance(mode, int) else mode
