# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network executor's bridge variant (lab_host_converge's bridge networks); the macvlan one runs through
the module in tests/unit/plugins/modules/test_macvlan_network.py."""
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker.lab_host import StepFailed, StepModule
from ansible_collections.labnet.docker.plugins.module_utils._docker.macvlan_network import BridgeNetwork
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink as _netlink
from ansible_collections.labnet.docker.tests.unit.support.fake_engine import FakeEngine

PARAMS = dict(name="demo-core", state="present", parent=None, subnet="172.31.252.0/24", gateway="172.31.252.1",
              ip_range=None, aux_addresses={}, mode=None, subnet_v6=None, gateway_v6=None,
              labels={"labnet.lab": "demo"}, force=False, internal=False)


class Module:
    """The parts of an AnsibleModule a StepModule reads."""

    def __init__(self, check_mode=False):
        self.params = dict(docker_host=None, timeout=60)
        self.check_mode = check_mode
        self._diff = True


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine(networks=())
    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._docker.client.make_docker_client",
                        lambda url, timeout: fake)
    monkeypatch.setattr(_netlink, "make_iproute", None)  # a bridge has no parent to read
    return fake


def converge(check_mode=False, **overrides):
    return BridgeNetwork(StepModule(Module(check_mode), dict(PARAMS, **overrides))).run()


def test_a_bridge_network_is_made_exactly_then_left_alone(engine):
    check = converge(check_mode=True)
    assert check["changed"] and check["actions"] == ["create network demo-core"] and engine.nets == {}
    made = converge(internal=True)
    assert made["changed"] and made["network"]["driver"] == "bridge" and made["network"]["internal"] is True
    created = [call for call in engine.calls if call[0] == "create_network"]
    assert created[0][2]["driver"] == "bridge" and created[0][2]["options"] == {} and created[0][2]["internal"] is True
    again = converge(internal=True)
    assert not again["changed"] and again["actions"] == [] and again["diff"]["before"] == again["diff"]["after"]


def test_a_changed_internal_flag_recreates_the_network(engine):
    converge()
    result = converge(check_mode=True, internal=True)
    assert result["changed"] and result["differences"] == ["internal is False, wanted True"]
    assert result["actions"] == ["remove network demo-core (internal is False, wanted True)", "create network demo-core"]


def test_a_bridge_of_that_name_without_the_labs_label_is_refused(engine):
    engine.add_network("demo-core", driver="bridge", config=[dict(Subnet="172.31.252.0/24", Gateway="172.31.252.1")])
    with pytest.raises(StepFailed) as info:
        converge(internal=True)
    assert "lacks the label labnet.lab=demo" in info.value.result["msg"]
    assert [call for call in engine.calls if call[0] in ("create_network", "remove_network")] == []
