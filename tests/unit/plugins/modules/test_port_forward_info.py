# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os
from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import nat_rules
from ansible_collections.labnet.docker.plugins.modules import port_forward_info
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "module_utils", "_portaudit", "fixtures")
NAT_DUMP = open(os.path.join(FIXTURES, "iptables-20.10.save")).read()

BRIDGE = {"Id": "9f89193af029", "Name": "bridge", "Driver": "bridge", "Options": {"com.docker.network.bridge.name": "docker0"}}
WEB = {
    "Id": "7c95bed71e3f" + "0" * 52,
    "Names": ["/web"],
    "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}],
    "HostConfig": {"NetworkMode": "default"},
    "NetworkSettings": {"Networks": {"bridge": {"NetworkID": "9f89193af029", "IPAddress": "172.17.0.2",
                                                "IPPrefixLen": 16, "Gateway": "172.17.0.1"}}},
}
PROXY_ARGV = ["/usr/sbin/docker-proxy", "-proto", "tcp", "-host-ip", "0.0.0.0", "-host-port", "8080",
              "-container-ip", "172.17.0.2", "-container-port", "80"]


def table_of(dump, table):
    return "\n".join(line for line in dump.split("*%s" % table, 1)[1].split("COMMIT", 1)[0].splitlines()
                     if line.startswith("-A"))


class Host:
    """The managed host's commands and /proc, as the module sees them: records every command."""

    def __init__(self, legacy_filter="", with_proxy=True, ip6_nat=None):
        self.calls = []
        self.ip6_nat = ip6_nat  # ip6tables-nft -t nat -S output; None: no ip6tables on the host
        self.warnings = []
        self.outputs = {
            ("/usr/sbin/iptables-nft", "-w", "5", "-t", "nat", "-S"): (0, table_of(NAT_DUMP, "nat"), ""),
            ("/usr/sbin/iptables-nft", "-w", "5", "-t", "filter", "-S"): (0, table_of(NAT_DUMP, "filter"), ""),
            ("/usr/sbin/iptables-legacy", "-w", "5", "-t", "nat", "-S"): (0, "-P PREROUTING ACCEPT\n", ""),
            ("/usr/sbin/iptables-legacy", "-w", "5", "-t", "filter", "-S"): (0, legacy_filter, ""),
            ("/usr/sbin/nft", "-j", "list", "ruleset"): (0, '{"nftables": []}', ""),
            ("/usr/sbin/ip6tables-nft", "-w", "5", "-t", "nat", "-S"): (0, ip6_nat or "", ""),
            ("/usr/sbin/ip6tables-nft", "-w", "5", "-t", "filter", "-S"): (0, "-P INPUT ACCEPT\n", ""),
            ("/usr/sbin/ip6tables-legacy", "-w", "5", "-t", "nat", "-S"): (0, "", ""),
            ("/usr/sbin/ip6tables-legacy", "-w", "5", "-t", "filter", "-S"): (0, "", ""),
        }
        proxies = [dict(pid=500, argv=PROXY_ARGV, proto="tcp", host_ip="0.0.0.0", host_port=8080,
                        container_ip="172.17.0.2", container_port=80)] if with_proxy else []
        listeners = [dict(proto="tcp", family=4, address="0.0.0.0", port=8080, inode=9, pid=500,
                          process="docker-proxy")] if with_proxy else []
        self.proc = dict(proxies=proxies, listeners=listeners)

    def install(self, monkeypatch, client):
        host = self

        def run_command(module, argv, environ_update=None, expand_user_and_vars=True, **kw):
            host.calls.append(list(argv))
            return host.outputs[tuple(argv)]

        commands = ("iptables-nft", "iptables-legacy", "nft")
        if host.ip6_nat is not None:
            commands += ("ip6tables-nft", "ip6tables-legacy")

        def get_bin_path(module, name, required=False, opt_dirs=None):
            return "/usr/sbin/%s" % name if name in commands else None

        monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
        # The simulated host has the legacy nat and filter tables (the machine running the tests
        # may not have ip_tables loaded at all).
        monkeypatch.setattr(nat_rules, "legacy_tables", lambda proc_root="/proc", family=4: {"nat", "filter"})
        monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", get_bin_path)
        monkeypatch.setattr(basic.AnsibleModule, "warn", lambda module, msg: host.warnings.append(msg))
        monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._docker.client.make_docker_client",
                            lambda url, timeout: client)
        monkeypatch.setattr(port_forward_info, "read_proc", lambda proxy_names: host.proc)
        monkeypatch.setattr(port_forward_info, "read_sysctl", lambda name: {"net.ipv4.ip_forward": "1"}.get(name, "0"))
        monkeypatch.setattr(port_forward_info, "engine_settings", lambda docker_host: {
            "userland-proxy": True, "iptables": True, "source": "cmdline+daemon.json", "pid": 100,
            "config-file": "/etc/docker/daemon.json", "userland-proxy-path": None,
            "ip6tables": True if host.ip6_nat is not None else None})


