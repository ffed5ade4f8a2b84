# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import vxlan as vx

PARAMS = dict(name="vx100", vni=100, local="10.1.1.2", remotes=["10.1.2.2", "10.1.3.2"], port=4789, mtu=None, dev=None)


def params(**overrides):
    return dict(PARAMS, **overrides)


def wanted(**overrides):
    base = dict(kind="vxlan", vni=100, port=4789, local="10.1.1.2", dev="eth1", mtu=1450, up=True,
                remotes=["10.1.2.2", "10.1.3.2"])
    base.update(overrides)
    return vx.LinkState(**base)


@pytest.mark.parametrize("underlay, version, overlay", [
    (1500, 4, 1450),
    (1500, 6, 1430),
    (9000, 4, 8950),
    (9000, 6, 8930),
    (1450, 4, 1400),
])
def test_overlay_mtu_is_the_underlay_minus_the_vxlan_overhead(underlay, version, overlay):
    assert vx.overlay_mtu(underlay, version) == overlay


@pytest.mark.parametrize("requested, underlay, version, chosen", [
    (None, 1500, 4, 1450),
    (None, 1500, 6, 1430),
    (1400, 1500, 4, 1400),
    (1450, 1500, 4, 1450),
    (1430, 1500, 6, 1430),
])
def test_choose_mtu(requested, underlay, version, chosen):
    assert vx.choose_mtu(requested, underlay, version, "eth1") == chosen


@pytest.mark.parametrize("requested, underlay, version, message", [
    (1451, 1500, 4, "mtu=1451 is larger than 1450, the MTU of underlay device 'eth1' (1500) minus the 50 bytes of "
                    "VXLAN over IPv4"),
    (1450, 1500, 6, "mtu=1450 is larger than 1430, the MTU of underlay device 'eth1' (1500) minus the 70 bytes"),
    (None, 100, 4, "dev='eth1' has MTU 100, which leaves 50 for the overlay"),
])
def test_choose_mtu_refuses_frames_that_would_not_fit(requested, underlay, version, message):
    with pytest.raises(vx.VxlanError) as err:
        vx.choose_mtu(requested, underlay, version, "eth1")
    assert message in str(err.value)


def test_parse_spec_normalises_and_deduplicates():
    spec = vx.parse_spec(params(remotes=["10.1.3.2", " 10.1.2.2", "10.1.3.2"], local="10.1.1.2"))
    assert spec == vx.VxlanSpec(name="vx100", vni=100, port=4789, local="10.1.1.2", version=4,
                                remotes=("10.1.3.2", "10.1.2.2"))


def test_parse_spec_ipv6():
    spec = vx.parse_spec(params(local="2001:DB8::1", remotes=["2001:db8:0::2"], mtu=1400, dev="eth1"))
    assert (spec.local, spec.version, spec.remotes, spec.mtu, spec.dev) == ("2001:db8::1", 6, ("2001:db8::2",), 1400, "eth1")


@pytest.mark.parametrize("vni", [1, 4096, 16777215])
def test_vni_range_accepts_its_ends(vni):
    assert vx.parse_spec(params(vni=vni)).vni == vni


@pytest.mark.parametrize("overrides, message", [
    (dict(vni=0), "vni=0 is outside 1 to 16777215. Give a VXLAN network identifier from 1 to 16777215"),
    (dict(vni=16777216), "vni=16777216 is outside 1 to 16777215"),
    (dict(vni=None), "vni=None is outside 1 to 16777215"),
    (dict(name="vxlan-far-too-long"), "name='vxlan-far-too-long' is not a valid interface name: it needs 1 to 15"),
    (dict(name="vx/1"), "name='vx/1' is not a valid interface name"),
    (dict(dev="eth 1"), "dev='eth 1' is not a valid interface name"),
    (dict(port=0), "port=0 is not a UDP port. Give a port from 1 to 65535; the standard VXLAN port is 4789"),
    (dict(port=70000), "port=70000 is not a UDP port"),
    (dict(mtu=67), "mtu=67 is below 68"),
    (dict(local=None), "local is missing. Give this host's underlay address"),
    (dict(local="10.1.1.2/24"), "local='10.1.1.2/24' is not an IP address. Give an underlay address such as"),
    (dict(local="239.1.1.1"), "local='239.1.1.1' is a multicast address, which cannot be a VXLAN endpoint"),
    (dict(local="127.0.0.1"), "local='127.0.0.1' is a loopback address"),
    (dict(remotes=["10.1.2.2", "host-b"]), "remotes[1]='host-b' is not an IP address"),
    (dict(remotes=["0.0.0.0"]), "remotes[0]='0.0.0.0' is an unspecified address"),
    (dict(remotes=["2001:db8::2"]), "remotes[0]='2001:db8::2' is an IPv6 address but local='10.1.1.2' is IPv4. One "
                                    "VXLAN link speaks one address family: give the peers' IPv4 underlay addresses"),
    (dict(remotes=["10.1.1.2"]), "remotes[0]='10.1.1.2' is the local address itself"),
])
def test_parse_spec_refuses_bad_input_naming_field_value_and_fix(overrides, message):
    with pytest.raises(vx.VxlanError) as err:
        vx.parse_spec(params(**overrides))
    assert message in str(err.value)


