# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The wire executor's reading of one end (its main() runs in tests/unit/plugins/modules/test_container_wires.py)."""
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import container_wires as wire_executor
from ansible_collections.labnet.docker.tests.unit.support.fake_iproute import FakeIPRoute


def one_link(name, kind, alias, addresses):
    """A namespace with one link, index 7, whose veth peer is link 9 of the namespace with id 2."""
    ipr = FakeIPRoute()
    ipr.add_link(name, kind=kind, link=9, mtu=1400, alias=alias, netnsid=2, index=7)
    ipr.addresses.extend((7, a.split("/")[0], int(a.split("/")[1])) for a in addresses)
    return ipr


@pytest.mark.parametrize("kind, alias, ours", [
    ("veth", "labnet.docker wire r1:eth1--h1:eth1", True),
    ("veth", None, False),  # the container's own eth0 on a bridge network is a veth too
    (None, "labnet.docker wire r1:eth1--h1:eth1", False),
])
def test_read_end_knows_its_own_ends_by_kind_and_alias(kind, alias, ours):
    ipr = one_link("eth1", kind, alias, ["10.0.12.1/30", "fe80::1/64", "fd00:0:0::1/64"])
    state = wire_executor.read_end(ipr, "eth1")
    assert (state.exists, state.ours, state.kind) == (True, ours, kind)
    assert (state.index, state.peer_index, state.peer_nsid, state.mtu, state.up) == (7, 9, 2, 1400, True)
    assert state.addresses == ["10.0.12.1/30", "fd00::1/64"]


def test_read_end_of_a_missing_interface():
    assert wire_executor.read_end(one_link("eth1", "veth", None, []), "eth2").exists is False
