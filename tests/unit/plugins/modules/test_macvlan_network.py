# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import APIError
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import kernel_support as _kernel_support
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink as _netlink
from ansible_collections.labnet.docker.plugins.modules import macvlan_network
from ansible_collections.labnet.docker.tests.unit.support.fake_engine import FakeEngine
from ansible_collections.labnet.docker.tests.unit.support.fake_iproute import FakeIPRoute
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module

ARGS = dict(
    name="labnet",
    parent="lab0",
    subnet="192.168.50.0/24",
    gateway="192.168.50.1",
    ip_range="192.168.50.128/25",
    aux_addresses={"router": "192.168.50.2"},
    labels={"lab": "tutorial"},
)


EXACT_CONFIG = [dict(Subnet="192.168.50.0/24", Gateway="192.168.50.1", IPRange="192.168.50.128/25",
                     AuxiliaryAddresses={"router": "192.168.50.2"})]
EXACT_OPTIONS = {"parent": "lab0", "macvlan_mode": "bridge"}


@pytest.fixture
def client(monkeypatch):
    """An engine with no network yet, behind the client factory; ``made`` lists the URLs it was asked for."""
    fake = FakeEngine(networks=())
    made = []

    def factory(url, timeout):
        made.append(url)
        return fake

    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._docker.client.make_docker_client", factory)
    fake.made = made
    return fake


@pytest.fixture
def ipr(monkeypatch):
    fake = FakeIPRoute()
    fake.add_link("lab0")
    fake.add_link("lab1")
    monkeypatch.setattr(_netlink, "make_iproute", lambda netns=None: fake)
    return fake


@pytest.fixture
def no_vlan_support(monkeypatch):
    probes = []

    def probe(kind):
        probes.append(kind)
        return _kernel_support.MISSING

    monkeypatch.setattr(_kernel_support, "module_loaded", lambda name, root="/sys/module": False)
    monkeypatch.setattr(_kernel_support, "probe_link_kind", probe)
    return probes


def run(monkeypatch, **overrides):
    args = dict(ARGS)
    args.update(overrides)
    return run_module(macvlan_network.main, args, monkeypatch)


def test_creates_the_network_with_exact_settings(monkeypatch, client, ipr):
    result = run(monkeypatch, _ansible_diff=True)
    assert isinstance(result, ModuleExit)
    out = result.result
    assert out["changed"] is True
    assert out["actions"] == ["create network labnet"]
    (call,) = client.changing_calls()
    assert call[0:2] == ("create_network", "labnet")
    assert call[2]["driver"] == "macvlan"
    assert call[2]["options"] == EXACT_OPTIONS
    assert call[2]["ipam"]["Config"] == EXACT_CONFIG
    assert call[2]["labels"] == {"lab": "tutorial"}
    assert call[2]["enable_ipv6"] is False
    assert out["network"]["id"] == next(iter(client.nets))
    assert out["network"]["aux_addresses"] == {"router": "192.168.50.2"}
    assert out["diff"]["before"] == {}
    assert out["diff"]["after"]["ip_range"] == "192.168.50.128/25"


def test_check_mode_creates_nothing(monkeypatch, client, ipr):
    result = run(monkeypatch, _ansible_check_mode=True)
    assert isinstance(result, ModuleExit)
    assert result.result["changed"] is True
    assert result.result["network"]["id"] is None
    assert client.changing_calls() == []


def test_ipv6_pool_enables_ipv6(monkeypatch, client, ipr):
    run(monkeypatch, subnet_v6="fd00:50:0::/64", gateway_v6="fd00:50::1")
    (call,) = client.changing_calls()
    assert call[2]["enable_ipv6"] is True
    assert call[2]["ipam"]["Config"][1] == dict(Subnet="fd00:50::/64", Gateway="fd00:50::1")


