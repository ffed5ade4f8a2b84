# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""linked_containers' runtime options, post_start and wait: healthy, against the in-memory engine."""
from __future__ import annotations

import pytest
from docker.errors import APIError

from ansible_collections.labnet.docker.plugins.module_utils._docker.containers import readiness
from ansible_collections.labnet.docker.plugins.modules import linked_containers
from ansible_collections.labnet.docker.tests.unit.support.fake_engine import FakeEngine, install
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module


@pytest.fixture
def engine(monkeypatch) -> FakeEngine:
    return install(monkeypatch)


ROUTER = {
    "name": "r1", "image": "labnet/box:latest", "command": "sleep 60", "capabilities": ["cap_net_admin"], "cap_drop": ["MKNOD"],
    "sysctls": {"net.ipv4.ip_forward": 1}, "volumes": ["data:/data", "/srv/lab:/etc/lab:ro"], "tmpfs": ["/run:size=1m"],
    "devices": ["/dev/net/tun"], "memory": "64m", "cpus": "0.5", "dns": ["192.0.2.53"], "dns_search": ["lab.example"],
    "user": "0", "working_dir": "/data", "entrypoint": ["/bin/sh", "-c"],
    "healthcheck": {"test": ["true"], "interval": "1s", "retries": 2},
    "networks": [{"name": "lan", "ipv4_address": "192.168.50.5", "mac_address": "02:42:C0:A8:32:05"}],
    "post_start": ["ip route add 10.0.34.0/24 via 192.168.50.3", ["touch", "/data/ready"]],
}


def commands(engine: FakeEngine) -> list:
    """The commands run in containers, without the report's read of /etc/hosts."""
    return [(name, cmd) for name, cmd in engine.execs if cmd != ["cat", "/etc/hosts"]]


def run(monkeypatch, containers, check=False, diff=False, **options):
    args = dict(containers=containers, _ansible_check_mode=check, _ansible_diff=diff, **options)
    return run_module(linked_containers.main, args, monkeypatch)


def test_options_reach_the_engine_post_start_runs_once_and_a_rerun_changes_nothing(engine, monkeypatch):
    out = run(monkeypatch, [ROUTER], diff=True).result
    assert out["actions"] == ["create r1"]
    host = engine.containers["r1"]["HostConfig"]
    assert host["CapAdd"] == ["NET_ADMIN"] and host["CapDrop"] == ["MKNOD"]
    assert host["Memory"] == 67108864 and host["NanoCpus"] == 500000000
    assert host["Binds"] == ["/srv/lab:/etc/lab:ro", "data:/data:rw"]
    assert engine.containers["r1"]["NetworkSettings"]["Networks"]["lan"]["MacAddress"] == "02:42:c0:a8:32:05"
    assert engine.containers["r1"]["Config"]["Healthcheck"] == {"Test": ["CMD", "true"], "Interval": 1000000000, "Retries": 2}
    assert commands(engine) == [("r1", ["ip", "route", "add", "10.0.34.0/24", "via", "192.168.50.3"]), ("r1", ["touch", "/data/ready"])]
    assert out["diff"]["after"]["r1"]["sysctls"] == {"net.ipv4.ip_forward": "1"}

    engine.calls.clear()
    engine.execs.clear()
    again = run(monkeypatch, [ROUTER]).result
    assert again["changed"] is False
    assert engine.changing_calls() == [] and commands(engine) == []


@pytest.mark.parametrize("change, field", [
    ({"capabilities": ["NET_ADMIN", "NET_RAW"]}, "capabilities"),
    ({"cap_drop": []}, "cap_drop"),
    ({"privileged": True}, "privileged"),
    ({"sysctls": {"net.ipv4.ip_forward": 0}}, "sysctls"),
    ({"volumes": ["data:/data:ro", "/srv/lab:/etc/lab:ro"]}, "volumes"),
    ({"tmpfs": ["/run:size=2m"]}, "tmpfs"),
    ({"devices": ["/dev/net/tun:/dev/tun"]}, "devices"),
    ({"memory": "128m"}, "memory"),
    ({"cpus": 1}, "cpus"),
    ({"dns": ["192.0.2.54"]}, "dns"),
    ({"dns_search": []}, "dns_search"),
    ({"user": "1000"}, "user"),
    ({"working_dir": "/tmp"}, "working_dir"),
    ({"entrypoint": None}, "entrypoint"),
    ({"healthcheck": {"test": ["true"], "interval": "2s", "retries": 2}}, "healthcheck"),
    ({"networks": [{"name": "lan", "ipv4_address": "192.168.50.5", "mac_address": "02:42:c0:a8:32:06"}]}, "networks"),
])
def test_each_option_changed_recreates_with_its_name(engine, monkeypatch, change, field):
    run(monkeypatch, [ROUTER])
    engine.calls.clear()
    check = run(monkeypatch, [dict(ROUTER, **change)], check=True, diff=True).result
    assert check["actions"] == ["recreate r1 (changed: %s)" % field]
    assert check["diff"]["before"]["r1"][field] != check["diff"]["after"]["r1"][field]
    assert engine.changing_calls() == []


def test_post_start_is_not_compared_and_does_not_run_in_check_mode(engine, monkeypatch):
    run(monkeypatch, [ROUTER])
    engine.execs.clear()
    out = run(monkeypatch, [dict(ROUTER, post_start=["echo other"], wait="healthy")]).result
    assert out["changed"] is False and commands(engine) == []
    fresh = run(monkeypatch, [dict(ROUTER, name="r2", networks=None)], check=True).result
    assert fresh["actions"] == ["create r2"] and commands(engine) == []


