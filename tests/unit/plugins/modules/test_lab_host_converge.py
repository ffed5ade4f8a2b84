# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""lab_host_converge's order, check mode, failure report and plan checks, with the executors replaced by
recorders (each executor has its own tests; the module's run on a real host is the lab_role target)."""
from __future__ import annotations

import copy

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker import lab_host
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers import task as containers_task
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink as _netlink
from ansible_collections.labnet.docker.plugins.modules import lab_host_converge
from ansible_collections.labnet.docker.tests.unit.support.fake_iproute import FakeIPRoute
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module

LAN = dict(name="lan", docker_name="demo-lan", driver="macvlan", parent="demo-nic", create_parent=True,
           parent_peer="demo-nicp", subnet="172.31.250.0/24", gateway="172.31.250.1", ip_range="172.31.250.128/25",
           aux_addresses={}, mode="bridge", labels={"labnet.lab": "demo"}, internal=False, subnet_v6=None,
           gateway_v6=None, shim=dict(name="demo-shm", address="172.31.250.127/32", routes=["172.31.250.128/25"]))
CORE = dict(LAN, name="core", docker_name="demo-core", driver="bridge", parent=None, create_parent=False,
            parent_peer=None, subnet="172.31.252.0/24", gateway="172.31.252.1", ip_range=None, mode=None, shim=None)
PLAN = dict(networks=[LAN, CORE],
            containers=[dict(name="demo-r1", image="labnet/box:latest", networks=[dict(name="demo-lan")]),
                        dict(name="demo-h3", image="labnet/box:latest")],
            wires=[dict(a="demo-r1:p2p0", b="demo-h3:p2p0", a_address="10.255.12.1/30")])


@pytest.fixture
def host(monkeypatch):
    """The executors as recorders: ``calls`` lists (step, name, check_mode); ``fail`` names a step to fail;
    ``existing`` the networks the engine has; ``ipr`` the host's links."""
    state = dict(calls=[], fail=None, existing=set(), ipr=FakeIPRoute())

    def recorder(step, key, result):
        def run(module):
            name = module.params[key] if key else ", ".join(c["name"] for c in module.params["containers"])
            state["calls"].append((step, name, module.check_mode))
            if state["fail"] == (step, name):
                module.fail_json(msg="%s broke." % name, actions=["half of %s" % name])
            return result(module)
        return run

    def network(module):
        known = module.params["name"] in state["existing"]
        return dict(changed=not known, actions=[] if known else ["create network %s" % module.params["name"]],
                    network=dict(id="id-" + module.params["name"] if known or not module.check_mode else None),
                    diff=dict(before={}, after=dict(name=module.params["name"])))

    class Network(lab_host.MacvlanNetwork):
        def run(self):
            return recorder("network", "name", network)(self.module)

    class Bridge(Network):
        pass

    def executor(step, key, result):
        class Executor:
            def __init__(self, module, *_stack):
                self.module = module

            def run(self):
                return recorder(step, key, result)(self.module)
        return Executor

    monkeypatch.setattr(lab_host, "MacvlanNetwork", Network)
    monkeypatch.setattr(lab_host, "BridgeNetwork", Bridge)
    monkeypatch.setattr(lab_host, "NicPromisc", executor("promisc", "name", lambda m: dict(changed=True)))
    monkeypatch.setattr(lab_host, "MacvlanShim", executor("shim", "name", lambda m: dict(changed=False, actions=[])))
    monkeypatch.setattr(lab_host, "ContainerWires", executor(
        "wires", "state", lambda m: dict(changed=True, actions=["create veth pair"], wires=[{"name": "w"}])))
    monkeypatch.setattr(containers_task, "run", recorder("containers", None, lambda m: dict(
        changed=True, actions=["create demo-r1"], containers={"demo-r1": {}})))
    monkeypatch.setattr(_netlink, "make_iproute", lambda netns=None: state["ipr"])
    return state


def run(monkeypatch, plan=None, **args):
    return run_module(lab_host_converge.main, dict(dict(lab="demo", plan=copy.deepcopy(plan or PLAN)), **args), monkeypatch)


def test_every_step_runs_in_order_and_is_reported(monkeypatch, host):
    result = run(monkeypatch, _ansible_diff=True)
    assert isinstance(result, ModuleExit), result.result
    out = result.result
    assert [c[:2] for c in host["calls"]] == [
        ("promisc", "demo-nic"), ("network", "demo-lan"), ("shim", "demo-shm"), ("network", "demo-core"),
        ("containers", "demo-r1, demo-h3"), ("wires", "present")]
    assert [(s["step"], s["name"], s["changed"]) for s in out["steps"]] == [
        ("lab NIC", "demo-nic", True), ("promiscuous mode", "demo-nic", True), ("network", "demo-lan", True),
        ("shim", "demo-shm", False), ("network", "demo-core", True), ("containers", "demo-r1, demo-h3", True),
        ("wires", "demo-r1:p2p0--demo-h3:p2p0", True)]
    assert out["actions"][:2] == ["create veth lab NIC demo-nic (peer demo-nicp)", "switch promiscuous mode on for demo-nic"]
    assert out["changed"] and out["containers"] == {"demo-r1": {}} and out["wires"] == [{"name": "w"}]
    assert [d["before_header"] for d in out["diff"]] == ["network demo-lan", "network demo-core"]
    nic = host["ipr"].links[host["ipr"].link_lookup(ifname="demo-nic")[0]]
    assert (nic["alias"], nic["up"]) == ("labnet.lab=demo", True)


def test_check_mode_makes_nothing_and_says_what_it_could_not_read(monkeypatch, host):
    result = run(monkeypatch, _ansible_check_mode=True)
    assert isinstance(result, ModuleExit), result.result
    out = result.result
    assert host["ipr"].link_lookup(ifname="demo-nic") == []
    assert [c[:2] for c in host["calls"]] == [("network", "demo-core")]  # the bridge needs no parent
    assert all(call[2] for call in host["calls"])  # every executor ran in check mode
    skipped = [(s["step"], s["name"]) for s in out["steps"] if "skipped" in s]
    assert skipped == [("promiscuous mode", "demo-nic"), ("network", "demo-lan"), ("shim", "demo-shm"),
                       ("container", "demo-r1"), ("container", "demo-h3"), ("wires", "demo-r1:p2p0--demo-h3:p2p0")]
    assert out["changed"]


def test_an_unchanged_host_reports_no_change(monkeypatch, host):
    host["existing"].update({"demo-lan", "demo-core"})
    plan = dict(PLAN, containers=[], wires=[])
    assert isinstance(run(monkeypatch, plan), ModuleExit)
    host["calls"].clear()
    monkeypatch.setattr(lab_host, "NicPromisc", type("Promisc", (), {
        "__init__": lambda self, module: None, "run": lambda self: dict(changed=False)}))
    result = run(monkeypatch, plan, _ansible_check_mode=True)
    assert result.result["changed"] is False
    assert [s["step"] for s in result.result["steps"]] == ["lab NIC", "promiscuous mode", "network", "shim", "network"]


def test_a_failed_step_names_itself_and_what_was_done_before(monkeypatch, host):
    host["fail"] = ("network", "demo-core")
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    out = result.result
    assert out["msg"].startswith("network demo-core: demo-core broke. Done on this host before the failure: "
                                 "create veth lab NIC demo-nic (peer demo-nicp); switch promiscuous mode on for demo-nic; "
                                 "create network demo-lan.")
    assert out["failed_step"] == dict(step="network", name="demo-core", actions=["half of demo-core"])
    assert [s["name"] for s in out["steps"]] == ["demo-nic", "demo-nic", "demo-lan", "demo-shm"]
    assert ("containers", "demo-r1, demo-h3", False) not in host["calls"]


@pytest.mark.parametrize("change, message", [
    (dict(networks=[dict(LAN, shim=dict(LAN["shim"], address="172.31.250.127"))]),
     "plan.networks[lan].shim: address='172.31.250.127' has no prefix length."),
    (dict(networks=[dict(LAN, gateway="172.31.251.1")]), "plan.networks[lan] network demo-lan: gateway="),
    (dict(networks=[dict(LAN, parent_peer=None)]), "plan.networks[lan]: create_parent needs parent_peer"),
    (dict(networks=[dict(LAN, colour="blue")]), "plan: networks.colour. Supported parameters include"),
    (dict(wires=[dict(a="demo-r1", b="demo-h3:p2p0")]), "plan.wires: wires[0].a='demo-r1' is not a wire end."),
    (dict(containers=[dict(name="demo-r1", links=["nowhere:x"])]), "plan.containers: the container set was refused"),
])
def test_a_wrong_plan_is_refused_before_any_change(monkeypatch, host, change, message):
    result = run(monkeypatch, dict(PLAN, **change))
    assert isinstance(result, ModuleFail)
    assert message in result.result["msg"]
    assert result.result["msg"].endswith("Nothing was changed.")
    assert host["calls"] == [] and host["ipr"].link_lookup(ifname="demo-nic") == []


def test_a_step_that_changed_nothing_says_so_after_what_was_done_before(monkeypatch, host):
    def overlapping(module):
        module.fail_json(msg="subnet overlaps another network. Nothing was changed.")

    class Network(lab_host.MacvlanNetwork):
        def run(self):
            return overlapping(self.module)

    monkeypatch.setattr(lab_host, "MacvlanNetwork", Network)
    result = run(monkeypatch)
    assert result.result["msg"] == (
        "network demo-lan: subnet overlaps another network. This step changed nothing. Done on this host before the "
        "failure: create veth lab NIC demo-nic (peer demo-nicp); switch promiscuous mode on for demo-nic.")


def test_a_parent_name_taken_by_something_else_is_refused(monkeypatch, host):
    host["ipr"].add_link("demo-nic", kind="macvlan", mode="bridge")
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("lab NIC: create_parent would make demo-nic, but an interface of that name")
    assert host["calls"] == []


def test_the_planner_s_own_host_plan_is_taken_whole(monkeypatch, host):
    """lab_plan's host plan, as the role passes it: its preflight probes, the underlay's firewall chain and
    each network's VXLAN link are other steps' parts, and the underlay network sits on the VXLAN link."""
    from ansible_collections.labnet.docker.plugins.filter.lab_plan import lab_plan

    topology = {
        "networks": [{"name": "ovl", "subnet": "10.231.7.0/24", "underlay": "vxlan", "vni": 4242},
                     {"name": "lan", "subnet": "10.231.9.0/24", "parent": "lanp"}],
        "containers": [{"name": "web", "host": "h1", "command": "/bin/labnet-web", "networks": ["ovl", "lan"]},
                       {"name": "client", "host": "h2", "command": "/bin/labnet-web", "networks": ["ovl", "lan"]}],
    }
    planned = lab_plan(topology, "demo", ["h1", "h2"], underlay_hosts={"h1": {"address": "10.0.1.2"}, "h2": {"address": "10.0.2.2"}})
    host_plan = planned["hosts"]["h1"]
    assert {"probes", "underlay_firewall"} <= set(host_plan)  # what the module must leave to other steps
    assert any(net.get("underlay") for net in host_plan["networks"])
    host["ipr"].add_link("lanp")
    host["ipr"].add_link(next(net["underlay"]["link"]["name"] for net in host_plan["networks"] if net.get("underlay")))
    result = run(monkeypatch, host_plan)
    assert isinstance(result, ModuleExit), result.result
    networks = [name for step, name, _check in host["calls"] if step == "network"]
    assert networks == [net["docker_name"] for net in host_plan["networks"]]