def test_an_exact_network_is_left_alone_whatever_the_order_and_spelling(monkeypatch, client, ipr):
    config = [dict(Subnet="fd00:50:0:0::/64", Gateway="fd00:50::0001")] + EXACT_CONFIG
    client.add_network("labnet", options=EXACT_OPTIONS, labels={"lab": "tutorial"}, config=config)
    result = run(monkeypatch, subnet_v6="fd00:50::/64", gateway_v6="fd00:50::1", _ansible_diff=True)
    assert isinstance(result, ModuleExit)
    assert result.result["changed"] is False
    assert result.result["differences"] == []
    assert result.result["diff"]["before"] == result.result["diff"]["after"]
    assert result.result["network"]["gateway_v6"] == "fd00:50::1"
    assert client.changing_calls() == []


def test_default_mode_absent_from_options_is_bridge(monkeypatch, client, ipr):
    client.add_network("labnet", options={"parent": "lab0"}, labels={"lab": "tutorial"}, config=EXACT_CONFIG)
    result = run(monkeypatch)
    assert result.result["changed"] is False


def test_unset_gateway_and_labels_are_not_compared(monkeypatch, client, ipr):
    config = [dict(EXACT_CONFIG[0], Gateway="192.168.50.254")]
    client.add_network("labnet", options=EXACT_OPTIONS, labels={"other": "x"}, config=config)
    result = run(monkeypatch, gateway=None, labels=None)
    assert result.result["changed"] is False


@pytest.mark.parametrize("overrides, difference", [
    (dict(mode="vepa"), "mode is bridge, wanted vepa"),
    (dict(parent="lab1"), "parent is lab0, wanted lab1"),
    (dict(ip_range="192.168.50.192/26"), "ip_range of 192.168.50.0/24 is 192.168.50.128/25, wanted 192.168.50.192/26"),
    (dict(gateway="192.168.50.254"), "gateway of 192.168.50.0/24 is 192.168.50.1, wanted 192.168.50.254"),
    (dict(aux_addresses={}), "aux_addresses of 192.168.50.0/24 are {'router': '192.168.50.2'}, wanted {}"),
    (dict(labels={"lab": "other"}), "labels are {'lab': 'tutorial'}, wanted {'lab': 'other'}"),
    (dict(subnet_v6="fd00::/64"), "subnet fd00::/64 is wanted but not configured"),
])
def test_drift_is_named(monkeypatch, client, ipr, overrides, difference):
    client.add_network("labnet", options=EXACT_OPTIONS, labels={"lab": "tutorial"}, config=EXACT_CONFIG)
    if "labels" in overrides:
        overrides = dict(overrides, force=True)  # a network without the task's labels is not the task's
    result = run(monkeypatch, _ansible_check_mode=True, **overrides)
    assert isinstance(result, ModuleExit)
    assert result.result["changed"] is True
    assert result.result["differences"] == [difference]
    assert client.changing_calls() == []


def test_a_bridge_network_of_the_same_name_is_replaced_with_force(monkeypatch, client, ipr):
    client.add_network("labnet", driver="bridge", config=[dict(Subnet="192.168.50.0/24")])
    result = run(monkeypatch, _ansible_check_mode=True, force=True)
    assert "driver is bridge, wanted macvlan" in result.result["differences"]


def attached(client):
    old_id = client.add_network("labnet", options=EXACT_OPTIONS, labels={"lab": "tutorial"}, config=EXACT_CONFIG)
    web = client.add_container("web", old_id, "192.168.50.9", aliases=["www"])
    db = client.add_container("db", old_id, "192.168.50.10", running=False)
    return old_id, web, db


def connects(client):
    """Each connect call as (container id, network id, address, aliases)."""
    return [(c["ctr_id"], c["net_id"], c["ipv4_address"], c["aliases"]) for c in client.connected_with]


