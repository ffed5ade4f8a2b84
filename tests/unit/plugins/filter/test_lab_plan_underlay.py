# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""underlay: vxlan on a lab network: the VXLAN links, their peers, the firewall chain and the checks."""

from __future__ import annotations

import copy
import ipaddress

import pytest

from ansible_collections.labnet.docker.plugins.filter.lab_plan import LabPlanError, lab_plan

SLEEP = ["/bin/sh", "-c", "sleep 1000"]
HOSTS = ["h1", "h2", "h3"]
UNDERLAY = {"h1": {"address": "10.0.1.2"}, "h2": {"ansible_host": "10.0.2.2"}, "h3": {"ansible_host": "h3", "default_route": "10.0.3.2"}}
OVERLAY = {
    "networks": [{"name": "ovl", "subnet": "10.231.7.0/24", "underlay": "vxlan", "vni": 4242}],
    "containers": [
        {"name": "web", "host": "h1", "command": "/bin/labnet-web", "networks": ["ovl"]},
        {"name": "client", "host": "h2", "command": SLEEP, "networks": ["ovl"], "links": ["web:www"]},
        {"name": "api", "host": "h3", "command": "/bin/labnet-web", "networks": ["ovl"]},
    ],
    "checks": {"ping": [["client", "web"]], "http": [{"from": "client", "url": "http://www/"}]},
}


def plan(topology=None, hosts=None, underlay=None, lab="lab"):
    return lab_plan(copy.deepcopy(topology or OVERLAY), lab, hosts or HOSTS, underlay_hosts=UNDERLAY if underlay is None else underlay)


def test_each_host_gets_a_vxlan_link_as_parent_with_the_other_hosts_as_peers():
    result = plan()
    for host, local in (("h1", "10.0.1.2"), ("h2", "10.0.2.2"), ("h3", "10.0.3.2")):
        net = result["hosts"][host]["networks"][0]
        assert net["parent"] == "lab-vx4242" and not net["create_parent"]
        assert net["underlay"] == dict(kind="vxlan", link=dict(
            name="lab-vx4242", vni=4242, port=4789, local=local,
            remotes=[a for a in ("10.0.1.2", "10.0.2.2", "10.0.3.2") if a != local]))


def test_port_mtu_and_parent_name_are_taken():
    topology = copy.deepcopy(OVERLAY)
    topology["networks"][0].update(port=8472, mtu=1400, parent="ovl0")
    link = plan(topology)["hosts"]["h2"]["networks"][0]["underlay"]["link"]
    assert (link["name"], link["port"], link["mtu"]) == ("ovl0", 8472, 1400)


def test_only_the_hosts_of_the_network_are_peers():
    topology = copy.deepcopy(OVERLAY)
    topology["networks"][0]["hosts"] = ["h1", "h2"]
    topology["containers"] = topology["containers"][:2]
    result = plan(topology)
    assert result["hosts"]["h1"]["networks"][0]["underlay"]["link"]["remotes"] == ["10.0.2.2"]
    assert result["hosts"]["h3"]["networks"] == [] and result["hosts"]["h3"]["underlay_firewall"] is None


def test_the_firewall_accepts_the_port_from_the_other_hosts_only():
    firewall = plan()["hosts"]["h2"]["underlay_firewall"]
    assert firewall["chain"] == "LABVX-lab" and firewall["ports"] == [4789]
    assert firewall["rules"] == ["-A LABVX-lab -s 10.0.1.2/32 -j ACCEPT", "-A LABVX-lab -s 10.0.3.2/32 -j ACCEPT",
                                 "-A LABVX-lab -j DROP"]
    assert firewall["jumps"] == ["-A INPUT -p udp -m udp --dport 4789 -j LABVX-lab"]


