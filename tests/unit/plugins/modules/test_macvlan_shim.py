# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.modules import macvlan_shim
from ansible_collections.labnet.docker.tests.unit.support.fake_iproute import FakeIPRoute
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module

ARGS = dict(name="lab-shim", parent="lab0", address="192.168.50.250/32", routes=["192.168.50.128/25", "192.168.50.9/32"])


@pytest.fixture
def ipr(monkeypatch):
    fake = FakeIPRoute()
    fake.add_link("lab0")
    opened = []

    def factory(netns=None):
        opened.append(netns)
        return fake

    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink.make_iproute", factory)
    fake.opened = opened
    return fake


def run(monkeypatch, **overrides):
    args = dict(ARGS)
    args.update(overrides)
    return run_module(macvlan_shim.main, args, monkeypatch)


def make_shim(ipr, mode="bridge", parent="lab0", address=("192.168.50.250", 32), routes=(("192.168.50.128", 25), ("192.168.50.9", 32))):
    index = ipr.add_link("lab-shim", kind="macvlan", link=ipr.index_of(parent), mode=mode)
    ipr.addresses.append((index, address[0], address[1]))
    for dst, dst_len in routes:
        ipr.routes.append((index, dst, dst_len, 4))
    return index


def test_creates_the_shim_with_address_up_and_routes(monkeypatch, ipr):
    result = run(monkeypatch, _ansible_diff=True)
    assert isinstance(result, ModuleExit)
    out = result.result
    assert out["changed"] is True
    assert out["actions"] == [
        "create macvlan lab-shim on lab0 (mode bridge)",
        "add address 192.168.50.250/32",
        "set lab-shim up",
        "add route 192.168.50.128/25",
        "add route 192.168.50.9/32",
    ]
    index = ipr.index_of("lab-shim")
    link = ipr.links[index]
    assert (link["kind"], link["link"], link["mode"], link["up"]) == ("macvlan", ipr.index_of("lab0"), "bridge", True)
    assert (index, "192.168.50.250", 32) in ipr.addresses
    assert (index, "192.168.50.128", 25, 4) in ipr.routes and (index, "192.168.50.9", 32, 4) in ipr.routes
    assert out["diff"]["before"] == {}
    assert out["shim"] == dict(name="lab-shim", parent="lab0", mode="bridge", addresses=["192.168.50.250/32"],
                               routes=["192.168.50.128/25", "192.168.50.9/32"], up=True)
    assert ipr.opened == [None]


def test_check_mode_reports_and_changes_nothing(monkeypatch, ipr):
    result = run(monkeypatch, _ansible_check_mode=True, _ansible_diff=True)
    assert isinstance(result, ModuleExit)
    assert result.result["changed"] is True
    assert len(result.result["actions"]) == 5
    assert result.result["diff"]["after"]["routes"] == ["192.168.50.128/25", "192.168.50.9/32"]
    assert ipr.changes == []
    assert ipr.link_lookup(ifname="lab-shim") == []


def test_an_exact_shim_is_left_alone(monkeypatch, ipr):
    make_shim(ipr)
    result = run(monkeypatch)
    assert isinstance(result, ModuleExit)
    assert result.result["changed"] is False
    assert result.result["actions"] == []
    assert ipr.changes == []


def test_stale_address_and_route_go_and_wanted_ones_come(monkeypatch, ipr):
    index = make_shim(ipr, address=("192.168.50.240", 32), routes=(("192.168.50.0", 25),))
    result = run(monkeypatch, routes=["192.168.50.128/25"])
    assert isinstance(result, ModuleExit)
    assert result.result["actions"] == [
        "remove address 192.168.50.240/32",
        "add address 192.168.50.250/32",
        "remove route 192.168.50.0/25",
        "add route 192.168.50.128/25",
    ]
    assert [a for a in ipr.addresses if a[0] == index] == [(index, "192.168.50.250", 32)]
    assert [r[1:3] for r in ipr.routes if r[0] == index and r[3] != 2] == [("192.168.50.128", 25)]


def test_wrong_mode_or_parent_recreates(monkeypatch, ipr):
    ipr.add_link("lab1")
    make_shim(ipr, mode="vepa", parent="lab1")
    result = run(monkeypatch)
    assert isinstance(result, ModuleExit)
    assert result.result["actions"][0] == "remove lab-shim (it is on lab1 in mode vepa, wanted lab0 in mode bridge)"
    assert result.result["actions"][1] == "create macvlan lab-shim on lab0 (mode bridge)"
    shim = ipr.links[ipr.index_of("lab-shim")]
    assert (shim["mode"], shim["link"]) == ("bridge", ipr.index_of("lab0"))