def test_drift_recreates_and_reconnects_with_addresses_and_aliases(monkeypatch, client, ipr):
    old_id, web, db = attached(client)
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleExit)
    out = result.result
    calls = client.changing_calls()
    assert [c[0] for c in calls] == [
        "disconnect_container_from_network", "disconnect_container_from_network", "remove_network",
        "create_network", "connect_container_to_network", "connect_container_to_network"]
    assert calls[2] == ("remove_network", old_id)
    new_id = next(iter(client.nets))
    assert ("connect_container_to_network", web, new_id) in calls and ("connect_container_to_network", db, new_id) in calls
    assert (web, new_id, "192.168.50.9", ["www"]) in connects(client)
    assert (db, new_id, "192.168.50.10", None) in connects(client)
    assert out["reconnected"] == [dict(name="db", ipv4_address="192.168.50.10", aliases=[]),
                                  dict(name="web", ipv4_address="192.168.50.9", aliases=["www"])]
    assert out["network"]["id"] == new_id and out["network"]["ip_range"] == "192.168.50.192/26"
    assert [c["name"] for c in out["network"]["containers"]] == ["db", "web"]
    assert out["actions"][2].startswith("remove network labnet (ip_range of 192.168.50.0/24")


def test_drift_in_check_mode_lists_the_reconnections_and_changes_nothing(monkeypatch, client, ipr):
    attached(client)
    result = run(monkeypatch, ip_range="192.168.50.192/26", _ansible_check_mode=True)
    assert result.result["changed"] is True
    assert [r["name"] for r in result.result["reconnected"]] == ["db", "web"]
    assert client.changing_calls() == []


def test_a_container_outside_the_new_subnet_is_named(monkeypatch, client, ipr):
    attached(client)
    result = run(monkeypatch, subnet="192.168.50.128/25", gateway="192.168.50.129", ip_range=None, aux_addresses={})
    assert isinstance(result, ModuleFail)
    assert ("Container 'db' is attached to network labnet at 192.168.50.10 and could not be reconnected after the "
            "change: 192.168.50.10 is outside the new subnet 192.168.50.128/25") in result.result["msg"]
    assert client.changing_calls() == []


def test_a_container_on_the_new_gateway_is_named(monkeypatch, client, ipr):
    attached(client)
    result = run(monkeypatch, gateway="192.168.50.9")
    assert isinstance(result, ModuleFail)
    assert "Container 'web'" in result.result["msg"] and "192.168.50.9 is the new gateway" in result.result["msg"]
    assert client.changing_calls() == []


def test_failed_create_puts_the_previous_network_back(monkeypatch, client, ipr):
    old_id, web, db = attached(client)
    client.fail_create = 1
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleFail)
    assert "Could not create the macvlan network labnet on parent lab0: invalid pool request." in result.result["msg"]
    assert "The previous network was put back as it was, with its containers" in result.result["msg"]
    (restored,) = client.nets.values()
    assert restored["IPAM"]["Config"] == EXACT_CONFIG
    assert restored["Options"] == EXACT_OPTIONS
    assert client.inspect_container(web)["NetworkSettings"]["Networks"]["labnet"]["IPAddress"] == "192.168.50.9"


def test_failed_reconnect_names_the_container(monkeypatch, client, ipr):
    old_id, web, db = attached(client)

    def refuse(ctr_id, net_id, ipv4_address=None, aliases=None, **kwargs):
        raise APIError("Address already in use")

    monkeypatch.setattr(client.api, "connect_container_to_network", refuse)
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleFail)
    assert "container 'db' could not be reconnected at 192.168.50.10: Address already in use" in result.result["msg"]
    assert "docker network connect --ip 192.168.50.10 labnet db" in result.result["msg"]


def test_another_network_on_the_same_parent_is_named(monkeypatch, client, ipr):
    client.add_network("otherlab", options={"parent": "lab0"}, config=[dict(Subnet="10.9.0.0/24")])
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "parent='lab0' is already the parent of the macvlan network 'otherlab'" in result.result["msg"]
    assert client.changing_calls() == []


def test_an_overlapping_network_is_named(monkeypatch, client, ipr):
    client.add_network("bridgelab", driver="bridge", config=[dict(Subnet="192.168.50.128/26")])
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    assert ("subnet='192.168.50.0/24' overlaps the subnet 192.168.50.128/26 of the Docker network 'bridgelab'"
            in result.result["msg"])
    assert client.changing_calls() == []