def test_two_underlay_networks_share_one_chain():
    topology = copy.deepcopy(OVERLAY)
    topology["networks"].append({"name": "ovl2", "subnet": "10.231.8.0/24", "underlay": "vxlan", "vni": 7, "port": 8472,
                                 "hosts": ["h1", "h3"]})
    result = plan(topology)
    assert result["hosts"]["h1"]["underlay_firewall"]["ports"] == [4789, 8472]
    assert result["hosts"]["h1"]["underlay_firewall"]["peers"] == ["10.0.2.2", "10.0.3.2"]
    assert [n["parent"] for n in result["hosts"]["h1"]["networks"]] == ["lab-vx4242", "lab-vx7"]


def test_checks_cover_each_link_and_chain_and_the_pings_across_hosts():
    checks = plan()["checks"]
    vxlan = [c for c in checks if c["kind"] == "vxlan"]
    assert [(c["host"], c["link"]["name"]) for c in vxlan] == [("h1", "lab-vx4242"), ("h2", "lab-vx4242"), ("h3", "lab-vx4242")]
    assert vxlan[0]["name"] == "vxlan lab-vx4242 on h1: vni 4242, port 4789, peers 10.0.2.2, 10.0.3.2"
    firewall = [c for c in checks if c["kind"] == "vxlan_firewall"]
    assert [c["host"] for c in firewall] == HOSTS and firewall[0]["firewall"]["chain"] == "LABVX-lab"
    ping = [c for c in checks if c["kind"] == "ping"]
    assert ping[0]["host"] == "h2" and ping[0]["network"] == "ovl"
    topology = copy.deepcopy(OVERLAY)
    topology["checks"]["underlay"] = False
    assert not [c for c in plan(topology)["checks"] if c["kind"].startswith("vxlan")]


def test_a_network_without_underlay_is_unchanged():
    topology = {"networks": [{"name": "lan", "subnet": "10.0.9.0/24", "parent": "eth1"}]}
    result = lab_plan(topology, "lab", ["h1", "h2"])
    assert result["hosts"]["h1"]["networks"][0]["underlay"] is None
    assert result["hosts"]["h1"]["underlay_firewall"] is None
    assert not [c for c in result["checks"] if c["kind"].startswith("vxlan")]


@pytest.mark.parametrize("change, message", [
    ({"underlay": "geneve"}, r"network 'ovl': underlay='geneve' is not a lab underlay. Use underlay: vxlan"),
    ({"vni": None}, r"network 'ovl': vni=None is not a VXLAN network identifier"),
    ({"vni": 2 ** 24}, r"vni=16777216"),
    ({"port": "x"}, r"port='x' is not a UDP port"),
    ({"mtu": 10}, r"mtu=10 is not an MTU of 68 or more"),
    ({"create_parent": True}, r"create_parent=true and underlay: vxlan both make the parent. Drop create_parent"),
    ({"underlay": None}, r"network 'ovl': vni=4242 is for underlay: vxlan. Add underlay: vxlan, or drop it"),
    ({"parent": "a-much-too-long-name"}, r"parent \(host h1\)='a-much-too-long-name' is 20 characters long"),
])
def test_bad_underlay_settings_name_field_value_and_fix(change, message):
    topology = copy.deepcopy(OVERLAY)
    topology["networks"][0].update(change)
    with pytest.raises(LabPlanError, match=message):
        plan(topology)


def test_a_bridge_network_takes_no_underlay():
    topology = {"networks": [{"name": "br", "subnet": "10.0.9.0/24", "driver": "bridge", "underlay": "vxlan", "vni": 3}]}
    with pytest.raises(LabPlanError, match=r"network 'br': underlay='vxlan' is for macvlan networks"):
        lab_plan(topology, "lab", ["h1"])


def test_two_networks_on_one_vni_and_port_are_refused():
    topology = copy.deepcopy(OVERLAY)
    topology["networks"].append({"name": "ovl2", "subnet": "10.231.8.0/24", "underlay": "vxlan", "vni": 4242, "parent": "vx2"})
    with pytest.raises(LabPlanError, match=r"Networks 'ovl' and 'ovl2' both use vni 4242 on port 4789.*another vni"):
        plan(topology)


