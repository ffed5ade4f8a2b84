# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.lab_nic import (
    LabNicError,
    NicState,
    apply_lab_nic,
    describe_step,
    lab_alias,
    plan_lab_nic,
    read_nic,
)
from ansible_collections.labnet.docker.tests.unit.support.fake_iproute import FakeIPRoute

OURS = NicState(exists=True, ifindex=5, kind="veth", alias="labnet.lab=demo", up=True)
MISSING = NicState(exists=False)


@pytest.mark.parametrize("nic, peer, steps", [
    (MISSING, MISSING, [("create", "demo-nic")]),
    (OURS, OURS, []),
    (OURS._replace(up=False), OURS._replace(up=False), [("up", "demo-nic"), ("up", "demo-nicp")]),
    (OURS, OURS._replace(up=False, alias="labnet.lab=other"), []),  # not our peer: left alone
])
def test_plan_makes_the_nic_or_brings_its_ends_up(nic, peer, steps):
    assert plan_lab_nic("demo-nic", "demo-nicp", "demo", nic, peer) == steps


@pytest.mark.parametrize("nic, what", [
    (OURS._replace(alias="labnet.lab=other"), "is a veth link, alias 'labnet.lab=other'"),
    (OURS._replace(kind="macvlan"), "is a macvlan link"),
    (OURS._replace(kind=None, alias=""), "is a plain link, alias ''"),
])
def test_an_interface_that_is_not_the_labs_veth_is_refused(nic, what):
    with pytest.raises(LabNicError) as info:
        plan_lab_nic("demo-nic", "demo-nicp", "demo", nic, MISSING)
    message = str(info.value)
    assert message.startswith("create_parent would make demo-nic, but an interface of that name already exists")
    assert what in message and "set create_parent: false" in message


def test_apply_makes_the_pair_named_and_up_and_reads_back_as_ours():
    ipr = FakeIPRoute()
    steps = plan_lab_nic("demo-nic", "demo-nicp", "demo", read_nic(ipr, "demo-nic"), read_nic(ipr, "demo-nicp"))
    assert [describe_step(s, "demo-nicp") for s in steps] == ["create veth lab NIC demo-nic (peer demo-nicp)"]
    apply_lab_nic(ipr, steps, "demo-nicp", "demo")
    for name in ("demo-nic", "demo-nicp"):
        state = read_nic(ipr, name)
        assert (state.exists, state.kind, state.alias, state.up) == (True, "veth", lab_alias("demo"), True)
    assert plan_lab_nic("demo-nic", "demo-nicp", "demo", read_nic(ipr, "demo-nic"), read_nic(ipr, "demo-nicp")) == []


def test_apply_brings_a_downed_end_up():
    ipr = FakeIPRoute()
    ipr.add_link("demo-nic", alias="labnet.lab=demo", up=False)
    ipr.add_link("demo-nicp", alias="labnet.lab=demo", up=True)
    steps = plan_lab_nic("demo-nic", "demo-nicp", "demo", read_nic(ipr, "demo-nic"), read_nic(ipr, "demo-nicp"))
    assert steps == [("up", "demo-nic")]
    apply_lab_nic(ipr, steps, "demo-nicp", "demo")
    assert read_nic(ipr, "demo-nic").up


def test_a_pair_whose_naming_fails_is_removed_again():
    from pyroute2 import NetlinkError

    ipr = FakeIPRoute()
    real_link = ipr.link

    def link(command, **kwargs):
        if command == "set" and "ifalias" in kwargs:
            raise NetlinkError(1, "Operation not permitted")
        return real_link(command, **kwargs)

    ipr.link = link
    with pytest.raises(NetlinkError):
        apply_lab_nic(ipr, [("create", "demo-nic")], "demo-nicp", "demo")
    assert ipr.link_lookup(ifname="demo-nic") == []