@pytest.mark.parametrize("overrides, message", [
    (dict(subnet="192.168.50.0/33"), "subnet='192.168.50.0/33' is not a network in CIDR notation"),
    (dict(subnet="192.168.50.1/24"), "subnet='192.168.50.1/24' has host bits set. Use the network address: 192.168.50.0/24"),
    (dict(gateway="10.0.0.1"), "gateway='10.0.0.1' is outside the subnet 192.168.50.0/24"),
    (dict(ip_range="192.168.51.0/25"), "ip_range='192.168.51.0/25' is not inside the subnet 192.168.50.0/24"),
    (dict(aux_addresses={"router": "192.168.50.1"}), "gateway='192.168.50.1' is also reserved as aux_addresses.router"),
    (dict(parent="lo"), "parent='lo' is the loopback interface"),
    (dict(parent="lab7"), "parent='lab7' does not exist on the managed host. Interfaces there: lab0, lab1, lo."),
    (dict(parent="lab0.4095"), "parent='lab0.4095' asks for VLAN id 4095, which is outside 1 to 4094"),
    (dict(parent="lab0.0"), "parent='lab0.0' asks for VLAN id 0, which is outside 1 to 4094"),
    (dict(parent="lab9.50"), "parent='lab9.50' is a VLAN on 'lab9', which does not exist"),
])
def test_bad_input_fails_before_the_engine_is_asked(monkeypatch, client, ipr, overrides, message):
    result = run(monkeypatch, **overrides)
    assert isinstance(result, ModuleFail)
    assert message in result.result["msg"]
    assert client.made == []


def test_missing_vlan_parent_without_8021q_fails_with_the_kernel_support_named(monkeypatch, client, ipr, no_vlan_support):
    result = run(monkeypatch, parent="lab0.50")
    assert isinstance(result, ModuleFail)
    assert ("parent='lab0.50' does not exist, and Docker would have to create it as VLAN 50 on 'lab0', but the kernel "
            "has no 802.1q VLAN support (module 8021q)") in result.result["msg"]
    assert no_vlan_support == ["vlan"]
    assert client.made == []


def test_missing_vlan_parent_with_8021q_is_left_to_the_driver(monkeypatch, client, ipr):
    monkeypatch.setattr(_kernel_support, "module_loaded", lambda name, root="/sys/module": name == "8021q")
    result = run(monkeypatch, parent="lab0.50")
    assert isinstance(result, ModuleExit)
    (call,) = client.changing_calls()
    assert call[2]["options"]["parent"] == "lab0.50"


def test_an_existing_vlan_parent_is_used_without_probing(monkeypatch, client, ipr, no_vlan_support):
    ipr.add_link("lab0.50", kind="vlan")
    result = run(monkeypatch, parent="lab0.50")
    assert isinstance(result, ModuleExit)
    assert no_vlan_support == []


def test_absent_refuses_with_attached_containers_naming_them(monkeypatch, client, ipr):
    attached(client)
    result = run_module(macvlan_network.main, dict(name="labnet", state="absent"), monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "Network labnet has containers attached: db, web." in result.result["msg"]
    assert "force=true" in result.result["msg"]
    assert client.changing_calls() == []


def test_absent_with_force_disconnects_first(monkeypatch, client, ipr):
    old_id, web, db = attached(client)
    check = run_module(macvlan_network.main, dict(name="labnet", state="absent", force=True, _ansible_check_mode=True), monkeypatch)
    assert check.result["changed"] is True and client.changing_calls() == []
    result = run_module(macvlan_network.main, dict(name="labnet", state="absent", force=True, _ansible_diff=True), monkeypatch)
    assert result.result["changed"] is True
    assert [c[0] for c in client.changing_calls()] == [
        "disconnect_container_from_network", "disconnect_container_from_network", "remove_network"]
    assert result.result["diff"]["after"] == {} and result.result["diff"]["before"]["parent"] == "lab0"
    again = run_module(macvlan_network.main, dict(name="labnet", state="absent", force=True), monkeypatch)
    assert again.result["changed"] is False and again.result["network"] == {}


def test_absent_of_a_missing_network_does_not_need_netlink(monkeypatch, client):
    monkeypatch.setattr(_netlink, "make_iproute", None)
    result = run_module(macvlan_network.main, dict(name="labnet", state="absent"), monkeypatch)
    assert result.result["changed"] is False


def test_only_the_exact_name_is_managed(monkeypatch, client, ipr):
    client.add_network("labnet-old", options={"parent": "lab1"}, config=[dict(Subnet="10.1.0.0/24")])
    result = run_module(macvlan_network.main, dict(name="labnet", state="absent"), monkeypatch)
    assert result.result["changed"] is False
    assert len(client.nets) == 1


# ---- ownership ------------------------------------------------------------------------------------

def test_a_network_without_the_tasks_labels_is_refused(monkeypatch, client, ipr):
    client.add_network("labnet", options=EXACT_OPTIONS, labels={"lab": "someone"}, config=EXACT_CONFIG)
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleFail)
    assert ("Network labnet exists but lacks the label lab=tutorial that this task gives its network (it has "
            "lab=someone)") in result.result["msg"]
    assert "set force=true to replace it" in result.result["msg"]
    assert client.changing_calls() == []