def test_failing_post_start_removes_the_new_container_with_the_output(engine, monkeypatch):
    engine.exec_results["ip"] = (2, "RTNETLINK answers: Network is unreachable\n")
    result = run(monkeypatch, [ROUTER])
    assert isinstance(result, ModuleFail)
    assert ("Container 'r1' failed while running post_start: post_start[0] ['ip', 'route', 'add', '10.0.34.0/24', 'via', "
            "'192.168.50.3'] exited with code 2: RTNETLINK answers: Network is unreachable.") in result.result["msg"]
    assert "The container this run created for 'r1' was removed." in result.result["msg"]
    assert "r1" not in engine.containers
    assert [cmd[0] for _name, cmd in commands(engine)] == ["ip"]  # the later commands did not run


def test_failing_post_start_of_a_replacement_puts_the_old_container_back(engine, monkeypatch):
    run(monkeypatch, [ROUTER])
    old_id = engine.containers["r1"]["Id"]
    engine.exec_results["touch"] = (1, "touch: /data/ready: Read-only file system")
    result = run(monkeypatch, [dict(ROUTER, memory="128m")], stop_timeout=0)
    assert isinstance(result, ModuleFail)
    assert result.result["outcomes"] == {"r1": "kept_old"}
    assert "Read-only file system" in result.result["msg"]
    assert engine.containers["r1"]["Id"] == old_id and engine.containers["r1"]["State"]["Running"]


def test_wait_healthy_holds_the_next_wave_and_fails_with_the_last_health_line(engine, monkeypatch):
    monkeypatch.setattr(readiness, "HEALTH_PAUSE", 0)
    engine.health["r1"] = {"Status": "unhealthy", "Log": [{"ExitCode": 1, "Output": "checking\nno route to host\n"}]}
    client = {"name": "h1", "image": "labnet/box:latest", "command": "sleep 60", "links": ["r1"], "networks": [{"name": "lan"}]}
    result = run(monkeypatch, [client, dict(ROUTER, wait="healthy", wait_timeout=1)])
    assert isinstance(result, ModuleFail)
    assert ("Container 'r1' failed while waiting for it to be healthy: it was not healthy within 1 seconds (wait_timeout; "
            "health status unhealthy); the last health check said: exit code 1, no route to host.") in result.result["msg"]
    assert result.result["outcomes"] == {"h1": "untouched", "r1": "failed"}
    assert "h1" not in engine.containers and "r1" not in engine.containers

    engine.health["r1"] = {"Status": "healthy", "Log": []}
    out = run(monkeypatch, [client, dict(ROUTER, wait="healthy", wait_timeout=1)]).result
    assert out["actions"] == ["create r1", "create h1"]


@pytest.mark.parametrize("change, words", [
    ({"capabilities": ["NET_ADMN"]}, "containers[0] (r1): capabilities: 'NET_ADMN' is not a Linux capability"),
    ({"sysctls": {"kernel.hostname": "r1"}}, "containers[0] (r1): sysctls: 'kernel.hostname' is not namespaced"),
    ({"volumes": ["data/x:/data"]}, "containers[0] (r1): volumes: 'data/x:/data': the source 'data/x' is neither"),
    ({"memory": "lots"}, "containers[0] (r1): memory: 'lots' is not a size"),
    ({"cpus": "two"}, "containers[0] (r1): cpus: 'two' is not a number of CPUs"),
    ({"networks": [{"name": "lan", "mac_address": "01:00:5e:00:00:01"}]},
     "containers[0] (r1): networks[lan].mac_address: '01:00:5e:00:00:01' is a multicast address"),
    ({"networks": [{"name": "lan", "ipv6_address": "fd00::5"}]},
     "containers[0] (r1): networks[lan].ipv6_address fd00::5 is outside the network's subnets (no IPv6 subnet)"),
    ({"networks": [{"name": "bridge"}, {"name": "lan", "mac_address": "02:00:00:00:00:01"}]},
     "networks[lan].mac_address 02:00:00:00:00:01: this engine (API 1.41) sets a MAC address on the first network only"),
    ({"wait": "healthy", "healthcheck": None}, "containers[0] (r1): wait is healthy but neither healthcheck nor the image"),
    ({"wait": "healthy", "state": "stopped"}, "containers[0] (r1): wait is healthy but state is stopped"),
    ({"healthcheck": {"test": "true", "interval": "soon"}}, "containers[0] (r1): healthcheck: interval: 'soon' is not a duration"),
])
def test_bad_runtime_options_are_refused_before_any_change(engine, monkeypatch, change, words):
    result = run(monkeypatch, [dict(ROUTER, **change)])
    assert isinstance(result, ModuleFail)
    assert words in result.result["msg"]
    assert engine.changing_calls() == []


def test_a_refused_set_names_every_problem(engine, monkeypatch):
    result = run(monkeypatch, [dict(ROUTER, capabilities=["X"], memory="1k", cpus=-1)])
    assert isinstance(result, ModuleFail)
    assert [p.split(":")[1].strip() for p in result.result["problems"]] == ["capabilities", "memory", "cpus"]
    assert isinstance(run(monkeypatch, [ROUTER]), ModuleExit)


def test_post_start_in_a_container_that_is_not_running_removes_it(engine, monkeypatch):
    def exec_refused(container, cmd, **_kw):
        raise APIError("exec failed", explanation="Container %s is not running" % container)

    monkeypatch.setattr(engine.api, "exec_create", exec_refused)
    result = run(monkeypatch, [ROUTER])
    assert isinstance(result, ModuleFail)
    assert "Container 'r1' failed while running post_start and waiting for readiness: " in result.result["msg"]
    assert "is not running" in result.result["msg"]
    assert "r1" not in engine.containers
