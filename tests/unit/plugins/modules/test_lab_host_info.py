# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

from unittest import mock

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import nat_rules as nr
from ansible_collections.labnet.docker.plugins.modules import lab_host_info
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module


RULES = dict(
    rules=nr.parse_iptables_dump("-A FORWARD -j DOCKER-FORWARD\n-A DOCKER-FORWARD -j DOCKER-CT", "iptables-nft", "filter")
    + nr.parse_iptables_dump("-A DOCKER -p tcp --dport 80 -j DNAT --to-destination [fd00::2]:80", "iptables-nft", "nat", 6),
    chains=[dict(backend="iptables-nft", family=4, table="filter", chain="DOCKER-USER"),
            dict(backend="iptables-nft", family=4, table="nat", chain="DOCKER")],
    backends={"iptables-nft": 3}, docker_backends=["iptables-nft"], problems=[])


def test_reports_engine_facts_and_never_changes(monkeypatch):
    client = mock.Mock()
    client.version.return_value = {"Version": "20.10.24", "ApiVersion": "1.41"}
    client.info.return_value = {"CgroupDriver": "cgroupfs", "CgroupVersion": "1", "Plugins": {"Network": ["macvlan", "bridge"]}}
    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._docker.client.make_docker_client", lambda url, t: client)
    monkeypatch.setattr(lab_host_info, "engine_settings", lambda: {"userland-proxy": False, "iptables": True, "source": "test"})
    monkeypatch.setattr(lab_host_info, "read_rules", lambda module: RULES)
    result = run_module(lab_host_info.main, {"docker_host": "unix:///t.sock", "_ansible_check_mode": True}, monkeypatch)
    assert isinstance(result, ModuleExit)
    out = result.result
    assert out["changed"] is False
    assert out["engine"]["version"] == "20.10.24"
    assert out["engine"]["network_drivers"] == ["bridge", "macvlan"]
    assert out["engine"]["userland_proxy"] is False
    assert out["engine"]["docker_host"] == "unix:///t.sock"
    assert out["engine"]["ip6tables"] is False  # 20.10's default
    assert out["firewall_layout"] == {
        "layout": "docker-forward", "engines": "Docker 28.0.1 and later",
        "chains": ["DOCKER", "DOCKER-FORWARD", "DOCKER-USER"], "ipsets": [], "ipv4_nat": True, "ipv6_nat": True,
        "docker_user": True, "backend": "iptables-nft", "backends": ["iptables-nft"], "problems": []}
    client.ping.assert_called_once_with()


def test_unreachable_engine_fails_with_address(monkeypatch, tmp_path):
    url = "unix://%s" % (tmp_path / "none.sock")
    result = run_module(lab_host_info.main, {"docker_host": url, "timeout": 2}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert url in result.result["msg"]


def test_an_engine_that_stops_answering_fails_cleanly(monkeypatch):
    from requests.exceptions import ReadTimeout

    client = mock.Mock()
    client.version.return_value = {"Version": "20.10.24", "ApiVersion": "1.41"}
    client.info.side_effect = ReadTimeout("Read timed out. (read timeout=3)")
    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._docker.client.make_docker_client", lambda url, t: client)
    result = run_module(lab_host_info.main, {"docker_host": "unix:///t.sock", "timeout": 3}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"] == ("Could not read the Docker engine's version and info at unix:///t.sock: "
                                    "Read timed out. (read timeout=3). Nothing was changed.")