def test_a_bridge_network_of_the_same_name_is_refused(monkeypatch, client, ipr):
    client.add_network("labnet", driver="bridge", labels={"lab": "tutorial"}, config=[dict(Subnet="192.168.50.0/24")])
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "Network labnet exists and is a bridge network, not a macvlan network" in result.result["msg"]
    assert client.changing_calls() == []


def test_absent_with_labels_refuses_a_network_that_lacks_them(monkeypatch, client, ipr):
    client.add_network("labnet", options=EXACT_OPTIONS, config=EXACT_CONFIG)
    result = run_module(macvlan_network.main, dict(name="labnet", state="absent", labels={"lab": "x"}), monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "lacks the label lab=x" in result.result["msg"]
    assert client.changing_calls() == []


# ---- recreation as a transaction ------------------------------------------------------------------

def three(client):
    """web: static with an alias; dyn: from the pool; app: links to web, fixed MAC, IPv6."""
    old_id = client.add_network("labnet", options=EXACT_OPTIONS, labels={"lab": "tutorial"}, config=EXACT_CONFIG)
    web = client.add_container("web", old_id, "192.168.50.9", aliases=["www"])
    dyn = client.add_container("dyn", old_id, "192.168.50.130", static=False)
    app = client.add_container("app", old_id, "192.168.50.11", links=["web:site"], mac="02:42:c0:a8:32:0b",
                               ipv6="fd00::11")
    return old_id, dict(web=web, dyn=dyn, app=app)


def assert_as_before(client, ids):
    web = client.endpoint_of(ids["web"], "labnet")
    dyn = client.endpoint_of(ids["dyn"], "labnet")
    app = client.endpoint_of(ids["app"], "labnet")
    assert web["IPAddress"] == "192.168.50.9" and "www" in web["Aliases"]
    assert dyn["IPAddress"] == "192.168.50.130"
    assert app["IPAddress"] == "192.168.50.11" and app["Links"] == ["web:site"]
    assert app["MacAddress"] == "02:42:c0:a8:32:0b" and app["IPAMConfig"]["IPv6Address"] == "fd00::11"
    (net,) = client.nets.values()
    for endpoint in (web, dyn, app):
        assert endpoint["NetworkID"] == net["Id"]
    return net


def outcomes(result):
    return {o["name"]: o["outcome"] for o in result.result["outcomes"]}


def test_recreation_keeps_links_mac_and_ipv6_and_connects_link_targets_first(monkeypatch, client, ipr):
    old_id, ids = three(client)
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleExit)
    net = assert_as_before(client, ids)
    assert net["IPAM"]["Config"][0]["IPRange"] == "192.168.50.192/26"
    assert [c["ctr_id"] for c in client.connected_with] == [ids["web"], ids["app"], ids["dyn"]]
    assert client.connected_with[1]["links"] == [("web", "site")]
    assert outcomes(result) == dict(web="converged", dyn="converged", app="converged")
    assert result.result["network"]["containers"][0]["links"] == ["web:site"]


