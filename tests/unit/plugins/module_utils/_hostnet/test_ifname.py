# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.ifname import IFNAME_MAX, IFNAMSIZ, is_interface_name
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import (
    MACVLAN_MODES,
    SHIM_MACVLAN_MODES,
    macvlan_mode_name,
)


@pytest.mark.parametrize("name, valid", [
    ("eth0", True), ("a", True), ("eth0.50", True), ("x" * 15, True), ("br-x+y@z", True),
    ("", False), ("x" * 16, False), (".", False), ("..", False), ("eth 0", False), ("eth\n0", False),
    ("eth/0", False), ("eth:0", False), (None, False), (15, False),
])
def test_the_kernels_interface_name_rule(name, valid):
    assert is_interface_name(name) is valid


def test_the_limit_is_defined_once():
    assert IFNAMSIZ == 16 and IFNAME_MAX == 15
    assert netlink.IFNAMSIZ is IFNAMSIZ  # still found where callers always found it


@pytest.mark.parametrize("value, name", [(1, "private"), (2, "vepa"), (4, "bridge"), (8, "passthru"), (16, "source"),
                                         (32, 32), ("bridge", "bridge"), (None, None)])
def test_kernel_macvlan_modes_by_name(value, name):
    assert macvlan_mode_name(value) == name


def test_shim_modes_are_docker_modes_without_passthru():
    assert set(SHIM_MACVLAN_MODES) == set(MACVLAN_MODES) - {"passthru"}
