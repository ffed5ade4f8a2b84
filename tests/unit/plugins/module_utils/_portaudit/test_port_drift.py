# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os
import time

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import nat_rules as nr
from ansible_collections.labnet.docker.plugins.module_utils._portaudit import port_drift as pd

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
ENGINE = dict(userland_proxy=True, iptables=True, ip_forward=True)


def fixture_rules(name="iptables-20.10.save"):
    with open(os.path.join(FIXTURES, name)) as f:
        return nr.classify_rules(nr.parse_iptables_dump(f.read(), "iptables-nft"))


def binding(host_port=8080, container_port=80, ip="172.17.0.2", host_ip="0.0.0.0", proto="tcp", name="web",
            nat=True, bridge="docker0", subnet="172.17.0.0/16"):
    return dict(container=name, container_id=(name * 12)[:12], network="bridge", network_driver="bridge" if nat else "macvlan",
                bridge=bridge if nat else None, container_ip=ip, container_ips=[ip], subnet=subnet, gateway="172.17.0.1",
                container_port=container_port, proto=proto, host_ip=host_ip, host_port=host_port, nat=nat,
                note=None if nat else "no NAT on macvlan")


def proxy(b, pid=500):
    return dict(pid=pid, proto=b["proto"], host_ip=b["host_ip"], host_port=b["host_port"],
                container_ip=b["container_ip"], container_port=b["container_port"])


def listener(b, pid=500, process="docker-proxy"):
    return dict(proto=b["proto"], family=4, address=b["host_ip"], port=b["host_port"], inode=1, pid=pid, process=process)


WEB = binding()
DNS = binding(5353, 53, host_ip="127.0.0.1", proto="udp")
API = binding(9000, 9000, ip="172.18.0.2", name="api", bridge="br-5e1a0c3d9f20", subnet="172.18.0.0/16")
ALL = [WEB, DNS, API]


def healthy(bindings=None, rules=None, engine=None, **kw):
    """Every binding with its rule, proxy and listener: what a healthy engine shows."""
    bindings = ALL if bindings is None else bindings
    return pd.analyse_ports(bindings, rules or fixture_rules(), [proxy(b, 500 + i) for i, b in enumerate(bindings)],
                            [listener(b, 500 + i) for i, b in enumerate(bindings)], engine or ENGINE, **kw)


def problems(result):
    return sorted((d["problem"], d["container"], d["host_port"]) for d in result["drift"])


@pytest.mark.parametrize("layout", ["iptables-20.10.save", "iptables-28.x.save"])
def test_healthy_ports_are_clean_in_every_iptables_layout(layout):
    result = healthy(rules=fixture_rules(layout))
    assert result["drift"] == []
    assert [p["status"] for p in result["ports"]] == ["ok", "ok", "ok"]
    web = result["ports"][0]
    assert web["dnat"].endswith("--dport 8080 -j DNAT --to-destination 172.17.0.2:80")
    assert web["masquerade"] and web["filter_accept"] and web["proxy"] == 500
    assert web["listener"] == {"pid": 500, "process": "docker-proxy", "address": "0.0.0.0"}
    assert result["counts"]["ports_ok"] == 3 and result["counts"]["dnat_rules"] == 3


def test_hairpin_differs_between_20_10_and_28():
    assert healthy(rules=fixture_rules("iptables-20.10.save"))["ports"][0]["hairpin"] is True
    assert healthy(rules=fixture_rules("iptables-28.x.save"))["ports"][0]["hairpin"] is False


def test_nftables_backend_layout():
    with open(os.path.join(FIXTURES, "nftables-docker-bridges.json")) as f:
        rules = nr.classify_rules(nr.parse_nft_ruleset(f.read()))
    result = healthy([WEB, DNS], rules=rules, container_addresses={"172.17.0.2"})
    assert [p["status"] for p in result["ports"]] == ["ok", "ok"]
    assert result["ports"][0]["dnat_backend"] == "nftables"
    assert result["ports"][0]["masquerade"] and result["ports"][0]["filter_accept"] and result["ports"][0]["hairpin"]
    # The fixture holds one rule to 172.17.0.9, which no container holds.
    assert problems(result) == [("stale_dnat", None, 9090)]


def test_killed_proxy_is_proxy_missing_and_nat_still_carries():
    proxies = [proxy(DNS, 501), proxy(API, 502)]
    result = pd.analyse_ports(ALL, fixture_rules(), proxies, [listener(DNS, 501), listener(API, 502)], ENGINE)
    assert problems(result) == [("proxy_missing", "web", 8080)]
    assert "other hosts still get through by the DNAT rule" in result["drift"][0]["message"]
    assert result["ports"][0]["status"] == "drift" and result["ports"][0]["problems"] == ["proxy_missing"]