def make_client(containers=(WEB,)):
    client = mock.Mock()
    client.version.return_value = {"Version": "20.10.24+dfsg1", "ApiVersion": "1.41"}
    client.api.containers.return_value = list(containers)
    client.api.networks.return_value = [BRIDGE]
    return client


def test_healthy_port_in_check_mode_reads_only(monkeypatch):
    host, client = Host(), make_client()
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"_ansible_check_mode": True, "containers": ["web"]}, monkeypatch)
    assert isinstance(result, ModuleExit)
    out = result.result
    assert out["changed"] is False
    assert out["drift"] == []
    assert out["engine"]["backend"] == "iptables-nft" and out["engine"]["userland_proxy"] is True
    assert out["engine"]["route_localnet"] == {"docker0": False}
    port = out["ports"][0]
    assert (port["container"], port["host_port"], port["proxy"], port["status"]) == ("web", 8080, 500, "ok")
    assert port["dnat"] == "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"
    assert out["counts"]["ports"] == 1 and out["counts"]["drift"] == 0
    # Only reads: every iptables call lists with -S and the wait flag; nft only lists.
    for call in host.calls:
        assert ("-S" in call and "-w" in call) or call[1:] == ["-j", "list", "ruleset"]
    client.api.inspect_container.assert_not_called()
    assert host.warnings == []


def test_fail_on_drift_lists_the_drift(monkeypatch):
    host, client = Host(with_proxy=False), make_client()
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"fail_on_drift": True, "containers": ["web"]}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("1 port forwarding problem(s) found: proxy_missing: Container web publishes")
    assert [d["problem"] for d in result.result["drift"]] == ["proxy_missing"]
    assert result.result["ports"][0]["status"] == "drift"


def test_drift_without_fail_on_drift_succeeds(monkeypatch):
    host, client = Host(with_proxy=False), make_client()
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {}, monkeypatch)
    assert isinstance(result, ModuleExit)
    by_problem = result.result["counts"]["by_problem"]
    assert by_problem["proxy_missing"] == 1
    # Without a container filter, the dump's rule to 172.18.0.2 (no such container here) is stale.
    assert by_problem["stale_dnat"] == 1
    stale = [d for d in result.result["drift"] if d["problem"] == "stale_dnat"][0]
    assert (stale["host_port"], stale["container_ip"]) == (9000, "172.18.0.2")


def test_unknown_container_fails_naming_the_running_ones(monkeypatch):
    host, client = Host(), make_client()
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"containers": ["nosuch"]}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "containers: no running container" in result.result["msg"]
    assert "'nosuch'" in result.result["msg"] and "Running containers: web" in result.result["msg"]
    assert host.calls == []  # failed before reading the kernel


def test_missing_netns_fails_before_anything_is_read(monkeypatch):
    host, client = Host(), make_client()
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"netns": "lbt-no-such-ns"}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("netns: Network namespace 'lbt-no-such-ns' does not exist")
    client.version.assert_not_called()