def test_a_failed_disconnect_puts_back_those_taken_off(monkeypatch, client, ipr):
    old_id, ids = three(client)

    def refuse(ctr_id, net_id):
        if ctr_id == ids["dyn"]:
            raise APIError("container is paused")

    client.faults["disconnect_container_from_network"] = refuse
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("Could not disconnect container dyn from network labnet: container is paused.")
    assert "The previous network was kept." in result.result["msg"]
    assert outcomes(result) == dict(web="restored", dyn="untouched", app="restored")
    net = assert_as_before(client, ids)
    assert net["Id"] == old_id
    assert "remove_network" not in [c[0] for c in client.changing_calls()]


def test_a_failed_remove_reconnects_everyone_to_the_old_network(monkeypatch, client, ipr):
    old_id, ids = three(client)

    def refuse(net_id):
        raise APIError("error while removing network")

    client.faults["remove_network"] = refuse
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleFail)
    assert "Could not remove network labnet: error while removing network." in result.result["msg"]
    assert outcomes(result) == dict(web="restored", dyn="restored", app="restored")
    assert assert_as_before(client, ids)["Id"] == old_id
    assert "Done before the failure: disconnect container web from labnet;" in result.result["msg"]


def test_a_create_that_times_out_restores_the_old_network(monkeypatch, client, ipr):
    from requests.exceptions import ReadTimeout

    old_id, ids = three(client)
    state = dict(calls=0)

    def time_out(name, kwargs):
        state["calls"] += 1
        if state["calls"] == 1:
            raise ReadTimeout("UnixHTTPConnectionPool(host='localhost', port=None): Read timed out. (read timeout=5)")

    client.faults["create_network"] = time_out
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleFail)
    assert "Could not create the macvlan network labnet on parent lab0: " in result.result["msg"]
    assert "Read timed out" in result.result["msg"]
    assert "The previous network was put back as it was, with its containers." in result.result["msg"]
    assert "Traceback" not in result.result["msg"]
    net = assert_as_before(client, ids)
    assert net["IPAM"]["Config"] == EXACT_CONFIG and net["Labels"] == {"lab": "tutorial"}
    assert outcomes(result) == dict(web="restored", dyn="restored", app="restored")


def assert_late_create_removed(monkeypatch, client, ids, create_network):
    """A recreation whose create timed out, run with ``create_network`` as the engine's create: it fails, the late
    network is removed, and the previous network is back with every container on it."""
    monkeypatch.setattr(client.api, "create_network", create_network)
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleFail)
    net = assert_as_before(client, ids)
    assert net["IPAM"]["Config"] == EXACT_CONFIG
    assert "restore: remove the new network labnet" in result.result["actions"]
    assert outcomes(result) == dict(web="restored", dyn="restored", app="restored")


def test_a_create_that_timed_out_but_went_through_is_removed_before_the_restore(monkeypatch, client, ipr):
    from requests.exceptions import ReadTimeout

    old_id, ids = three(client)
    state = dict(calls=0)
    real_create = client.api.create_network

    def late(name, **kwargs):
        state["calls"] += 1
        if state["calls"] == 1:
            real_create(name, **kwargs)  # the engine makes it, but the answer never comes
            raise ReadTimeout("Read timed out. (read timeout=5)")
        return real_create(name, **kwargs)

    assert_late_create_removed(monkeypatch, client, ids, late)


def test_a_create_that_lands_only_after_the_first_restore_attempt_is_removed_too(monkeypatch, client, ipr):
    """The engine answers the timed-out create late: the restore's first two tries find no network yet and fail on
    the pool the create still holds; the third finds the late network, removes it, and puts the old one back."""
    from requests.exceptions import ReadTimeout

    from ansible_collections.labnet.docker.plugins.module_utils._docker import network_recreate

    monkeypatch.setattr(network_recreate, "LATE_CREATE_WAIT", 0)
    old_id, ids = three(client)
    state = dict(calls=0, pending=None)
    real_create = client.api.create_network

    def late(name, **kwargs):
        state["calls"] += 1
        if state["calls"] == 1:
            state["pending"] = (name, kwargs)  # the engine is still making it
            raise ReadTimeout("Read timed out. (read timeout=5)")
        if state["pending"]:
            if state["calls"] == 3:  # it lands only while the restore's second try is refused
                real_create(state["pending"][0], **state["pending"][1])
                state["pending"] = None
            raise APIError("failed to allocate gateway (192.168.50.1): Address already in use")
        return real_create(name, **kwargs)

    assert_late_create_removed(monkeypatch, client, ids, late)


