# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import published_ports as pp

BRIDGE = {"Id": "9f89193af029f7560702", "Name": "bridge", "Driver": "bridge",
          "Options": {"com.docker.network.bridge.name": "docker0"}}
USER_NET = {"Id": "5e1a0c3d9f20aaaabbbb", "Name": "api", "Driver": "bridge", "Options": {}}
MACVLAN = {"Id": "578d6562bc284cbf82e7", "Name": "lan", "Driver": "macvlan", "Options": {"parent": "eth1"}}


def summary(name, ports, networks, mode="default", cid=None):
    return {
        "Id": cid or (name * 12)[:64],
        "Names": ["/" + name],
        "Ports": ports,
        "HostConfig": {"NetworkMode": mode},
        "NetworkSettings": {"Networks": networks},
    }


def endpoint(network, ip, prefix, gateway):
    return {"NetworkID": network["Id"], "IPAddress": ip, "IPPrefixLen": prefix, "Gateway": gateway}


WEB = summary(
    "web",
    [
        {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"IP": "127.0.0.1", "PrivatePort": 53, "PublicPort": 5353, "Type": "udp"},
        {"PrivatePort": 443, "Type": "tcp"},  # exposed only
    ],
    {"bridge": endpoint(BRIDGE, "172.17.0.2", 16, "172.17.0.1")},
)
LAN = summary("lan", [], {"lan": endpoint(MACVLAN, "10.232.9.2", 24, "10.232.9.1")}, mode="lan")


def test_bindings_of_a_bridge_container():
    bindings = pp.bindings_from_containers([WEB], [BRIDGE])
    assert [(b["proto"], b["host_ip"], b["host_port"], b["container_port"]) for b in bindings] == [
        ("tcp", "0.0.0.0", 8080, 80), ("tcp", "::", 8080, 80), ("udp", "127.0.0.1", 5353, 53)]
    first = bindings[0]
    assert first["nat"] is True and first["note"] is None
    assert (first["container"], first["container_ip"], first["subnet"], first["gateway"], first["bridge"]) == (
        "web", "172.17.0.2", "172.17.0.0/16", "172.17.0.1", "docker0")


def test_user_bridge_gets_br_name():
    api = summary("api", [{"IP": "0.0.0.0", "PrivatePort": 9000, "PublicPort": 9000, "Type": "tcp"}],
                  {"api": endpoint(USER_NET, "172.18.0.2", 16, "172.18.0.1")}, mode="api")
    assert pp.bindings_from_containers([api], [USER_NET])[0]["bridge"] == "br-5e1a0c3d9f20"


def test_macvlan_bindings_come_from_inspect_and_get_no_nat():
    assert pp.needs_inspect(LAN) is True
    assert pp.needs_inspect(WEB) is False
    inspected = {LAN["Id"]: {"HostConfig": {"PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "18097"}]}}}}
    bindings = pp.bindings_from_containers([LAN], [MACVLAN], inspected)
    assert len(bindings) == 1
    lan = bindings[0]
    assert (lan["nat"], lan["host_ip"], lan["host_port"], lan["network_driver"]) == (False, "0.0.0.0", 18097, "macvlan")
    assert "macvlan" in lan["note"] and "10.232.9.2" in lan["note"]


def test_bridge_network_is_preferred_over_macvlan():
    both = summary("both", [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8081, "Type": "tcp"}],
                   {"a-lan": endpoint(MACVLAN, "10.232.9.3", 24, "10.232.9.1"),
                    "bridge": endpoint(BRIDGE, "172.17.0.3", 16, "172.17.0.1")})
    binding = pp.bindings_from_containers([both], [BRIDGE, MACVLAN])[0]
    assert (binding["network"], binding["container_ip"], binding["nat"]) == ("bridge", "172.17.0.3", True)
    assert sorted(binding["container_ips"]) == ["10.232.9.3", "172.17.0.3"]


@pytest.mark.parametrize("mode", ["host", "none", "container:abc"])
def test_no_inspect_for_host_none_or_shared_network(mode):
    assert pp.needs_inspect(summary("x", [], {}, mode=mode)) is False


def test_container_addresses_and_selection():
    assert pp.container_addresses([WEB, LAN]) == {"172.17.0.2", "10.232.9.2"}
    binding = pp.bindings_from_containers([WEB], [BRIDGE])[0]
    assert pp.is_selected(binding, None)
    assert pp.is_selected(binding, ["web"])
    assert pp.is_selected(binding, [WEB["Id"]])  # a full id
    assert pp.is_selected(binding, [WEB["Id"][:6]])
    assert not pp.is_selected(binding, ["we"])  # a prefix of a name is not the name
    assert not pp.is_selected(binding, ["api"])


def test_link_aliases_are_not_the_name():
    linked = dict(WEB, Names=["/client/website", "/website"])
    assert pp.container_name(linked) == "website"
