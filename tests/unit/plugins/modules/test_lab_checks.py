# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

from unittest import mock

import pytest
from docker.errors import NotFound

from ansible_collections.labnet.docker.plugins.module_utils._labcheck import facts
from ansible_collections.labnet.docker.plugins.modules import lab_checks
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module

PING = dict(kind="ping", host="h1", name="ping alpha -> beta", container="lab-alpha", source="alpha", target="beta",
            address="10.0.0.11", network="lan")
HTTP = dict(kind="http", host="h1", name="http client -> http://www/", container="lab-client", url="http://www/",
            url_host="www", expect="box")
LOST = "3 packets transmitted, 0 packets received, 100% packet loss\n"


def inspect(name, state="running", ip="10.0.0.10"):
    return {"Name": "/" + name, "State": {"Status": state}, "NetworkSettings": {"Networks": {"lab-lan": {"IPAddress": ip}}},
            "HostConfig": {"Links": None}}


@pytest.fixture(name="api")
def api_fixture(monkeypatch):
    client = mock.Mock()
    api = client.api
    api.exec_create.side_effect = lambda container, argv, **kw: {"Id": container}
    api.exec_start.return_value = (LOST.encode(), b"")
    api.exec_inspect.return_value = {"ExitCode": 1}
    containers = {"lab-alpha": inspect("lab-alpha"), "lab-beta": inspect("lab-beta", "exited", "")}

    def inspect_container(name):
        if name not in containers:
            raise NotFound("No such container: %s" % name)
        return containers[name]

    api.inspect_container.side_effect = inspect_container
    api.inspect_network.return_value = {"Driver": "macvlan", "Options": {"parent": "lab-nic"}}
    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._docker.client.make_docker_client",
                        lambda url, timeout: client)
    monkeypatch.setattr(facts, "IPRoute", None)  # no netlink in unit tests: the link hops are skipped
    return api


ARGS = dict(checks=[PING], containers={"alpha": "lab-alpha", "beta": "lab-beta"}, networks={"lan": "lab-lan"},
            docker_host="unix:///t.sock")


def test_a_failed_ping_names_the_stopped_target(api, monkeypatch):
    result = run_module(lab_checks.main, ARGS, monkeypatch)
    assert isinstance(result, ModuleExit)
    out = result.result
    assert out["changed"] is False
    (row,) = out["rows"]
    assert (row["status"], row["diagnosis"]) == ("fail", "lab-beta is stopped (exited); start it (docker start lab-beta)")
    assert out["results"][0]["diagnosis"] == row["diagnosis"] and out["results"][0]["item"] == PING
    argv = api.exec_create.call_args.args[1]
    assert argv == ["ping", "-c", "3", "-i", "0.2", "-W", "5", "-w", "5", "10.0.0.11"]


def test_a_passed_check_is_not_diagnosed(api, monkeypatch):
    api.exec_inspect.return_value = {"ExitCode": 0}
    out = run_module(lab_checks.main, dict(ARGS, check_timeout=2, ping_interval=0.05), monkeypatch).result
    assert out["rows"][0]["status"] == "pass" and "diagnosis" not in out["results"][0]
    api.inspect_container.assert_not_called()
    assert api.exec_create.call_args.args[1][1:9] == ["-c", "3", "-i", "0.05", "-W", "2", "-w", "2"]


def test_check_mode_execs_into_no_container(api, monkeypatch):
    out = run_module(lab_checks.main, dict(ARGS, checks=[PING, HTTP], _ansible_check_mode=True), monkeypatch).result
    assert [r["status"] for r in out["rows"]] == ["warn", "warn"]
    api.exec_create.assert_not_called()


def test_an_unknown_kind_is_reported_not_run(api, monkeypatch):
    out = run_module(lab_checks.main, dict(ARGS, checks=[dict(kind="vxlan", host="h1", name="vxlan h1 -> h2")]), monkeypatch).result
    assert out["rows"] == [dict(name="vxlan h1 -> h2", kind="vxlan", host="h1", status="warn", diagnosis="",
                                detail="not run: labnet.docker.lab_checks does not run checks of kind 'vxlan' (it runs: "
                                       "ping, route, wire_ping, http, host_ping, port)")]
    api.exec_create.assert_not_called()


def test_bad_checks_fail_before_anything_runs(api, monkeypatch):
    result = run_module(lab_checks.main, dict(ARGS, checks=[dict(PING, container=None)]), monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"] == ("Bad checks, nothing was run: checks[0] (ping alpha -> beta) has no container; "
                                    "give the checks of labnet.docker.lab_plan")
    api.exec_create.assert_not_called()


def test_no_diagnosis_when_asked_for_none(api, monkeypatch):
    out = run_module(lab_checks.main, dict(ARGS, diagnose=False), monkeypatch).result
    assert out["rows"][0]["status"] == "fail" and out["rows"][0]["diagnosis"] == ""
    api.inspect_container.assert_not_called()


def test_timing_options_must_be_positive(api, monkeypatch):
    result = run_module(lab_checks.main, dict(ARGS, check_timeout=0, ping_interval=-1.0), monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"] == ("Bad checks, nothing was run: check_timeout=0 must be more than 0 (seconds, such as 5) | "
                                    "ping_interval=-1.0 must be more than 0 (seconds, such as 0.2)")
    api.exec_create.assert_not_called()
