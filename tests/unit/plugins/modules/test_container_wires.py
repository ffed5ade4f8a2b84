# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker import client as docker_client
from ansible_collections.labnet.docker.plugins.modules import container_wires
from ansible_collections.labnet.docker.tests.unit.support.fake_engine import FakeEngine
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleFail, run_module

WIRE = dict(a="r1:eth1", b="h1:eth1", a_address="10.0.12.1/30", b_address="10.0.12.2/30")


def running(pid, mode="none"):
    """A running container; its pid must exist (the test's own will do: no netlink is opened here)."""
    return dict(State=dict(Running=True, Pid=pid, Status="running"), HostConfig=dict(NetworkMode=mode))


def with_ids(containers):
    """The containers as the engine holds them: each with its id (here its name)."""
    return {name: dict(attrs, Id=name) for name, attrs in containers.items()}


@pytest.fixture
def engine(monkeypatch):
    """An engine with no container yet (``containers`` to fill), the URLs it was asked for (``made``) and the
    netlink sockets the module opened (``opened``: none wanted)."""
    fake = FakeEngine(networks=())
    made = []
    opened = []

    def factory(base_url, timeout):
        made.append(base_url)
        return fake

    def no_netlink(netns=None):
        opened.append(netns)
        raise AssertionError("netlink must not be opened")

    monkeypatch.setattr(docker_client, "make_docker_client", factory)
    monkeypatch.setattr("ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink.make_iproute",
                        no_netlink)
    fake.made, fake.opened = made, opened
    return fake


@pytest.mark.parametrize("wires, message", [
    ([dict(WIRE, a="r1")], "wires[0].a='r1' is not a wire end. Write it as 'container:ifname', such as 'r1:eth1'."),
    ([dict(WIRE, b="h1:averyverylongname")], "names interface 'averyverylongname', which is not a valid interface name"),
    ([dict(WIRE, b_address="10.0.12.2/33")], "wires[0].b_address='10.0.12.2/33' is not an address in CIDR notation"),
    ([WIRE, dict(a="h1:eth1", b="h2:eth1")], "wires[1].a='h1:eth1' is already wires[0].b"),
    ([dict(WIRE, b="r1:eth1")], "wires[0].a and wires[0].b are both 'r1:eth1'"),
])
def test_bad_wires_are_refused_before_the_engine_is_asked(monkeypatch, engine, wires, message):
    result = run_module(container_wires.main, dict(wires=wires), monkeypatch)
    assert isinstance(result, ModuleFail)
    assert message in result.result["msg"]
    assert engine.made == [] and engine.opened == []


@pytest.mark.parametrize("containers, state, message", [
    ({"r1": running(os.getpid())}, "present", "wires[0].b='h1:eth1': container 'h1' does not exist. Start it first"),
    ({"r1": running(os.getpid()), "h1": dict(State=dict(Running=False, Pid=0, Status="exited"))}, "present",
     "wires[0].b='h1:eth1': container 'h1' is not running (status exited). A wire end lives in the container's network "
     "namespace, which only a running container has: start it first."),
    ({"r1": running(os.getpid(), mode="host"), "h1": running(os.getpid())}, "present",
     "wires[0].a='r1:eth1': container 'r1' uses the host's network namespace (network mode host)"),
    ({"r1": running(os.getpid(), mode="host"), "h1": running(os.getpid())}, "absent", "network mode host"),
])
def test_containers_without_a_namespace_of_their_own_are_refused(monkeypatch, engine, containers, state, message):
    engine.containers.update(with_ids(containers))
    result = run_module(container_wires.main, dict(wires=[WIRE], state=state), monkeypatch)
    assert isinstance(result, ModuleFail)
    assert message in result.result["msg"]
    assert result.result["actions"] == []
    assert engine.opened == []


def test_absent_with_no_containers_left_is_no_change(monkeypatch, engine):
    result = run_module(container_wires.main, dict(wires=[WIRE], state="absent"), monkeypatch)
    assert result.result["changed"] is False
    assert result.result["wires"] == [dict(name="r1:eth1--h1:eth1", result="absent")]
    assert result.result["actions"] == []
    assert engine.opened == []


def test_engine_errors_end_in_a_message(monkeypatch, engine):
    def broken(name):
        raise docker_client.APIError("500 Server Error: boom")

    engine.api.inspect_container = broken
    result = run_module(container_wires.main, dict(wires=[WIRE]), monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("wires[0].a='r1:eth1': could not inspect container 'r1': 500 Server Error")