def test_a_failed_reconnect_goes_on_with_the_others_then_restores_all(monkeypatch, client, ipr):
    old_id, ids = three(client)
    new_net = {}

    def taken(ctr_id, net_id, address):
        if not new_net:
            new_net["id"] = net_id
        if ctr_id == ids["web"] and net_id == new_net["id"]:
            raise APIError("Address already in use")

    client.faults["connect_container_to_network"] = taken
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleFail)
    msg = result.result["msg"]
    assert "Network labnet was made again, but container 'web' could not be reconnected at 192.168.50.9: " \
           "Address already in use." in msg
    assert "The previous network was put back as it was, with its containers." in msg
    connects_to_new = [c["ctr_id"] for c in client.connected_with if c["net_id"] == new_net["id"]]
    assert connects_to_new == [ids["web"], ids["app"], ids["dyn"]]  # the failure did not stop the others
    net = assert_as_before(client, ids)
    assert net["IPAM"]["Config"] == EXACT_CONFIG
    assert outcomes(result) == dict(web="restored", dyn="restored", app="restored")
    assert result.result["reconnected"] == []


def test_a_new_network_held_by_someone_else_strands_only_the_failed_container(monkeypatch, client, ipr):
    old_id, ids = three(client)

    def intruder(ctr_id, net_id, address):
        if ctr_id == ids["web"]:
            if "intruder" not in client.containers:
                client.add_container("intruder", net_id, "192.168.50.9")
            raise APIError("Address already in use")

    client.faults["connect_container_to_network"] = intruder
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleFail)
    msg = result.result["msg"]
    assert "now holds intruder, which is not this task's, so it was left as it is" in msg
    assert "Stranded, attached to no network labnet: web (" in msg
    assert "docker network connect --ip 192.168.50.9 --alias www labnet web" in msg
    assert outcomes(result) == dict(web="stranded", dyn="converged", app="converged")
    assert client.endpoint_of(ids["web"], "labnet") is None
    assert [r["name"] for r in result.result["reconnected"]] == ["app", "dyn"]


def test_a_restore_that_fails_too_names_every_stranded_container(monkeypatch, client, ipr):
    from ansible_collections.labnet.docker.plugins.module_utils._docker import network_recreate

    monkeypatch.setattr(network_recreate, "LATE_CREATE_WAIT", 0)
    old_id, ids = three(client)
    client.fail_create = 1 + network_recreate.LATE_CREATE_TRIES  # the create, then every try of the restore's
    result = run(monkeypatch, ip_range="192.168.50.192/26")
    assert isinstance(result, ModuleFail)
    msg = result.result["msg"]
    assert "The previous network could not be put back: could not make the previous network labnet again: " \
           "invalid pool request." in msg
    assert outcomes(result) == dict(web="stranded", dyn="stranded", app="stranded")
    for name in ("web", "dyn", "app"):
        assert "%s (could not make the previous network" % name in msg
    assert client.nets == {}


def test_recreation_in_check_mode_reports_the_outcomes_and_changes_nothing(monkeypatch, client, ipr):
    three(client)
    result = run(monkeypatch, ip_range="192.168.50.192/26", _ansible_check_mode=True)
    assert outcomes(result) == dict(web="converged", dyn="converged", app="converged")
    assert result.result["actions"][-2] == ("connect container app at 192.168.50.11 and fd00::11 with links web:site "
                                            "with MAC 02:42:c0:a8:32:0b to labnet")
    assert client.changing_calls() == []


def test_an_engine_timeout_while_reading_fails_cleanly(monkeypatch, client, ipr):
    from requests.exceptions import ConnectionError as RequestsConnectionError

    def gone(names=None):
        raise RequestsConnectionError("Connection aborted.")

    monkeypatch.setattr(client.api, "networks", gone)
    result = run(monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"] == "Could not list the Docker networks: Connection aborted.. Nothing was changed."
