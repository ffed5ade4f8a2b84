# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import json
import os
from unittest import mock

import requests

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import NotFound
from ansible_collections.labnet.docker.plugins.modules import lab_topology_info
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "module_utils", "_docker", "fixtures", "adopt")


def fixture(name: str) -> dict:
    with open(os.path.join(FIXTURES, name + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


def engine(monkeypatch, containers: dict, networks: dict):
    def inspect_container(name: str) -> dict:
        if name not in containers:
            raise NotFound("No such container: %s" % name)
        return containers[name]

    client = mock.Mock()
    client.api.inspect_container.side_effect = inspect_container
    client.api.containers.return_value = [{"Id": c["Id"]} for c in containers.values() if "course" in (c["Config"]["Labels"] or {})]
    client.api.inspect_image.return_value = fixture("image")
    client.api.inspect_network.side_effect = lambda name: networks[name]
    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._docker.client.make_docker_client", lambda url, t: client)
    return client


def test_reads_named_containers_and_their_networks_in_check_mode(monkeypatch):
    web, client_ctr = fixture("web"), fixture("client")
    client = engine(monkeypatch, {"lab-web": web, "lab-client": client_ctr}, {"lab-lan": fixture("lan")})
    result = run_module(lab_topology_info.main, {"containers": ["lab-web", "lab-client"], "lab_name": "lab", "_ansible_check_mode": True}, monkeypatch)
    assert isinstance(result, ModuleExit)
    assert result.result["changed"] is False
    topology = result.result["topology"]
    assert [n["name"] for n in topology["networks"]] == ["lan"]
    assert [c["name"] for c in topology["containers"]] == ["web", "client"]
    client.api.inspect_network.assert_called_once_with("lab-lan")
    assert not [c for c in client.method_calls if c[0].split(".")[-1] not in ("ping", "inspect_container", "inspect_image", "inspect_network", "containers")]


def test_label_adds_containers_once(monkeypatch):
    web = fixture("web")
    web["Config"]["Labels"]["course"] = "net"
    client = engine(monkeypatch, {"lab-web": web, web["Id"]: web}, {"lab-lan": fixture("lan")})
    result = run_module(lab_topology_info.main, {"containers": ["lab-web"], "label": "course=net"}, monkeypatch)
    assert [c["name"] for c in result.result["topology"]["containers"]] == ["lab-web"]
    client.api.containers.assert_called_once_with(all=True, filters={"label": "course=net"})


def test_missing_container_fails_with_the_name(monkeypatch):
    engine(monkeypatch, {}, {})
    result = run_module(lab_topology_info.main, {"containers": ["nope"]}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "inspecting the containers nope" in result.result["msg"] and "No such container: nope" in result.result["msg"]


def test_engine_error_fails_cleanly(monkeypatch):
    client = engine(monkeypatch, {"lab-web": fixture("web")}, {})
    client.api.inspect_network.side_effect = requests.exceptions.ReadTimeout("read timed out")
    result = run_module(lab_topology_info.main, {"containers": ["lab-web"]}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"] == ("The Docker engine failed while inspecting the networks lab-lan: read timed out. "
                                    "Nothing was changed.")


def test_nothing_selected_is_refused(monkeypatch):
    engine(monkeypatch, {}, {})
    result = run_module(lab_topology_info.main, {}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("Nothing to read")
