# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.wires import (
    EndState,
    Wire,
    WireEnd,
    WireError,
    describe,
    paired,
    parse_end,
    parse_wires,
    plan_removal,
    plan_wire,
)

WIRE = dict(a="r1:eth1", b="h1:eth1", a_address="10.0.12.1/30", b_address="10.0.12.2/30", mtu=1500)


@pytest.mark.parametrize("value, expected", [
    ("r1:eth1", ("r1", "eth1")),
    ("lab-r1.x_2:e", ("lab-r1.x_2", "e")),
    ("r1:abcdefghijklmno", ("r1", "abcdefghijklmno")),
])
def test_parse_end_accepts_container_and_interface(value, expected):
    assert parse_end("wires[0].a", value) == expected


@pytest.mark.parametrize("value, message", [
    ("r1-eth1", "wires[0].a='r1-eth1' is not a wire end. Write it as 'container:ifname'"),
    ("r1:", "is not a wire end"),
    (":eth1", "is not a wire end"),
    ("r1:eth0:1", "'r1:eth0:1' is not a wire end"),
    (None, "wires[0].a=None is not a wire end"),
    ("-r1:eth1", "names container '-r1', which is not a container name"),
    ("r1:abcdefghijklmnop", "names interface 'abcdefghijklmnop', which is not a valid interface name: it needs 1 to 15"),
    ("r1:a b", "names interface 'a b'"),
    ("r1:a/b", "names interface 'a/b'"),
    ("r1:..", "names interface '..'"),
])
def test_parse_end_refuses(value, message):
    with pytest.raises(WireError) as info:
        parse_end("wires[0].a", value)
    assert message in str(info.value)


def test_parse_wires_normalises_and_keeps_order():
    wires = parse_wires([WIRE, dict(a="r1:eth2", b="h2:eth1", a_address="fd00:12:0::1/64", mtu=None)])
    assert wires[0] == Wire(WireEnd("r1", "eth1", "10.0.12.1/30"), WireEnd("h1", "eth1", "10.0.12.2/30"), 1500)
    assert wires[1] == Wire(WireEnd("r1", "eth2", "fd00:12::1/64"), WireEnd("h2", "eth1", None), None)
    assert wires[0].name == "r1:eth1--h1:eth1"
    assert wires[0].alias == "labnet.docker wire r1:eth1--h1:eth1"


@pytest.mark.parametrize("changes, message", [
    (dict(a_address="10.0.12.300/30"), "wires[0].a_address='10.0.12.300/30' is not an address in CIDR notation"),
    (dict(b_address="10.0.12.2"), "wires[0].b_address='10.0.12.2' has no prefix length"),
    (dict(b_address="10.0.12.3/30"), "wires[0].b_address='10.0.12.3/30' is the broadcast address of 10.0.12.0/30"),
    (dict(a_address="10.0.12.0/30"), "is the network address of 10.0.12.0/30"),
    (dict(b="r1:eth1"), "wires[0].a and wires[0].b are both 'r1:eth1'. A wire joins two different interfaces."),
    (dict(mtu=67), "wires[0].mtu=67 is not an MTU a veth takes here: give a number from 68 to 65535"),
    (dict(mtu=65536), "wires[0].mtu=65536"),
    (dict(mtu=1000, a_address="fd00::1/64"), "from 1280 to 65535 (IPv6 needs 1280 or more)"),
    (dict(color="red"), "wires[0] has unknown keys color"),
])
def test_parse_wires_refuses_bad_fields(changes, message):
    with pytest.raises(WireError) as info:
        parse_wires([dict(WIRE, **changes)])
    assert message in str(info.value)


def test_parse_wires_accepts_31_and_ipv6():
    wires = parse_wires([dict(WIRE, a_address="10.0.12.0/31", b_address="10.0.12.1/31", mtu=68)])
    assert (wires[0].a.address, wires[0].b.address, wires[0].mtu) == ("10.0.12.0/31", "10.0.12.1/31", 68)


@pytest.mark.parametrize("second, message", [
    (dict(a="r1:eth2", b="h1:eth1"), "wires[1].b='h1:eth1' is already wires[0].b: an interface is the end of one wire only"),
    (dict(a="r1:eth1", b="h2:eth1"), "wires[1].a='r1:eth1' is already wires[0].a"),
    (dict(a="h2:eth1", b="r1:eth1"), "wires[1].b='r1:eth1' is already wires[0].a"),
])
def test_parse_wires_refuses_two_wires_on_one_end(second, message):
    with pytest.raises(WireError) as info:
        parse_wires([WIRE, second])
    assert message in str(info.value)


def test_parse_wires_refuses_a_wire_that_is_not_a_dict():
    with pytest.raises(WireError, match=r"wires\[0\]='r1:eth1' is not a wire"):
        parse_wires(["r1:eth1"])


def end(index, peer_index, peer_nsid=5, addresses=("10.0.12.1/30",), mtu=1500, up=True, ours=True, kind="veth"):
    return EndState(exists=True, ours=ours, kind=kind, index=index, peer_index=peer_index, peer_nsid=peer_nsid,
                    addresses=list(addresses), mtu=mtu, up=up)