@pytest.mark.parametrize("current, wanted_peers, to_add, to_remove", [
    ([], ["10.1.2.2", "10.1.3.2"], ["10.1.2.2", "10.1.3.2"], []),
    (["10.1.2.2", "10.1.3.2"], ["10.1.3.2", "10.1.2.2"], [], []),
    (["10.1.2.2", "10.1.9.2"], ["10.1.2.2", "10.1.3.2"], ["10.1.3.2"], ["10.1.9.2"]),
    (["10.1.2.2"], [], [], ["10.1.2.2"]),
    (["10.1.10.2", "10.1.9.2"], [], [], ["10.1.9.2", "10.1.10.2"]),  # numeric order, not text order
])
def test_fdb_changes(current, wanted_peers, to_add, to_remove):
    assert vx.fdb_changes(current, wanted_peers) == (to_add, to_remove)


def ops(steps):
    return [(step.op, step.value) for step in steps]


def test_plan_for_a_missing_link_creates_it_up_with_every_peer():
    steps = vx.plan_link("vx100", None, wanted(), force=False)
    assert ops(steps) == [("create", None), ("up", None), ("fdb_add", "10.1.2.2"), ("fdb_add", "10.1.3.2")]
    assert steps[0].text == "create VXLAN vx100 (vni 100, port 4789, local 10.1.1.2, dev eth1, mtu 1450)"


def test_plan_for_an_exact_link_is_empty():
    assert vx.plan_link("vx100", wanted(remotes=["10.1.3.2", "10.1.2.2"]), wanted(), force=False) == []


def test_plan_fixes_mtu_state_and_peers_in_place():
    current = wanted(mtu=1500, up=False, remotes=["10.1.2.2", "10.1.7.2"])
    steps = vx.plan_link("vx100", current, wanted(), force=False)
    assert ops(steps) == [("mtu", 1450), ("up", None), ("fdb_del", "10.1.7.2"), ("fdb_add", "10.1.3.2")]
    assert steps[2].text == "remove FDB entry 00:00:00:00:00:00 dst 10.1.7.2"


@pytest.mark.parametrize("current, found", [
    (wanted(kind="veth", vni=None, port=None, local=None, dev=None), "a veth link, which differs from the task in "
                                                                     "kind (veth, wanted vxlan)"),
    (wanted(kind=None, vni=None, port=None, local=None, dev=None), "kind (a plain or physical link, wanted vxlan)"),
    (wanted(vni=200), "which differs from the task in vni (200, wanted 100)"),
    (wanted(port=8472), "port (8472, wanted 4789)"),
    (wanted(local="2001:db8::1"), "local address family (2001:db8::1, wanted 10.1.1.2)"),
])
def test_plan_refuses_a_link_that_needs_replacing_unless_forced(current, found):
    with pytest.raises(vx.VxlanError) as err:
        vx.plan_link("vx100", current, wanted(), force=False)
    assert found in str(err.value)
    assert "choose another name, or set force: true to replace it" in str(err.value)
    steps = vx.plan_link("vx100", current, wanted(), force=True)
    assert ops(steps) == [("replace", None), ("up", None), ("fdb_add", "10.1.2.2"), ("fdb_add", "10.1.3.2")]
    assert steps[0].text.startswith("replace vx100 (it differs in ")


@pytest.mark.parametrize("current, found", [
    (wanted(local="10.1.1.9"), "local (10.1.1.9, wanted 10.1.1.2)"),
    (wanted(dev="eth2"), "dev (eth2, wanted eth1)"),
])
def test_plan_changes_local_or_dev_in_place_only_when_forced(current, found):
    with pytest.raises(vx.VxlanError) as err:
        vx.plan_link("vx100", current, wanted(), force=False)
    assert found in str(err.value) and "set force: true to change it in place" in str(err.value)
    assert ops(vx.plan_link("vx100", current, wanted(), force=True)) == [("rebind", None)]


@pytest.mark.parametrize("others, in_use", [
    ([], None),
    ([("vx100", wanted())], None),  # the link itself
    ([("other", wanted())], "other"),
    ([("other", wanted(vni=101))], None),
    ([("other", wanted(port=8472))], None),
    ([("other", wanted(local="2001:db8::1"))], None),
    ([("other", wanted(local=None))], "other"),
    ([("eth0", wanted(kind="veth"))], None),
])
def test_vni_in_use(others, in_use):
    assert vx.vni_in_use(others, "vx100", wanted()) == in_use


def test_view_sorts_peers_numerically():
    assert wanted(remotes=["10.1.10.2", "10.1.9.2"]).view()["remotes"] == ["10.1.9.2", "10.1.10.2"]
