# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole audit (bindings, rules, proxies, listeners) on real dumps of Docker 26.1.5 and 28.5.2.

Each dump (fixtures/engine-*/, see fixtures/README.md) is a healthy engine: the audit must find no
drift there, and exactly the fault made by editing the dump (a DNAT line removed, a proxy gone).
"""
from __future__ import annotations

import json
import os

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import engine_settings as es
from ansible_collections.labnet.docker.plugins.module_utils._portaudit import firewall_layout as fl
from ansible_collections.labnet.docker.plugins.module_utils._portaudit import nat_rules as nr
from ansible_collections.labnet.docker.plugins.module_utils._portaudit import port_drift as pd
from ansible_collections.labnet.docker.plugins.module_utils._portaudit import proc_sockets as ps
from ansible_collections.labnet.docker.plugins.module_utils._portaudit import published_ports as pp

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
DUMPS = ["engine-26.1.5", "engine-26.1.5-no-proxy", "engine-26.1.5-legacy", "engine-28.5.2", "engine-28.5.2-no-proxy",
         "engine-28.5.2-legacy"]
WITH_PROXY = [dump for dump in DUMPS if "no-proxy" not in dump]


def read(dump: str, name: str) -> str:
    with open(os.path.join(FIXTURES, dump, name)) as f:
        return f.read()


def without(text: str, *needles: str) -> str:
    """``text`` without the lines that hold every needle; fails when no line does."""
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not all(needle in line for needle in needles)]
    assert len(kept) == len(lines) - 1, "exactly one line holds %s" % (needles,)
    return "".join(kept)


class Dump:
    """One engine dump, read as port_forward_info reads a host."""

    def __init__(self, dump: str):
        self.dump = dump
        self.versions = read(dump, "versions.txt").splitlines()
        self.backend = "iptables-legacy" if "(legacy)" in self.versions[1] else "iptables-nft"
        self.v4 = read(dump, "iptables.save")
        self.v6 = read(dump, "ip6tables.save")
        self.processes = json.loads(read(dump, "processes.json"))
        self.version = json.loads(read(dump, "version.json"))["Version"]
        self.settings = es.merge_engine_settings(None, json.loads(self.versions[3]))

    def rules(self) -> list[dict]:
        return (nr.parse_iptables_dump(self.v4, self.backend, family=4)
                + nr.parse_iptables_dump(self.v6, self.backend, family=6))

    def chains(self) -> list[dict]:
        return [dict(backend=self.backend, family=family, table=table, chain=chain)
                for family, text in ((4, self.v4), (6, self.v6)) for table, chain in nr.declared_chains(text)]

    def engine(self) -> dict:
        return dict(version=self.version, userland_proxy=bool(self.settings["userland-proxy"]),
                    iptables=bool(self.settings["iptables"]), ip6tables=es.ip6tables_enabled(self.settings, self.version),
                    ip_forward=self.versions[4].strip() == "1")

    def audit(self, probes: dict | None = None) -> dict:
        containers = json.loads(read(self.dump, "containers.json"))
        bindings = pp.bindings_from_containers(containers, json.loads(read(self.dump, "networks.json")))
        sockets = [sock for name, proto, family in ps.PROC_NET_FILES
                   for sock in ps.parse_proc_net(read(self.dump, "proc-net-" + name), proto, family)]
        return pd.analyse_ports(bindings, nr.classify_rules(self.rules()), ps.find_proxies(self.processes),
                                ps.map_listeners(sockets, self.processes), self.engine(),
                                pp.container_addresses(containers), probes=probes, rule_sources=self.backend)


def problems(result: dict) -> list[tuple]:
    return sorted((d["problem"], d["container"], d["host_ip"], d["host_port"]) for d in result["drift"])


def port(result: dict, container: str, host_ip: str, host_port: int) -> dict:
    return next(p for p in result["ports"] if (p["container"], p["host_ip"], p["host_port"]) == (container, host_ip, host_port))


@pytest.mark.parametrize("dump", DUMPS)
def test_a_healthy_engine_has_no_drift(dump):
    result = Dump(dump).audit()
    assert result["drift"] == []
    assert {p["status"] for p in result["ports"]} == {"ok"}
    assert result["counts"]["ports"] == len(result["ports"]) >= 7


@pytest.mark.parametrize("dump", DUMPS)
def test_ipv6_bindings_of_dual_stack_containers_have_their_ip6tables_dnat(dump):
    result = Dump(dump).audit()
    for container, host_ip, host_port in (("web", "::", 8080), ("api", "::", 9000), ("api", "::1", 9443)):
        found = port(result, container, host_ip, host_port)
        assert found["container_ip"].startswith("fd00:6a:")
        assert found["dnat"].endswith("--to-destination [%s]:80" % found["container_ip"])
        assert found["masquerade"] and found["filter_accept"]
    # A dual-stack container's IPv4 binding keeps its IPv4 rule.
    assert port(result, "web", "0.0.0.0", 8080)["dnat"].endswith("--to-destination 172.17.0.2:80")


@pytest.mark.parametrize("dump", WITH_PROXY)
def test_an_ipv4_only_container_is_proxied_from_ipv6_without_nat(dump):
    old = port(Dump(dump).audit(), "old", "::", 9100)
    assert old["container_ip"] == "172.30.7.2" and old["dnat"] is None and old["status"] == "ok"
    assert old["proxy"] is not None and old["listener"]["process"] == "docker-proxy"


@pytest.mark.parametrize("dump", DUMPS)
def test_a_deleted_ipv4_dnat_rule_is_dnat_missing(dump):
    engine = Dump(dump)
    engine.v4 = without(engine.v4, "--dport 8080 ", "DNAT")
    result = engine.audit()
    assert problems(result) == [("dnat_missing", "web", "0.0.0.0", 8080)]
    assert "no IPv4 DNAT rule forwards tcp port 8080 to 172.17.0.2:80" in result["drift"][0]["message"]


@pytest.mark.parametrize("dump", DUMPS)
def test_a_deleted_ipv6_dnat_rule_is_dnat_missing(dump):
    engine = Dump(dump)
    engine.v6 = without(engine.v6, "--dport 9000 ", "DNAT")
    result = engine.audit()
    assert problems(result) == [("dnat_missing", "api", "::", 9000)]
    entry = result["drift"][0]
    assert entry["container_ip"] == "fd00:6a:2::2"
    assert "no IPv6 (ip6tables) DNAT rule forwards tcp port 9000 to [fd00:6a:2::2]:80" in entry["message"]
    # The IPv4 twin of the binding is untouched.
    assert port(result, "api", "0.0.0.0", 9000)["status"] == "ok"


@pytest.mark.parametrize("dump", WITH_PROXY)
def test_a_killed_ipv6_proxy_is_proxy_missing(dump):
    engine = Dump(dump)
    engine.processes = [p for p in engine.processes
                        if not (p["argv"][0].endswith("docker-proxy") and p["argv"][4:7] == ["::", "-host-port", "9000"])]
    result = engine.audit()
    assert problems(result) == [("proxy_missing", "api", "::", 9000)]


@pytest.mark.parametrize("dump", ["engine-28.5.2", "engine-28.5.2-legacy"])
def test_docker_28_proxies_get_their_socket_from_dockerd_and_still_count(dump):
    engine = Dump(dump)
    assert all("-use-listen-fd" in p["argv"] for p in ps.find_proxies(engine.processes))
    # dockerd made the socket; were it to hold it still, the proxy is named, and nothing is drift.
    dockerd = next(p for p in engine.processes if p["argv"][0] == "dockerd")
    proxy_inodes = [i for p in engine.processes if p["argv"][0].endswith("docker-proxy") for i in p["socket_inodes"]]
    dockerd["socket_inodes"] = dockerd["socket_inodes"] + proxy_inodes
    result = engine.audit()
    assert result["drift"] == []
    assert {p["listener"]["process"] for p in result["ports"] if p["proto"] == "tcp"} == {"docker-proxy"}


@pytest.mark.parametrize("dump", ["engine-26.1.5-no-proxy", "engine-28.5.2-no-proxy"])
def test_without_userland_proxy_no_proxy_is_expected(dump):
    result = Dump(dump).audit()
    assert result["counts"]["proxies"] == 0 and result["drift"] == []
    # Without a proxy, an IPv4-only container publishes no IPv6 binding at all.
    assert not [p for p in result["ports"] if p["container"] == "old" and p["host_ip"] == "::"]


# What the probes of web's [::]:8080 saw live in the engines scenario with userland-proxy off (Docker
# 28.5.2): no [::1] path, and the IPv6 gateway connected, with its ip6tables DNAT rule and without it.
NAT_PROBE_CONNECTED = {("web", "tcp", "::", 8080): dict(loopback=None, nat=True, nat_target="fd00:6a:1::1", nat_error=None)}


@pytest.mark.parametrize("dump", ["engine-26.1.5-no-proxy", "engine-28.5.2-no-proxy"])
def test_without_userland_proxy_a_probe_through_the_ipv6_dnat_rule_is_reachable(dump):
    web = port(Dump(dump).audit(NAT_PROBE_CONNECTED), "web", "::", 8080)
    assert web["status"] == "ok" and web["reachable"] == dict(loopback=None, nat=True)


@pytest.mark.parametrize("dump", ["engine-26.1.5-no-proxy", "engine-28.5.2-no-proxy"])
def test_without_userland_proxy_or_ipv6_dnat_rule_a_connected_probe_only_reached_dockerd(dump):
    # dockerd holds the listening socket of [::]:8080 and never accepts on it: with the ip6tables DNAT
    # rule deleted, the probe's connection lands there and waits. Nothing reaches the container.
    engine = Dump(dump)
    engine.v6 = without(engine.v6, "--dport 8080 ", "DNAT")
    result = engine.audit(NAT_PROBE_CONNECTED)
    assert problems(result) == [("dnat_missing", "web", "::", 8080), ("unreachable", "web", "::", 8080)]
    web = port(result, "web", "::", 8080)
    assert web["listener"]["process"] == "dockerd" and web["reachable"] == dict(loopback=None, nat=False)
    assert "dockerd's own socket" in result["drift"][1]["message"]


def test_a_connected_probe_with_a_docker_proxy_still_counts():
    engine = Dump("engine-28.5.2")
    engine.v6 = without(engine.v6, "--dport 8080 ", "DNAT")
    probes = {("web", "tcp", "::", 8080): dict(loopback=True, nat=True)}
    result = engine.audit(probes)
    assert problems(result) == [("dnat_missing", "web", "::", 8080)]
    assert port(result, "web", "::", 8080)["reachable"] == dict(loopback=True, nat=True)


def test_docker_28_without_userland_proxy_holds_the_port_in_dockerd():
    result = Dump("engine-28.5.2-no-proxy").audit()
    assert {p["listener"]["process"] for p in result["ports"] if p["proto"] == "tcp"} == {"dockerd"}


def test_docker_26_without_userland_proxy_holds_the_port_in_dockerd_too():
    result = Dump("engine-26.1.5-no-proxy").audit()
    assert {p["listener"]["process"] for p in result["ports"] if p["proto"] == "tcp"} == {"dockerd"}


@pytest.mark.parametrize(
    "dump, layout, chains",
    [
        ("engine-26.1.5", "docker-chain", {"DOCKER", "DOCKER-USER", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2"}),
        ("engine-28.5.2", "docker-forward", {"DOCKER", "DOCKER-USER", "DOCKER-FORWARD", "DOCKER-BRIDGE", "DOCKER-CT"}),
        ("engine-28.5.2-legacy", "docker-forward", {"DOCKER-FORWARD"}),
        ("engine-26.1.5-legacy", "docker-chain", {"DOCKER", "DOCKER-USER"}),
    ],
)
def test_layout_of_real_engines(dump, layout, chains):
    engine = Dump(dump)
    summary = fl.describe_layout(engine.rules(), engine.chains(), [engine.backend])
    assert summary["layout"] == layout
    assert chains <= set(summary["chains"])
    assert summary["ipv4_nat"] and summary["ipv6_nat"] and summary["docker_user"]
    assert summary["ipsets"] == [] and summary["backend"] == engine.backend


def test_docker_28_5_writes_an_internal_network_without_a_docker_internal_chain():
    """28.5.2 puts an internal network's rules in DOCKER-FORWARD and DOCKER-ISOLATION-STAGE-1 (other 28.x
    releases had a DOCKER-INTERNAL chain); the layout is the same, and the audit is not disturbed."""
    engine = Dump("engine-28.5.2")
    summary = fl.describe_layout(engine.rules(), engine.chains(), [engine.backend])
    assert "DOCKER-INTERNAL" not in summary["chains"] and summary["layout"] == "docker-forward"
    internal = [r for r in engine.rules() if r["src"] == "172.30.8.0/24"]
    assert [(r["chain"], r["target"], "src" in r["negated"]) for r in internal] == [("DOCKER-ISOLATION-STAGE-1", "DROP", True)]
    assert fl.layout_name(["DOCKER", "DOCKER-INTERNAL"], [], False) == "docker-forward"


def test_layout_without_ipv6_nat():
    engine = Dump("engine-28.5.2")
    summary = fl.describe_layout(nr.parse_iptables_dump(engine.v4, "iptables-nft"),
                                 [c for c in engine.chains() if c["family"] == 4], ["iptables-nft"])
    assert summary["ipv4_nat"] and not summary["ipv6_nat"]


def test_layout_of_docker_28_0_0_uses_the_ipset():
    with open(os.path.join(FIXTURES, "iptables-28.0.0.S")) as f:
        text = f.read()
    rules = nr.parse_iptables_dump(text, "iptables-nft")
    chains = [dict(backend="iptables-nft", family=4, table=t, chain=c) for t, c in nr.declared_chains(text)]
    summary = fl.describe_layout(rules, chains, ["iptables-nft"])
    assert summary["layout"] == "ipset" and summary["engines"] == "Docker 28.0.0"
    assert summary["ipsets"] == ["docker-ext-bridges-v4"]
    # The audit reads it by meaning all the same.
    binding = dict(container="web", container_id="w" * 12, network="bridge", network_driver="bridge", bridge="docker0",
                   container_ip="172.17.0.2", container_ipv6=None, container_ips=["172.17.0.2"], subnet="172.17.0.0/16",
                   subnet_v6=None, gateway="172.17.0.1", gateway_v6=None, container_port=80, proto="tcp",
                   host_ip="0.0.0.0", host_port=8080, nat=True, note=None)
    result = pd.analyse_ports([binding], nr.classify_rules(rules), [], [], dict(userland_proxy=False, iptables=True))
    assert result["drift"] == [] and result["ports"][0]["filter_accept"] and result["ports"][0]["masquerade"]


def test_layout_of_the_nftables_backend():
    with open(os.path.join(FIXTURES, "nftables-docker-bridges.json")) as f:
        rules = nr.parse_nft_ruleset(f.read())
    summary = fl.describe_layout(rules, [], ["nftables"])
    assert summary["layout"] == "nftables" and summary["ipv4_nat"] and not summary["ipv6_nat"]


def test_no_docker_rules_no_layout():
    summary = fl.describe_layout(nr.parse_iptables_dump("-A INPUT -j ACCEPT", "iptables-nft", "filter"), [], [])
    assert summary["layout"] is None and summary["engines"] is None and summary["backend"] is None


@pytest.mark.parametrize(
    "line",
    [
        "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",  # 1.8.9
        "-A DOCKER ! -i docker0 -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",  # no -m tcp
        "-A DOCKER -p tcp ! -i docker0 -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
        '-A DOCKER ! -i docker0 -p tcp -m comment --comment "labnet web" -m tcp --dport 8080 -j DNAT '
        "--to-destination 172.17.0.2:80",
        "-A DOCKER -i docker0 ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
    ],
)
def test_iptables_print_formats_read_the_same(line):
    rule = nr.parse_iptables_rule(line, "iptables-nft", "nat")
    assert (rule["proto"], rule["dport"], rule["to_ip"], rule["to_port"], rule["in_iface"]) == ("tcp", 8080, "172.17.0.2", 80, "docker0")
    assert "in_iface" in rule["negated"] and nr.is_docker_dnat(rule)


def test_ipv6_rules_of_ip6tables():
    rule = nr.parse_iptables_rule("-A DOCKER ! -s fe80::/10 -d ::1/128 ! -i br-1bf746002145 -p tcp -m tcp --dport 9443 "
                                  "-j DNAT --to-destination [fd00:6a:2::2]:80", "iptables-nft", "nat", family=6)
    assert (rule["family"], rule["src"], rule["dst"], rule["to_ip"], rule["to_port"]) == (6, "fe80::/10", "::1", "fd00:6a:2::2", 80)
    assert set(rule["negated"]) == {"src", "in_iface"}
    # A redirect to the loopback resolver is not a published port.
    assert not nr.is_docker_dnat(nr.parse_iptables_rule("-A DOCKER -p udp --dport 53 -j DNAT --to-destination [::1]:53",
                                                        "iptables-nft", "nat", family=6))


def test_declared_chains_of_save_and_minus_s_output():
    assert ("filter", "DOCKER-USER") in nr.declared_chains(read("engine-28.5.2", "iptables.save"))
    assert ("filter", "INPUT") not in nr.declared_chains(read("engine-28.5.2", "iptables.save"))
    assert nr.declared_chains("-P INPUT ACCEPT\n-N DOCKER\n", "nat") == [("nat", "DOCKER")]
