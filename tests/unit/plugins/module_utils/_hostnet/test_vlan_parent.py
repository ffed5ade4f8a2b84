# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import vlan_parent as vp
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.kernel_support import KernelSupportMissing
from ansible_collections.labnet.docker.tests.unit.support.fake_iproute import FakeIPRoute


@pytest.fixture
def ipr():
    fake = FakeIPRoute()
    fake.add_link("eth1")
    fake.add_link("eth1.20", kind="vlan")
    return fake


def kernel_has(kind_supported):
    def require(kind):
        if not kind_supported:
            raise KernelSupportMissing("the kernel has no 802.1q VLAN support (module 8021q)")
    return require


@pytest.mark.parametrize("name, split", [
    ("eth0.50", ("eth0", 50)),
    ("br.lab.7", ("br.lab", 7)),
    ("eth0", None),
    ("eth0.", None),
    ("eth0.x", None),
    (".5", None),
])
def test_split_vlan_name(name, split):
    assert vp.split_vlan_name(name) == split


@pytest.mark.parametrize("name", ["", "a" * 16, "a/b", "a b", ".."])
def test_bad_interface_names(name):
    with pytest.raises(vp.ParentError) as err:
        vp.check_interface_name("parent", name)
    assert "parent=%r is not a valid interface name" % name in str(err.value)


def test_existing_links_are_used_as_they_are(ipr):
    assert vp.resolve_parent(ipr, "eth1", require_kind=kernel_has(False)) == dict(name="eth1", exists=True, base=None, vlan_id=None)
    assert vp.resolve_parent(ipr, "eth1.20", require_kind=kernel_has(False)) == dict(name="eth1.20", exists=True, base="eth1", vlan_id=20)


def test_a_missing_vlan_is_left_to_the_driver_when_the_kernel_can(ipr):
    assert vp.resolve_parent(ipr, "eth1.50", require_kind=kernel_has(True)) == dict(name="eth1.50", exists=False, base="eth1", vlan_id=50)


@pytest.mark.parametrize("parent, kwargs, message", [
    ("lo", {}, "parent='lo' is the loopback interface"),
    ("eth9", {}, "parent='eth9' does not exist on the managed host. Interfaces there: eth1, eth1.20, lo. Check the name."),
    ("eth1.0", {}, "parent='eth1.0' asks for VLAN id 0, which is outside 1 to 4094"),
    ("eth1.4095", {}, "parent='eth1.4095' asks for VLAN id 4095"),
    ("eth9.50", {}, "parent='eth9.50' is a VLAN on 'eth9', which does not exist on the managed host"),
    ("eth1.50", dict(require_kind=kernel_has(False)),
     "parent='eth1.50' does not exist, and Docker would have to create it as VLAN 50 on 'eth1', but the kernel has no "
     "802.1q VLAN support (module 8021q)"),
    ("eth1.50", dict(may_create_vlan=False, where="in network namespace 'lab'"),
     "parent='eth1.50' does not exist in network namespace 'lab'"),
])
def test_refusals(ipr, parent, kwargs, message):
    kwargs.setdefault("require_kind", kernel_has(True))
    with pytest.raises(vp.ParentError) as err:
        vp.resolve_parent(ipr, parent, **kwargs)
    assert message in str(err.value)


def test_check_mode_asks_without_loading_modules(ipr):
    asked = []

    def require(kind, may_load=True):
        asked.append((kind, may_load))
    vp.resolve_parent(ipr, "eth1.50", require_kind=require, check_mode=True)
    vp.resolve_parent(ipr, "eth1.50", require_kind=require)
    assert asked == [("vlan", False), ("vlan", True)]