def test_deleted_dnat_rule_is_dnat_missing():
    rules = fixture_rules()
    rules["dnat"] = [r for r in rules["dnat"] if r["dport"] != 8080]
    result = healthy(rules=rules)
    assert problems(result) == [("dnat_missing", "web", 8080)]
    assert "172.17.0.2:80" in result["drift"][0]["message"]


def test_rule_to_another_address_does_not_count():
    moved = binding(ip="172.17.0.7")
    result = healthy([moved, API], container_addresses={"172.17.0.7", "172.18.0.2"})
    assert problems(result) == [("dnat_missing", "web", 8080), ("stale_dnat", None, 5353), ("stale_dnat", None, 8080)]


def test_stale_dnat_to_dead_address():
    rules = fixture_rules()
    rules["dnat"].append(nr.parse_iptables_rule("-A DOCKER -p tcp -m tcp --dport 18182 -j DNAT --to-destination 10.254.0.9:80",
                                                "iptables-nft", "nat"))
    result = healthy(rules=rules)
    assert problems(result) == [("stale_dnat", None, 18182)]
    entry = result["drift"][0]
    assert entry["container_ip"] == "10.254.0.9" and entry["rule"].startswith("-A DOCKER")


def test_embedded_dns_redirect_is_not_a_port_forward():
    # What the outer engine writes into a nested lab host's namespace on a user-defined network.
    rules = fixture_rules()
    for line in ("-A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:43417",
                 "-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:51234"):
        rules["dnat"].append(nr.parse_iptables_rule(line, "iptables-nft", "nat"))
    rules["dnat"] = [rule for rule in rules["dnat"] if nr.is_docker_dnat(rule)]
    assert problems(healthy(rules=rules)) == []


def test_orphan_proxy():
    stray = dict(pid=777, proto="tcp", host_ip="0.0.0.0", host_port=7000, container_ip="172.17.0.99", container_port=80)
    result = pd.analyse_ports(ALL, fixture_rules(), [proxy(b, 500 + i) for i, b in enumerate(ALL)] + [stray],
                              [listener(b, 500 + i) for i, b in enumerate(ALL)], ENGINE)
    assert problems(result) == [("orphan_proxy", None, 7000)]
    assert result["drift"][0]["pid"] == 777 and "kill 777" in result["drift"][0]["message"]


def test_selection_limits_ports_and_host_wide_findings():
    stray = dict(pid=777, proto="tcp", host_ip="0.0.0.0", host_port=7000, container_ip="172.17.0.99", container_port=80)
    rules = fixture_rules()
    rules["dnat"].append(nr.parse_iptables_rule("-A DOCKER -p tcp -m tcp --dport 9000 -j DNAT --to-destination 10.254.0.9:80",
                                                "iptables-nft", "nat"))
    result = pd.analyse_ports(ALL, rules, [proxy(b, 500 + i) for i, b in enumerate(ALL)] + [stray],
                              [listener(b, 500 + i) for i, b in enumerate(ALL)], ENGINE, selected=["api"])
    assert [p["container"] for p in result["ports"]] == ["api"]
    # The stale rule on api's host port is reported; the stray proxy on port 7000 is not api's business.
    assert problems(result) == [("stale_dnat", None, 9000)]


def test_listener_missing_when_proxy_runs_but_nothing_listens():
    result = pd.analyse_ports([WEB], fixture_rules(), [proxy(WEB)], [], ENGINE, container_addresses={"172.17.0.2", "172.18.0.2"})
    assert problems(result) == [("listener_missing", "web", 8080)]


def test_ipv4_binding_does_not_take_an_ipv6_listener():
    v6 = dict(listener(WEB), address="::", family=6)
    result = pd.analyse_ports([WEB], fixture_rules(), [proxy(WEB)], [v6], ENGINE, container_addresses={"172.17.0.2", "172.18.0.2"})
    assert result["ports"][0]["listener"] is None


def test_no_userland_proxy_expects_no_proxy():
    engine = dict(ENGINE, userland_proxy=False)
    result = pd.analyse_ports(ALL, fixture_rules(), [], [listener(b, 100, "dockerd") for b in ALL], engine)
    assert result["drift"] == []
    assert result["ports"][0]["listener"]["process"] == "dockerd"


def test_iptables_off_expects_no_rules():
    engine = dict(ENGINE, iptables=False)
    rules = nr.classify_rules([])
    result = healthy(rules=rules, engine=engine)
    assert result["drift"] == []


