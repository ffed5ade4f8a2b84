# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import json
from unittest import mock

from ansible_collections.labnet.docker.plugins.modules import lab_drill
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module

CLIENT = "ansible_collections.labnet.docker.plugins.module_utils._docker.client.make_docker_client"


def host(promisc=True, running=True) -> dict:
    return dict(links={"lab-nic": dict(up=True, promisc=promisc)}, parents=["lab-nic"], shims={}, nat=[], proxies=[])


def containers(running=True) -> list:
    return [dict(name="lab-alpha", id="a" * 64, running=running, ips=["10.0.0.10"], ports=[], links=[], link_targets={}, created="t")]


def engine(monkeypatch, state: dict):
    """The lab as the module reads it (``state`` changes as faults are applied) and the calls that act on it."""
    monkeypatch.setattr(CLIENT, lambda url, timeout: mock.Mock())
    monkeypatch.setattr(lab_drill, "read_containers", lambda client, name: state["containers"])
    monkeypatch.setattr(lab_drill, "read_host", lambda module, parents, shims: state["host"])
    applied = []

    def apply_fault(module, client, lab, fault, undo):
        applied.append((fault["fault"], fault["target"], undo))
        if fault["fault"] == "promisc_off":
            state["host"] = host(promisc=undo)
        if fault["fault"] == "container_stopped":
            state["containers"] = containers(running=undo)

    monkeypatch.setattr(lab_drill, "apply_fault", apply_fault)
    return applied


def args(tmp_path, **extra) -> dict:
    return dict(dict(lab_name="lab", parents=["lab-nic"], record=str(tmp_path / "lab.drill.json")), **extra)


def test_a_lab_that_is_not_deployed_is_refused_and_nothing_recorded(monkeypatch, tmp_path):
    applied = engine(monkeypatch, dict(containers=[], host=host()))
    result = run_module(lab_drill.main, args(tmp_path, state="injected", faults=["promisc_off"]), monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("Lab lab is not deployed on this host: no container carries the label labnet.lab=lab.")
    assert applied == [] and not (tmp_path / "lab.drill.json").exists()


def test_a_wrong_fault_is_refused_before_the_engine_is_asked(monkeypatch, tmp_path):
    factory = mock.Mock()
    monkeypatch.setattr(CLIENT, factory)
    result = run_module(lab_drill.main, args(tmp_path, state="injected", faults=["nic_down"]), monkeypatch)
    assert isinstance(result, ModuleFail) and "'nic_down' is not a fault" in result.result["msg"]
    factory.assert_not_called()


def test_check_mode_plans_and_breaks_nothing(monkeypatch, tmp_path):
    applied = engine(monkeypatch, dict(containers=containers(), host=host()))
    result = run_module(lab_drill.main, args(tmp_path, state="injected", faults=["promisc_off"], _ansible_check_mode=True), monkeypatch)
    assert isinstance(result, ModuleExit) and result.result["changed"] is True
    assert [f["fault"] for f in result.result["faults"]] == ["promisc_off"]
    assert applied == [] and not (tmp_path / "lab.drill.json").exists()


def test_inject_records_reports_and_is_idempotent(monkeypatch, tmp_path):
    state = dict(containers=containers(), host=host())
    applied = engine(monkeypatch, state)
    params = args(tmp_path, state="injected", faults=["promisc_off", "container_stopped"], seed="3")
    result = run_module(lab_drill.main, params, monkeypatch).result
    assert result["changed"] is True and result["seed"] == "3"
    assert applied == [("promisc_off", "lab-nic", False), ("container_stopped", "lab-alpha", False)]
    assert [f["broken"] for f in result["faults"]] == [True, True]
    assert [r["status"] for r in result["checks"]] == ["fail", "fail"]
    assert "alpha does not answer any more" in result["task"]
    recorded = json.loads((tmp_path / "lab.drill.json").read_text())
    assert [f["fault"] for f in recorded["faults"]] == ["promisc_off", "container_stopped"]
    again = run_module(lab_drill.main, params, monkeypatch).result
    assert again["changed"] is False and len(applied) == 2
    other = run_module(lab_drill.main, dict(params, faults=["parent_down"]), monkeypatch)
    assert isinstance(other, ModuleFail) and "A drill is already recorded for lab lab (promisc_off, container_stopped" in other.result["msg"]


def test_inspect_and_undo_revert_only_what_is_still_broken(monkeypatch, tmp_path):
    state = dict(containers=containers(), host=host())
    applied = engine(monkeypatch, state)
    run_module(lab_drill.main, args(tmp_path, state="injected", faults=["promisc_off", "container_stopped"]), monkeypatch)
    state["containers"] = containers(running=True)  # the learner started alpha again
    rows = run_module(lab_drill.main, args(tmp_path), monkeypatch).result["checks"]
    assert [(r["name"], r["status"]) for r in rows] == [("drill promisc_off: lab-nic", "fail"), ("drill container_stopped: alpha", "pass")]
    assert run_module(lab_drill.main, args(tmp_path, state="undone", _ansible_check_mode=True), monkeypatch).result["changed"] is True
    assert (tmp_path / "lab.drill.json").exists() and len(applied) == 2
    result = run_module(lab_drill.main, args(tmp_path, state="undone"), monkeypatch).result
    assert result["changed"] is True and result["converge"] is False
    assert applied[2:] == [("promisc_off", "lab-nic", True)]
    assert not (tmp_path / "lab.drill.json").exists()
    assert run_module(lab_drill.main, args(tmp_path, state="undone"), monkeypatch).result["changed"] is False