def test_a_host_without_underlay_address_is_named_with_the_fix():
    with pytest.raises(LabPlanError, match=r"network 'ovl' \(underlay: vxlan\): host h3 has no underlay address.*"
                                           r"Set lab_underlay_address for h3"):
        plan(underlay=dict(UNDERLAY, h3={"ansible_host": "h3"}))


@pytest.mark.parametrize("addresses", [
    {"h1": {"address": "10.0.1.2"}, "h2": {"address": "10.0.1.2"}, "h3": {"address": "10.0.3.2"}},
    {"h1": {"address": "10.0.1.2"}, "h2": {"address": "2001:db8::2"}, "h3": {"address": "10.0.3.2"}},
])
def test_underlay_addresses_must_be_distinct_and_of_one_family(addresses):
    with pytest.raises(LabPlanError, match=r"must be distinct and of one address family. Set lab_underlay_address per host"):
        plan(underlay=addresses)


# -- the segment preflight's probes -----------------------------------------------------------------

PLAIN = {
    "networks": [{"name": "lan", "subnet": "10.77.0.0/24", "parent": {"h1": "eth1", "h2": "eth2", "h3": "eth1"},
                  "shim": {"name": "lan-shm"}}],
    "containers": [{"name": "web", "host": "h1", "networks": [{"name": "lan", "ipv4_address": 10}]}],
}


def test_probes_take_free_addresses_outside_every_range_one_per_host_with_the_other_hosts_as_peers():
    result = lab_plan(copy.deepcopy(PLAIN), "lab", HOSTS)
    used = {"10.77.0.1", "10.77.0.10"} | {n["shim"]["address"].split("/")[0] for h in HOSTS for n in result["hosts"][h]["networks"]}
    probes = {h: result["hosts"][h]["probes"] for h in HOSTS}
    assert [p["parent"] for h in HOSTS for p in probes[h]] == ["eth1", "eth2", "eth1"]
    addresses = [p["ip"] for h in HOSTS for p in probes[h]]
    assert len(set(addresses)) == 3 and not set(addresses) & used
    for h in HOSTS:
        (probe,) = probes[h]
        assert probe["name"] == "lab-pb0" and probe["network"] == "lan" and probe["docker_name"] == "lab-lan"
        assert probe["address"] == probe["ip"] + "/24"
        assert [p["host"] for p in probe["peers"]] == [x for x in HOSTS if x != h]
        ranges = [n["ip_range"] for x in HOSTS for n in result["hosts"][x]["networks"]]
        assert not any(ipaddress.ip_address(probe["ip"]) in ipaddress.ip_network(r) for r in ranges)


@pytest.mark.parametrize("topology, hosts", [
    (OVERLAY, HOSTS),  # a VXLAN underlay needs no preflight
    ({"networks": [{"name": "lan", "subnet": "10.77.0.0/24", "parent": "eth1"}]}, ["h1"]),  # one host
    ({"networks": [{"name": "lan", "subnet": "10.77.0.0/24", "parent": "lab-nic", "create_parent": True}]}, HOSTS),
    ({"networks": [{"name": "br", "subnet": "10.77.0.0/24", "driver": "bridge"}]}, HOSTS),
])
def test_no_probes_where_there_is_no_shared_segment_to_probe(topology, hosts):
    result = lab_plan(copy.deepcopy(topology), "lab", hosts, underlay_hosts=UNDERLAY)
    assert all(part["probes"] == [] for part in result["hosts"].values())


def test_a_subnet_without_room_for_the_probes_is_refused():
    topology = {"networks": [{"name": "lan", "subnet": "10.77.0.0/29", "parent": "eth1", "ip_range": "none"}],
                "containers": [{"name": "c%d" % i, "host": "h1", "networks": ["lan"]} for i in range(4)]}
    with pytest.raises(LabPlanError, match=r"network 'lan': no free address is left for the segment preflight's probe on host h2"):
        lab_plan(topology, "lab", ["h1", "h2"])
