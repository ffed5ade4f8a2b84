# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading a hand-typed lab back into a topology, over inspect data captured from Docker 20.10.24.

The fixtures (fixtures/adopt/) were made with:
  docker network create -d macvlan --subnet 10.177.9.0/24 --gateway 10.177.9.1 --ip-range 10.177.9.128/26
      --aux-address h1=10.177.9.250 -o parent=laba -o macvlan_mode=bridge lab-lan
  docker run -d --name lab-web --network lab-lan --ip 10.177.9.20 --network-alias www -p 47123:80 -e FOO=bar
      --hostname web --restart unless-stopped labnet/box:latest /bin/labnet-web
  docker run -d --name lab-client --network lab-lan --ip 10.177.9.21 --link lab-web:alias --cap-add NET_ADMIN
      -v /tmp:/mnt labnet/box:latest sleep 1000
  docker run -d --name lab-bweb -p 127.0.0.1:47124:80/udp labnet/box:latest sleep 1000
  docker run -d --name lab-bcli --link lab-bweb:w2 -e PATH=/bin labnet/box:latest sleep 1000
"""
from __future__ import annotations

import copy
import json
import os

import pytest

from ansible_collections.labnet.docker.plugins.filter.lab_plan import lab_plan
from ansible_collections.labnet.docker.plugins.module_utils._docker import topology_read as tr
from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import parse_published_port

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "adopt")


def fixture(name: str) -> dict:
    with open(os.path.join(FIXTURES, name + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


IMAGE = fixture("image")


def images_for(*containers) -> dict:
    return {c["Image"]: IMAGE for c in containers}


def test_macvlan_network_reads_every_field():
    entry, notes = tr.network_entry(fixture("lan"), "lab")
    assert entry == dict(name="lan", subnet="10.177.9.0/24", gateway="10.177.9.1", parent="laba",
                         ip_range="10.177.9.128/26", aux_addresses={"h1": "10.177.9.250"}, mode="bridge")
    assert notes == []


def test_network_without_range_and_unknown_options_say_so():
    lan = fixture("lan")
    lan["IPAM"]["Config"][0].pop("IPRange")
    lan["Options"]["foo"] = "1"
    lan["EnableIPv6"] = True
    entry, notes = tr.network_entry(lan)
    assert entry["name"] == "lab-lan" and entry["ip_range"] == "none"
    assert [n["what"] for n in notes] == ["options.foo", "ipv6"]


def test_bridge_network_is_unsupported_never_dropped():
    bridge = dict(Name="lab-br", Driver="bridge", IPAM={"Config": [{"Subnet": "10.9.0.0/24"}]}, Options={})
    entry, notes = tr.network_entry(bridge, "lab")
    assert entry is None
    assert notes == [dict(object="network", name="lab-br", what="driver",
                          reason="a bridge network; the lab role makes macvlan networks only "
                                 "(containers keep it by name, as an existing network)")]


def test_tutorial_lab_on_macvlan():
    web, client = fixture("web"), fixture("client")
    out = tr.read_topology([web, client], images_for(web, client), [fixture("lan")], "lab")
    web_entry, client_entry = out["topology"]["containers"]
    assert web_entry == dict(name="web", image="labnet/box:latest", command=["/bin/labnet-web"], env={"FOO": "bar"},
                             hostname="web", networks=[dict(name="lan", ipv4_address="10.177.9.20", aliases=["www"])],
                             published_ports=["47123:80"], restart_policy="unless-stopped")
    assert client_entry == dict(name="client", image="labnet/box:latest", command=["sleep", "1000"],
                                networks=[dict(name="lan", ipv4_address="10.177.9.21")], links=["web:alias"],
                                restart_policy="no")
    whats = [(n["name"], n["what"]) for n in out["unsupported"]]
    assert whats == [("lab-client", "hostname"), ("lab-client", "cap_add"), ("lab-client", "volumes")]
    assert "/tmp:/mnt" in out["unsupported"][2]["reason"]
    assert "NET_ADMIN" in out["unsupported"][1]["reason"]


def test_default_bridge_legacy_links_ports_and_env():
    bweb, bcli = fixture("bweb"), fixture("bcli")
    out = tr.read_topology([bweb, bcli], images_for(bweb, bcli), [], "lab")
    web_entry, cli_entry = out["topology"]["containers"]
    assert "networks" not in web_entry and "networks" not in cli_entry
    assert web_entry["published_ports"] == ["127.0.0.1:47124:80/udp"]
    assert cli_entry["links"] == ["bweb:w2"]
    assert cli_entry["env"] == {"PATH": "/bin"}
    assert out["topology"]["networks"] == []


def test_link_to_a_container_not_read_is_listed():
    bcli = fixture("bcli")
    out = tr.read_topology([bcli], images_for(bcli), [], "lab")
    assert out["topology"]["containers"][0]["links"] == ["bweb:w2"]
    assert ("links", "bcli") in [(n["what"], n["name"]) for n in out["unsupported"]]


def test_networks_of_skips_the_default_bridge():
    assert tr.networks_of([fixture("web"), fixture("bcli"), fixture("client")]) == ["lab-lan"]


def test_name_without_the_lab_prefix_is_kept_and_listed():
    web = fixture("web")
    web["Name"] = "/other"
    entry, notes = tr.container_entry(web, IMAGE, {"lab-lan"}, "lab")
    assert entry["name"] == "other"
    assert notes[0]["what"] == "name" and "lab-other" in notes[0]["reason"]


def test_runtime_options_are_listed():
    web = fixture("web")
    web["HostConfig"].update(Privileged=True, Memory=1 << 20, RestartPolicy={"Name": "on-failure", "MaximumRetryCount": 3})
    web["Config"]["User"] = "nobody"
    web["State"]["Status"] = "exited"
    entry, notes = tr.container_entry(web, IMAGE, {"lab-lan"}, "lab")
    assert entry["restart_policy"] == "on-failure"
    assert [n["what"] for n in notes] == ["privileged", "memory", "user", "restart_policy", "state"]


def test_network_mode_host_and_addresses_on_other_networks():
    web = fixture("web")
    host = copy.deepcopy(web)
    host["HostConfig"]["NetworkMode"] = "host"
    host["NetworkSettings"]["Networks"] = {"host": {}}
    entry, notes = tr.container_entry(host, IMAGE, set(), "lab")
    assert "networks" not in entry and notes[0]["what"] == "network_mode"
    entry, notes = tr.container_entry(web, IMAGE, set(), "lab")
    assert entry["networks"] == [dict(name="lab-lan", aliases=["www"])]
    assert notes[0]["what"] == "networks.lab-lan.ipv4_address"


@pytest.mark.parametrize("spec", ["8080:80", "80", "127.0.0.1:8080:80/udp", "[::1]:8080:80", "127.0.0.1::80", "53:53/sctp"])
def test_port_text_round_trips(spec):
    (binding,) = parse_published_port(spec)
    assert tr.port_text(binding) == spec
    assert parse_published_port(tr.port_text(binding)) == [binding]


def test_adopted_topology_plans():
    web, client = fixture("web"), fixture("client")
    out = tr.read_topology([web, client], images_for(web, client), [fixture("lan")], "lab")
    plan = lab_plan(out["topology"], "lab", ["h1"], "labnet/box:latest")
    containers = {c["name"]: c for c in plan["hosts"]["h1"]["containers"]}
    assert containers["lab-client"]["links"] == ["lab-web:alias"]
    assert containers["lab-web"]["networks"][0]["ipv4_address"] == "10.177.9.20"