@pytest.mark.parametrize("timeout", [0, -1.5])
def test_probe_timeout_must_be_positive(monkeypatch, timeout):
    host, client = Host(), make_client()
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"probe": True, "probe_timeout": timeout}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "probe_timeout must be more than 0 seconds, got %s" % float(timeout) in result.result["msg"]


def test_mixed_backends_warn(monkeypatch):
    host, client = Host(legacy_filter="-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"), make_client()
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {}, monkeypatch)
    assert isinstance(result, ModuleExit)
    assert result.result["engine"]["backends"]["iptables-legacy"] == 1
    assert len(host.warnings) == 1
    assert "more than one backend: iptables-nft (" in host.warnings[0] and "iptables-legacy (1 rules)" in host.warnings[0]


def test_engine_error_names_the_engine(monkeypatch):
    from ansible_collections.labnet.docker.plugins.module_utils._docker.client import APIError

    host, client = Host(), make_client()
    client.api.containers.side_effect = APIError("boom", explanation="permission denied")
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"docker_host": "unix:///t.sock"}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"] == (
        "Could not read the containers and networks of the Docker engine at unix:///t.sock: permission denied")


def test_a_container_that_stops_during_the_read_is_left_out(monkeypatch):
    gone = dict(WEB, Id="a" * 64, Names=["/gone"],
                Ports=[{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8181, "Type": "tcp"}])
    host, client = Host(), make_client()
    client.api.containers.side_effect = [[WEB, gone], [WEB]]  # before and after the kernel was read
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {}, monkeypatch)
    assert isinstance(result, ModuleExit)
    assert [p["container"] for p in result.result["ports"]] == ["web"]
    # 'gone' has no rule and no proxy any more: that is not drift.
    assert [d["problem"] for d in result.result["drift"]] == ["stale_dnat"]  # the fixture's 172.18.0.2 rule


def test_netns_is_entered_after_the_engine_and_before_the_kernel_is_read(monkeypatch, tmp_path):
    ns_file = tmp_path / "lbtns"
    ns_file.write_text("")
    host, client = Host(), make_client()
    host.install(monkeypatch, client)
    events = []
    client.api.networks.side_effect = lambda: events.append("engine") or [BRIDGE]
    monkeypatch.setattr(port_forward_info, "enter_netns", lambda path: events.append(("netns", path)))
    original = basic.AnsibleModule.run_command

    def run_command(module, argv, **kw):
        events.append("kernel")
        return original(module, argv, **kw)

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    result = run_module(port_forward_info.main, {"netns": str(ns_file), "docker_host": "unix:///run/lbtns/docker.sock"},
                        monkeypatch)
    assert isinstance(result, ModuleExit)
    assert result.result["engine"]["netns"] == str(ns_file)
    assert events[:3] == ["engine", ("netns", str(ns_file)), "kernel"]


def test_netns_that_cannot_be_entered_fails_clearly(monkeypatch, tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("")
    host, client = Host(), make_client()
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"netns": str(plain)}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("netns: could not enter the network namespace %r: setns(%s)" % (str(plain), plain))
    assert host.calls == []


def test_a_container_removed_between_list_and_inspect_is_skipped(monkeypatch):
    from ansible_collections.labnet.docker.plugins.module_utils._docker.client import NotFound

    lan = dict(WEB, Id="b" * 64, Names=["/lan"], Ports=[], HostConfig={"NetworkMode": "lan"},
               NetworkSettings={"Networks": {"lan": {"NetworkID": "m1", "IPAddress": "10.1.2.3", "IPPrefixLen": 24}}})
    host, client = Host(), make_client([WEB, lan])
    client.api.containers.side_effect = [[WEB, lan], [WEB]]
    client.api.inspect_container.side_effect = NotFound("No such container")
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"containers": ["web"]}, monkeypatch)
    assert isinstance(result, ModuleExit)
    client.api.inspect_container.assert_called_once_with("b" * 64)
    assert [p["container"] for p in result.result["ports"]] == ["web"]