def test_ip_forward_off():
    result = healthy(engine=dict(ENGINE, ip_forward=False))
    assert problems(result) == [("ip_forward_off", None, None)]


def test_macvlan_binding_is_no_nat_not_drift():
    lan = binding(18097, 80, ip="10.232.9.2", name="lan", nat=False)
    result = pd.analyse_ports([lan], fixture_rules(), [], [], ENGINE, container_addresses={"172.17.0.2", "172.18.0.2"})
    assert result["drift"] == []
    assert result["ports"][0]["status"] == "no_nat" and result["ports"][0]["note"]
    assert result["counts"]["ports_without_nat"] == 1


def test_ipv6_binding_checks_proxy_only():
    v6 = binding(host_ip="::")
    result = pd.analyse_ports([v6], fixture_rules(), [proxy(v6)], [dict(listener(v6), family=6)], ENGINE,
                              container_addresses={"172.17.0.2", "172.18.0.2"})
    assert result["drift"] == [] and result["ports"][0]["dnat"] is None


def test_probe_results_and_unreachable():
    probes = {pd.binding_key(WEB): dict(loopback=False, nat=False, loopback_target="127.0.0.1",
                                        loopback_error="Connection refused", nat_target="172.17.0.1",
                                        nat_error="no answer within 2.0s")}
    result = healthy(probes=probes)
    assert problems(result) == [("unreachable", "web", 8080)]
    assert "127.0.0.1 (Connection refused)" in result["drift"][0]["message"]
    assert result["ports"][0]["reachable"] == {"loopback": False, "nat": False}
    assert result["ports"][1]["reachable"] is None  # not probed
    one_path = {pd.binding_key(WEB): dict(loopback=False, nat=True, loopback_target="127.0.0.1", loopback_error="refused")}
    assert healthy(probes=one_path)["drift"] == []


def test_counts_by_problem_has_every_code():
    counts = healthy(engine=dict(ENGINE, ip_forward=False))["counts"]
    assert set(counts["by_problem"]) == set(pd.PROBLEMS)
    assert counts["by_problem"]["ip_forward_off"] == 1 and counts["drift"] == 1


def synthetic_host(n):
    """n published ports on n containers, with rules, proxies and listeners as Docker makes them."""
    bindings, rules, proxies, listeners = [], [], [], []
    for i in range(n):
        ip = "172.%d.%d.%d" % (20 + i // 65000, (i // 250) % 250, 2 + i % 250)
        b = binding(20000 + i, 80, ip=ip, name="c%d" % i)
        bindings.append(b)
        rules.append("-A DOCKER ! -i docker0 -p tcp -m tcp --dport %d -j DNAT --to-destination %s:80" % (20000 + i, ip))
        rules.append("-A POSTROUTING -s %s/32 -d %s/32 -p tcp -m tcp --dport 80 -j MASQUERADE" % (ip, ip))
        proxies.append(proxy(b, 10000 + i))
        listeners.append(listener(b, 10000 + i))
    rules.append("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE")
    nat = nr.parse_iptables_dump("\n".join(rules), "iptables-nft", "nat")
    return bindings, nr.classify_rules(nat), proxies, listeners


def test_thousand_ports_are_analysed_well_under_a_second():
    bindings, rules, proxies, listeners = synthetic_host(1000)
    # CPU time of this process: other work on a shared machine does not count against the analysis.
    started = time.process_time()
    result = pd.analyse_ports(bindings, rules, proxies, listeners, ENGINE)
    elapsed = time.process_time() - started
    assert result["counts"]["ports_ok"] == 1000 and result["drift"] == []
    assert elapsed < 0.25, "analysis of 1000 ports took %.3fs of CPU" % elapsed


def test_rule_dumps_of_a_thousand_ports_parse_fast():
    lines = []
    for i in range(1000):
        ip = "172.20.%d.%d" % (i // 250, 2 + i % 250)
        lines.append("-A DOCKER ! -i docker0 -p tcp -m tcp --dport %d -j DNAT --to-destination %s:80" % (20000 + i, ip))
        lines.append("-A POSTROUTING -s %s/32 -d %s/32 -p tcp -m tcp --dport 80 -j MASQUERADE" % (ip, ip))
        lines.append("-A DOCKER -d %s/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT" % ip)
    started = time.process_time()
    classified = nr.classify_rules(nr.parse_iptables_dump("\n".join(lines), "iptables-nft", "nat"))
    elapsed = time.process_time() - started
    assert len(classified["dnat"]) == 1000
    assert elapsed < 0.25, "parsing 3000 rules took %.3fs of CPU" % elapsed