def test_a_failure_halfway_removes_the_new_shim(monkeypatch, ipr):
    ipr.fail_on = ("route", "add")
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "Could not add route 192.168.50.128/25 on lab-shim: File exists (errno 17)." in result.result["msg"]
    assert ipr.link_lookup(ifname="lab-shim") == []
    assert result.result["actions"][-1] == "remove the half-made lab-shim again"


def test_refuses_to_touch_a_link_of_another_kind(monkeypatch, ipr):
    ipr.add_link("lab-shim", kind="veth")
    for state in ("present", "absent"):
        result = run(monkeypatch, state=state)
        assert isinstance(result, ModuleFail)
        assert "Interface 'lab-shim' exists and is a veth link, not a macvlan" in result.result["msg"]
    assert ipr.changes == []


@pytest.mark.parametrize("overrides, message", [
    (dict(name="a-very-long-shim-name"), "name='a-very-long-shim-name' is not a valid interface name"),
    (dict(address="192.168.50.250"), "address='192.168.50.250' has no prefix length"),
    (dict(address="192.168.50.255/24"), "is the broadcast address of 192.168.50.0/24"),
    (dict(address="192.168.50.x/24"), "address='192.168.50.x/24' is not an address in CIDR notation"),
    (dict(routes=["192.168.50.9/24"]), "routes[0]='192.168.50.9/24' has host bits set. Use the network address: 192.168.50.0/24"),
    (dict(routes=["fd00::/64"]), "routes[0]='fd00::/64' is an IPv6 network but address is IPv4"),
    (dict(routes=["nonsense"]), "routes[0]='nonsense' is not a network in CIDR notation"),
    (dict(parent="lab9"), "parent='lab9' does not exist on the managed host. Interfaces there: lab0, lo"),
    (dict(parent="lab0.50"), "parent='lab0.50' does not exist on the managed host"),
    (dict(parent="lo"), "parent='lo' is the loopback interface"),
    (dict(parent="lab-shim"), "parent='lab-shim' is the shim itself"),
])
def test_bad_input_fails_before_any_change(monkeypatch, ipr, overrides, message):
    result = run(monkeypatch, **overrides)
    assert isinstance(result, ModuleFail)
    assert message in result.result["msg"]
    assert ipr.changes == []


def test_missing_netns_is_named(monkeypatch, ipr, tmp_path):
    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink.NETNS_RUN_DIR", str(tmp_path))
    result = run(monkeypatch, netns="lab-ns")
    assert isinstance(result, ModuleFail)
    assert "Network namespace 'lab-ns' does not exist" in result.result["msg"]


def test_netns_path_is_passed_to_the_factory(monkeypatch, ipr, tmp_path):
    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink.NETNS_RUN_DIR", str(tmp_path))
    (tmp_path / "lab-ns").write_text("")
    result = run(monkeypatch, netns="lab-ns")
    assert isinstance(result, ModuleExit)
    assert ipr.opened == [str(tmp_path / "lab-ns")]


def test_absent_removes_the_shim_and_is_idempotent(monkeypatch, ipr):
    make_shim(ipr)
    check = run_module(macvlan_shim.main, dict(name="lab-shim", state="absent", _ansible_check_mode=True), monkeypatch)
    assert check.result["changed"] is True and ipr.changes == []
    first = run_module(macvlan_shim.main, dict(name="lab-shim", state="absent", _ansible_diff=True), monkeypatch)
    assert first.result["changed"] is True
    assert first.result["diff"]["before"]["addresses"] == ["192.168.50.250/32"]
    assert first.result["diff"]["after"] == {}
    assert ipr.link_lookup(ifname="lab-shim") == [] and ipr.routes == []
    second = run_module(macvlan_shim.main, dict(name="lab-shim", state="absent"), monkeypatch)
    assert second.result["changed"] is False and second.result["shim"] == {}


def test_present_needs_parent_and_address(monkeypatch, ipr):
    result = run_module(macvlan_shim.main, dict(name="lab-shim"), monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "state is present but all of the following are missing: parent, address" in result.result["msg"]