def test_an_engine_that_stops_answering_fails_cleanly(monkeypatch):
    from requests.exceptions import ReadTimeout

    host, client = Host(), make_client()
    client.api.networks.side_effect = ReadTimeout("UnixHTTPConnectionPool(host='localhost', port=None): Read timed out.")
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"docker_host": "unix:///t.sock", "timeout": 3}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"] == (
        "Could not read the containers and networks of the Docker engine at unix:///t.sock: "
        "UnixHTTPConnectionPool(host='localhost', port=None): Read timed out.")


IP6_NAT = "\n".join([
    "-P PREROUTING ACCEPT", "-N DOCKER",
    "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
    "-A OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -j DOCKER",
    "-A POSTROUTING -s fd00:6a:1::/64 ! -o docker0 -j MASQUERADE",
    "-A DOCKER -i docker0 -j RETURN",
    "-A DOCKER ! -s fe80::/10 ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:6a:1::2]:80",
]) + "\n"
WEB6 = dict(WEB, Ports=WEB["Ports"] + [{"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}],
            NetworkSettings={"Networks": {"bridge": dict(WEB["NetworkSettings"]["Networks"]["bridge"],
                                                         GlobalIPv6Address="fd00:6a:1::2", GlobalIPv6PrefixLen=64,
                                                         IPv6Gateway="fd00:6a:1::1")}})
PROXY6_ARGV = ["/usr/sbin/docker-proxy", "-proto", "tcp", "-host-ip", "::", "-host-port", "8080",
               "-container-ip", "fd00:6a:1::2", "-container-port", "80", "-use-listen-fd"]


def ipv6_host(ip6_nat=IP6_NAT):
    host = Host(ip6_nat=ip6_nat)
    host.proc["proxies"].append(dict(pid=501, argv=PROXY6_ARGV, proto="tcp", host_ip="::", host_port=8080,
                                     container_ip="fd00:6a:1::2", container_port=80))
    host.proc["listeners"].append(dict(proto="tcp", family=6, address="::", port=8080, inode=10, pid=501,
                                       process="docker-proxy"))
    return host


def test_ipv6_binding_is_audited_against_ip6tables_nat(monkeypatch):
    host, client = ipv6_host(), make_client([WEB6])
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"containers": ["web"], "_ansible_check_mode": True}, monkeypatch)
    assert isinstance(result, ModuleExit)
    out = result.result
    assert out["drift"] == [] and out["engine"]["ip6tables"] is True
    v6 = [p for p in out["ports"] if p["host_ip"] == "::"][0]
    assert (v6["container_ip"], v6["proxy"], v6["status"]) == ("fd00:6a:1::2", 501, "ok")
    assert v6["dnat"].endswith("--to-destination [fd00:6a:1::2]:80") and v6["masquerade"]
    assert ["/usr/sbin/ip6tables-nft", "-w", "5", "-t", "nat", "-S"] in host.calls
    assert out["firewall_layout"]["ipv6_nat"] is True and out["firewall_layout"]["layout"] == "docker-chain"
    assert out["firewall_layout"]["backends"] == ["iptables-nft"]
    assert host.warnings == []  # IPv4 and IPv6 rules of one backend are not two backends


def test_a_deleted_ipv6_dnat_rule_is_dnat_missing(monkeypatch):
    host, client = ipv6_host("\n".join(IP6_NAT.splitlines()[:-1])), make_client([WEB6])
    host.install(monkeypatch, client)
    result = run_module(port_forward_info.main, {"containers": ["web"]}, monkeypatch)
    drift = result.result["drift"]
    assert [(d["problem"], d["host_ip"], d["container_ip"]) for d in drift] == [("dnat_missing", "::", "fd00:6a:1::2")]
    assert "IPv6 (ip6tables)" in drift[0]["message"]
