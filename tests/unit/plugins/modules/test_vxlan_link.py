# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import (
    kernel_support,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import (
    NetlinkError,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import vxlan_link as vxlan_executor
from ansible_collections.labnet.docker.plugins.modules import vxlan_link
from ansible_collections.labnet.docker.tests.unit.support.fake_iproute import (
    FakeIPRoute,
)
from ansible_collections.labnet.docker.tests.unit.support.module_runner import (
    ModuleExit,
    ModuleFail,
    run_module,
)

ZERO = "00:00:00:00:00:00"
ARGS = dict(name="vx100", vni=100, local="10.1.1.2", remotes=["10.1.2.2", "10.1.3.2"])


@pytest.fixture
def ipr(monkeypatch):
    fake = FakeIPRoute()
    under = fake.add_link("under0", mtu=1500)
    fake.addresses.append((under, "10.1.1.2", 24))
    fake.add_link("jumbo0", mtu=9000)
    opened = []

    def factory(netns=None):
        opened.append(netns)
        return fake

    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink.make_iproute", factory)
    monkeypatch.setattr(vxlan_executor, "require_link_kind", lambda kind: None)
    fake.opened = opened
    return fake


def run(monkeypatch, **overrides):
    return run_module(vxlan_link.main, dict(ARGS, **overrides), monkeypatch)


def make_vxlan(ipr, vni=100, port=4789, local="10.1.1.2", dev="under0", mtu=1450, up=True, peers=("10.1.2.2", "10.1.3.2")):
    index = ipr.add_link("vx100", kind="vxlan", up=up, mtu=mtu,
                         vxlan=dict(id=vni, port=port, link=ipr.index_of(dev), local=local))
    ipr.fdb_entries.extend((index, ZERO, peer) for peer in peers)
    ipr.fdb_entries.append((index, "02:42:0a:00:00:05", "10.1.2.2"))  # learnt: never touched
    return index


def peers(ipr, name="vx100"):
    index = ipr.index_of(name)
    return sorted(dst for i, mac, dst in ipr.fdb_entries if i == index and mac == ZERO)


def test_creates_the_link_up_with_one_zero_mac_entry_per_peer(monkeypatch, ipr):
    result = run(monkeypatch, _ansible_diff=True)
    assert isinstance(result, ModuleExit)
    out = result.result
    assert out["changed"] is True
    assert out["actions"] == [
        "create VXLAN vx100 (vni 100, port 4789, local 10.1.1.2, dev under0, mtu 1450)",
        "set vx100 up",
        "add FDB entry 00:00:00:00:00:00 dst 10.1.2.2",
        "add FDB entry 00:00:00:00:00:00 dst 10.1.3.2",
    ]
    link = ipr.links[ipr.index_of("vx100")]
    assert link["vxlan"] == dict(id=100, port=4789, link=ipr.index_of("under0"), local="10.1.1.2", local6=None)
    assert (link["mtu"], link["up"]) == (1450, True)
    assert peers(ipr) == ["10.1.2.2", "10.1.3.2"]
    assert out["diff"] == dict(before={}, after=dict(kind="vxlan", vni=100, port=4789, local="10.1.1.2", dev="under0",
                                                     mtu=1450, up=True, remotes=["10.1.2.2", "10.1.3.2"]))
    assert out["link"]["name"] == "vx100" and out["underlay_mtu"] == 1500
    assert ipr.opened == [None]


def test_check_mode_reports_the_same_and_changes_nothing(monkeypatch, ipr):
    result = run(monkeypatch, _ansible_check_mode=True, _ansible_diff=True)
    assert isinstance(result, ModuleExit)
    assert result.result["changed"] is True
    assert len(result.result["actions"]) == 4
    assert result.result["diff"]["after"]["remotes"] == ["10.1.2.2", "10.1.3.2"]
    assert ipr.changes == []
    assert ipr.link_lookup(ifname="vx100") == []


def test_an_exact_link_is_left_alone(monkeypatch, ipr):
    make_vxlan(ipr)
    result = run(monkeypatch, remotes=["10.1.3.2", "10.1.2.2", "10.1.3.2"])
    assert isinstance(result, ModuleExit)
    assert (result.result["changed"], result.result["actions"]) == (False, [])
    assert ipr.changes == []


def test_stale_peer_goes_missing_peer_comes_learnt_entries_stay(monkeypatch, ipr):
    index = make_vxlan(ipr, peers=("10.1.2.2", "10.1.9.2"))
    result = run(monkeypatch)
    assert result.result["actions"] == ["remove FDB entry 00:00:00:00:00:00 dst 10.1.9.2",
                                        "add FDB entry 00:00:00:00:00:00 dst 10.1.3.2"]
    assert peers(ipr) == ["10.1.2.2", "10.1.3.2"]
    assert (index, "02:42:0a:00:00:05", "10.1.2.2") in ipr.fdb_entries


def test_a_deleted_peer_entry_is_restored(monkeypatch, ipr):
    index = make_vxlan(ipr)
    ipr.fdb_entries.remove((index, ZERO, "10.1.3.2"))
    result = run(monkeypatch)
    assert result.result["actions"] == ["add FDB entry 00:00:00:00:00:00 dst 10.1.3.2"]
    assert peers(ipr) == ["10.1.2.2", "10.1.3.2"]


def test_mtu_and_link_state_are_fixed_in_place(monkeypatch, ipr):
    index = make_vxlan(ipr, mtu=1500, up=False)
    result = run(monkeypatch)
    assert result.result["actions"] == ["set mtu of vx100 to 1450 (it was 1500)", "set vx100 up"]
    assert ipr.index_of("vx100") == index
    assert (ipr.links[index]["mtu"], ipr.links[index]["up"]) == (1450, True)


@pytest.mark.parametrize("overrides, mtu", [
    (dict(), 1450),
    (dict(mtu=1400), 1400),
    (dict(dev="jumbo0"), 8950),
])
def test_mtu_defaults_to_the_underlay_device_minus_the_overhead(monkeypatch, ipr, overrides, mtu):
    result = run(monkeypatch, **overrides)
    assert isinstance(result, ModuleExit)
    assert ipr.links[ipr.index_of("vx100")]["mtu"] == mtu == result.result["link"]["mtu"]


def test_ipv6_underlay_takes_70_bytes(monkeypatch, ipr):
    ipr.addresses.append((ipr.index_of("under0"), "fd00:1::2", 64))
    result = run(monkeypatch, local="fd00:1::2", remotes=["fd00:2::2"])
    assert isinstance(result, ModuleExit)
    link = ipr.links[ipr.index_of("vx100")]
    assert (link["mtu"], link["vxlan"]["local6"], link["vxlan"]["local"]) == (1430, "fd00:1::2", None)
    assert peers(ipr) == ["fd00:2::2"]


@pytest.mark.parametrize("existing, message", [
    (dict(kind="veth"), "Interface 'vx100' exists and is a veth link, which differs from the task in kind (veth, "
                        "wanted vxlan). It may belong to something else, so it is left alone: choose another name, "
                        "or set force: true to replace it"),
    (dict(kind="vxlan", vxlan=dict(id=200, port=4789, link=2, local="10.1.1.2")),
     "is a VXLAN link (vni 200, port 4789, local 10.1.1.2, dev under0), which differs from the task in vni (200, "
     "wanted 100)"),
    (dict(kind="vxlan", vxlan=dict(id=100, port=8472, link=2, local="10.1.1.2")), "port (8472, wanted 4789)"),
    (dict(kind="vxlan", vxlan=dict(id=100, port=4789, link=2, local="10.1.1.9")),
     "local (10.1.1.9, wanted 10.1.1.2). It may belong to something else, so it is left alone: choose another name, "
     "or set force: true to change it in place"),
])
def test_a_different_link_of_that_name_is_refused_without_force(monkeypatch, ipr, existing, message):
    ipr.add_link("vx100", **existing)
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    assert message in result.result["msg"]
    assert ipr.changes == []


def test_force_replaces_a_link_of_another_kind(monkeypatch, ipr):
    old = ipr.add_link("vx100", kind="veth")
    result = run(monkeypatch, force=True)
    assert isinstance(result, ModuleExit)
    assert result.result["actions"][0].startswith("replace vx100 (it differs in kind (veth, wanted vxlan)) with a new")
    assert result.result["actions"][-1] == "remove the old vx100 (moved aside as vxold%d)" % old
    assert old not in ipr.links
    assert ipr.links[ipr.index_of("vx100")]["kind"] == "vxlan"
    assert peers(ipr) == ["10.1.2.2", "10.1.3.2"]


def test_force_in_check_mode_changes_nothing(monkeypatch, ipr):
    old = ipr.add_link("vx100", kind="veth")
    result = run(monkeypatch, force=True, _ansible_check_mode=True, _ansible_diff=True)
    assert isinstance(result, ModuleExit) and result.result["changed"] is True
    assert result.result["diff"]["before"]["kind"] == "veth" and result.result["diff"]["after"]["kind"] == "vxlan"
    assert ipr.changes == [] and ipr.link_lookup(ifname="vx100") == [old]


def test_force_changes_local_and_dev_in_place(monkeypatch, ipr):
    ipr.addresses.append((ipr.index_of("jumbo0"), "10.9.1.2", 24))
    index = make_vxlan(ipr)
    result = run(monkeypatch, force=True, local="10.9.1.2", dev="jumbo0", mtu=1450)
    assert result.result["actions"] == ["change local (10.1.1.2, wanted 10.9.1.2), dev (under0, wanted jumbo0) of vx100"]
    link = ipr.links[index]
    assert (link["vxlan"]["local"], link["vxlan"]["link"]) == ("10.9.1.2", ipr.index_of("jumbo0"))


@pytest.mark.parametrize("fail_on", [("link", "add"), ("link", "set"), ("fdb", "append")])
def test_a_failed_replacement_puts_the_old_link_back(monkeypatch, ipr, fail_on):
    old = ipr.add_link("vx100", kind="veth", up=True)
    ipr.fail_on = fail_on
    if fail_on == ("link", "set"):  # the rename aside works, the new link's settings fail
        ipr.fail_on = None
        original = ipr.link

        def link(command, **kwargs):
            if command == "set" and kwargs.get("state") == "up" and kwargs["index"] != old:
                ipr.changes.append(("link", "set"))
                raise NetlinkError(98, "Address already in use")
            return original(command, **kwargs)
        monkeypatch.setattr(ipr, "link", link)
    result = run(monkeypatch, force=True)
    assert isinstance(result, ModuleFail)
    assert "Could not " in result.result["msg"]
    assert result.result["actions"][-2:] == ["put the old vx100 back", "set the old vx100 up again"]
    assert ipr.link_lookup(ifname="vx100") == [old]
    assert ipr.links[old]["kind"] == "veth" and ipr.links[old]["up"] is True
    assert [link["kind"] for link in ipr.links.values()].count("vxlan") == 0
    if fail_on == ("link", "set"):
        assert "Address already in use (errno 98). Another VXLAN link or socket" in result.result["msg"]
        assert "remove the half-made vx100 again" in result.result["actions"]


def test_a_failure_while_creating_removes_the_new_link(monkeypatch, ipr):
    ipr.fail_on = ("fdb", "append")
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "Could not add FDB entry 00:00:00:00:00:00 dst 10.1.2.2 in the host's namespace: File exists" \
        in result.result["msg"]
    assert result.result["actions"][-1] == "remove the half-made vx100 again"
    assert ipr.link_lookup(ifname="vx100") == []


@pytest.mark.parametrize("overrides, message", [
    (dict(vni=0), "vni=0 is outside 1 to 16777215"),
    (dict(vni=16777216), "vni=16777216 is outside 1 to 16777215"),
    (dict(name="vxlan-far-too-long"), "name='vxlan-far-too-long' is not a valid interface name"),
    (dict(remotes=["10.1.2.2", "peer-b"]), "remotes[1]='peer-b' is not an IP address"),
    (dict(local="10.1.1.7"), "local='10.1.1.7' is not an address of the host's namespace. Addresses there: 10.1.1.2. Give"),
    (dict(dev="eth9"), "dev='eth9' does not exist in the host's namespace"),
    (dict(dev="lo"), "dev='lo' is the loopback interface, which cannot be the underlay device. Set dev to"),
    (dict(local="127.0.0.2"), "local='127.0.0.2' is a loopback address"),
    (dict(name="under0"), "name='under0' is the underlay device (it has local 10.1.1.2): the VXLAN link cannot"),
    (dict(name="under0", dev="under0", force=True), "name='under0' is the underlay device (dev)"),
    (dict(mtu=1451), "mtu=1451 is larger than 1450, the MTU of underlay device 'under0' (1500)"),
    (dict(port=0), "port=0 is not a UDP port"),
])
def test_bad_input_fails_before_any_change(monkeypatch, ipr, overrides, message):
    result = run(monkeypatch, **overrides)
    assert isinstance(result, ModuleFail)
    assert message in result.result["msg"]
    assert ipr.changes == []


def test_a_vni_another_link_uses_is_refused(monkeypatch, ipr):
    ipr.add_link("vxother", kind="vxlan", vxlan=dict(id=100, port=4789, link=2, local="10.1.1.2"))
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "vni=100 with port=4789 is already used by VXLAN link 'vxother'" in result.result["msg"]
    assert ipr.changes == []


def test_missing_kernel_support_is_named(monkeypatch, ipr):
    monkeypatch.setattr(kernel_support, "module_loaded", lambda name, root="/sys/module": False)
    monkeypatch.setattr(kernel_support, "probe_link_kind", lambda kind: kernel_support.MISSING)
    monkeypatch.setattr(vxlan_executor, "require_link_kind", kernel_support.require_link_kind)
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "Cannot make VXLAN link 'vx100': the kernel has no VXLAN support (module vxlan)" in result.result["msg"]
    assert ipr.changes == []


def test_missing_netns_is_named(monkeypatch, ipr, tmp_path):
    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink.NETNS_RUN_DIR",
                        str(tmp_path))
    result = run(monkeypatch, netns="lab9")
    assert isinstance(result, ModuleFail)
    assert "Network namespace 'lab9' does not exist" in result.result["msg"]


def test_absent_removes_the_link_and_then_reports_no_change(monkeypatch, ipr):
    make_vxlan(ipr)
    first = run_module(vxlan_link.main, dict(name="vx100", state="absent", _ansible_diff=True), monkeypatch)
    assert first.result["actions"] == ["remove vx100"] and first.result["diff"]["after"] == {}
    assert ipr.link_lookup(ifname="vx100") == []
    second = run_module(vxlan_link.main, dict(name="vx100", state="absent"), monkeypatch)
    assert (second.result["changed"], second.result["link"]) == (False, {})


def test_absent_refuses_another_kind_unless_forced(monkeypatch, ipr):
    ipr.add_link("vx100", kind="veth")
    refused = run_module(vxlan_link.main, dict(name="vx100", state="absent"), monkeypatch)
    assert isinstance(refused, ModuleFail)
    assert "Interface 'vx100' exists and is a veth link, not a VXLAN link" in refused.result["msg"]
    assert ipr.changes == []
    forced = run_module(vxlan_link.main, dict(name="vx100", state="absent", force=True), monkeypatch)
    assert forced.result["changed"] is True and ipr.link_lookup(ifname="vx100") == []