@pytest.mark.parametrize("a, b, a_sees_b, b_sees_a, same, expected", [
    (end(7, 9, 5), end(9, 7, 2), 5, 2, False, True),
    (end(7, 9, 5), end(9, 7, 2), 4, 2, False, False),  # a's peer has that index, in another namespace
    (end(7, 9, 5), end(9, 7, 2), 5, None, False, False),  # b's namespace has no id for a's
    (end(7, 8, 5), end(9, 7, 2), 5, 2, False, False),
    (end(7, 9, None), end(9, 7, None), None, None, True, True),  # both ends in one container
    (end(7, 9, 5), end(9, 7, None), None, None, True, False),
    (end(7, 9, 5, kind="vxlan"), end(9, 7, 2), 5, 2, False, False),
    (EndState(), end(9, 7, 2), 5, 2, False, False),
])
def test_paired(a, b, a_sees_b, b_sees_a, same, expected):
    assert paired(a, b, a_sees_b, b_sees_a, same) is expected


WIRED = parse_wires([WIRE])[0]


def test_plan_creates_a_missing_wire():
    plan = plan_wire(WIRED, EndState(), EndState(), False)
    assert [describe(WIRED, step) for step in plan.steps] == [
        "create veth pair r1:eth1 -- h1:eth1 (mtu 1500)",
        "add address 10.0.12.1/30 to r1:eth1", "set mtu 1500 on r1:eth1",
        "add address 10.0.12.2/30 to h1:eth1", "set mtu 1500 on h1:eth1",
        "set r1:eth1 up", "set h1:eth1 up",
    ]
    assert plan.before == {}
    assert plan.after == {
        "r1:eth1": dict(peer="h1:eth1", addresses=["10.0.12.1/30"], mtu=1500, up=True),
        "h1:eth1": dict(peer="r1:eth1", addresses=["10.0.12.2/30"], mtu=1500, up=True),
    }


def test_plan_leaves_a_wire_as_asked_alone():
    a, b = end(7, 9), end(9, 7, addresses=["10.0.12.2/30"])
    plan = plan_wire(WIRED, a, b, True)
    assert plan.steps == [] and not plan.changed
    assert plan.before == plan.after


@pytest.mark.parametrize("a, b, steps", [
    (end(7, 9, addresses=["10.0.12.5/30", "fd00::1/64"]), end(9, 7, addresses=["10.0.12.2/30"]),
     [("addr_del", "a", "10.0.12.5/30"), ("addr_add", "a", "10.0.12.1/30")]),
    (end(7, 9, mtu=9000), end(9, 7, addresses=["10.0.12.2/30"], up=False), [("mtu", "a", 1500), ("up", "b")]),
    (end(7, 9, addresses=[]), end(9, 7, addresses=["10.0.12.2/30"]), [("addr_add", "a", "10.0.12.1/30")]),
])
def test_plan_corrects_a_wire_in_place(a, b, steps):
    plan = plan_wire(WIRED, a, b, True)
    assert plan.steps == steps
    assert "create" not in [step[0] for step in plan.steps]


def test_plan_keeps_addresses_of_the_other_family_and_unmanaged_ones():
    wire = parse_wires([dict(a="r1:eth1", b="h1:eth1", a_address="10.0.12.1/30")])[0]
    plan = plan_wire(wire, end(7, 9, addresses=["10.0.12.1/30", "fd00::1/64"]), end(9, 7, addresses=["10.9.9.9/24"]),
                     True)
    assert plan.steps == []
    assert plan.after["h1:eth1"]["addresses"] == ["10.9.9.9/24"]


@pytest.mark.parametrize("b, deletes", [
    (EndState(), [("delete", "a")]),
    (end(9, 41, addresses=["10.0.12.2/30"]), [("delete", "a"), ("delete", "b")]),
])
def test_plan_replaces_ends_of_another_wire_once_the_new_pair_is_ready(b, deletes):
    a = end(7, 40)  # our veth, but its peer is elsewhere (an old wiring)
    plan = plan_wire(WIRED, a, b, False)
    # the old ends go only after the new pair is made and addressed; the new ends take their names when set up
    assert plan.steps == [("create",), ("addr_add", "a", "10.0.12.1/30"), ("mtu", "a", 1500),
                          ("addr_add", "b", "10.0.12.2/30"), ("mtu", "b", 1500)] + deletes + [("up", "a"), ("up", "b")]
    assert plan.before["r1:eth1"] == dict(peer="(not h1:eth1)", addresses=["10.0.12.1/30"], mtu=1500, up=True)
    assert plan.after["r1:eth1"]["peer"] == "h1:eth1"


@pytest.mark.parametrize("planner", [plan_wire, plan_removal])
@pytest.mark.parametrize("kind, what", [(None, "a physical or plain link"), ("veth", "a veth link"), ("bridge", "a bridge link")])
def test_plans_refuse_an_interface_that_is_not_a_wire(planner, kind, what):
    foreign = end(2, 3, kind=kind, ours=False)
    with pytest.raises(WireError) as info:
        planner(WIRED, EndState(), foreign, False)
    assert str(info.value) == (
        "wires: h1:eth1 already exists in container 'h1' and is %s that this module did not make (it is not a wire). "
        "It is left alone: give the wire end another interface name (such as eth1) than 'eth1'." % what)


@pytest.mark.parametrize("a, b, is_pair, steps", [
    (end(7, 9), end(9, 7), True, [("delete", "a")]),  # one end takes its peer along
    (end(7, 40), end(9, 41), False, [("delete", "a"), ("delete", "b")]),
    (EndState(), end(9, 41), False, [("delete", "b")]),
    (EndState(), EndState(), False, []),
])
def test_plan_removal(a, b, is_pair, steps):
    plan = plan_removal(WIRED, a, b, is_pair)
    assert plan.steps == steps
    assert plan.after == {}
    assert plan.changed is bool(steps)
