# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""What each kind of check runs, and what the runner makes of its answers."""
from __future__ import annotations

import threading

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._labcheck import commands, facts, runner
from ansible_collections.labnet.docker.plugins.module_utils._labcheck.rows import is_failure, result_rows

PING = dict(kind="ping", host="h1", name="ping a -> b", container="lab-a", address="10.0.0.2", target="b", network="lan")
WIRE_PING = dict(kind="wire_ping", host="h1", name="ping across wire", container="lab-a", address="10.255.0.2", via="p2p0")
HTTP = dict(kind="http", host="h1", name="http c -> http://www/", container="lab-c", url="http://www/", url_host="www", expect="box")
ROUTE = dict(kind="route", host="h1", name="route", container="lab-a", address="10.1.0.5", hop="10.0.0.254", via="r1")
HOST_PING = dict(kind="host_ping", host="h1", name="ping host", address="10.0.0.2", via="lab-shm", target="a")
PORT = dict(kind="port", host="h1", name="port 127.0.0.1:8080", address="127.0.0.1", port=8080, container="lab-web")
VXLAN = dict(kind="vxlan", host="h1", name="vxlan h1 -> h2")
OK = "3 packets transmitted, 3 packets received, 0% packet loss\n"


@pytest.mark.parametrize("check, argv", [
    (PING, ["ping", "-c", "3", "-i", "0.2", "-W", "5", "-w", "5", "10.0.0.2"]),
    (WIRE_PING, ["ping", "-c", "3", "-i", "0.2", "-W", "5", "-w", "5", "-I", "p2p0", "10.255.0.2"]),
    (HTTP, ["/bin/sh", "-c", commands.HTTP_SCRIPT, "sh", "www", "5", "http://www/"]),
    (ROUTE, ["/bin/sh", "-c", commands.ROUTE_SCRIPT, "sh", "10.1.0.5", "5", "3", "0.2"]),
])
def test_exec_argv(check, argv):
    assert commands.exec_argv(check, 5) == argv


def test_ping_options_take_fractions_and_counts():
    assert commands.exec_argv(PING, 2, count=5, interval=0.05)[1:9] == ["-c", "5", "-i", "0.05", "-W", "2", "-w", "2"]
    assert commands.exec_argv(PING, 2, interval=1.0)[4] == "1"
    with pytest.raises(ValueError):
        commands.exec_argv(PORT, 5)


@pytest.mark.parametrize("program, head", [("/usr/bin/ping", ["/usr/bin/ping"]), ("/bin/busybox", ["/bin/busybox", "ping"])])
def test_host_ping_is_bound_to_the_shim(program, head):
    assert commands.host_ping_argv(program, HOST_PING, 5) == head + ["-c", "3", "-i", "0.2", "-W", "5", "-w", "5",
                                                                     "-I", "lab-shm", "10.0.0.2"]


def test_check_problems_name_the_check_and_the_missing_keys():
    assert commands.check_problems([PING, HTTP, HOST_PING, PORT, ROUTE, WIRE_PING, VXLAN]) == []
    problems = commands.check_problems([dict(PING, address=""), "ping", dict(kind="port", name="p")])
    assert problems == [
        "checks[0] (ping a -> b) has no address; give the checks of labnet.docker.lab_plan",
        "checks[1]='ping' needs a 'name' and a 'kind' (give the checks of labnet.docker.lab_plan)",
        "checks[2] (p) has no address, port; give the checks of labnet.docker.lab_plan",
    ]


class FakeAPI:
    """The Engine API's exec calls: answers by the program's first word, records every exec."""

    def __init__(self, answers, states=None):
        self.answers = answers  # argv[0] -> (exit code, stdout, stderr), or an exception to raise
        self.states = states or {}
        self.execs = []
        self.lock = threading.Lock()
        self.threads = set()

    def exec_create(self, container, argv, stdout=True, stderr=True):
        with self.lock:
            self.execs.append((container, argv))
            self.threads.add(threading.get_ident())
        answer = self.answers[argv[0]]
        if isinstance(answer, Exception):
            raise answer
        return {"Id": "%s:%d" % (argv[0], len(self.execs))}

    def exec_start(self, exec_id, demux=True):
        rc, out, err = self.answers[exec_id.split(":")[0]]
        return (out.encode(), err.encode())

    def exec_inspect(self, exec_id):
        return {"ExitCode": self.answers[exec_id.split(":")[0]][0]}


def make_runner(api, check_mode=False, host=(0, OK, "")):
    calls = []

    def run_command(argv):
        calls.append(argv)
        return host

    r = runner.CheckRunner(api, run_command, "/usr/bin/ping", dict(timeout=1, count=3, interval=0.2), check_mode)
    r.host_calls = calls
    return r


def test_every_kind_runs_and_reads_as_the_role_reads_it(monkeypatch):
    monkeypatch.setattr(runner, "connect_until", lambda address, port, timeout: dict(state="started", port=port))
    api = FakeAPI({"ping": (0, OK, ""), "/bin/sh": (0, "labnet box web", "")})
    checks = [PING, WIRE_PING, HTTP, HOST_PING, PORT, VXLAN]
    results = make_runner(api).run(checks)
    assert [r["item"] for r in results] == checks  # in the order given
    rows = [row for r in results for row in result_rows(r, r["item"])]
    assert [(r["name"], r["status"]) for r in rows] == [
        ("ping a -> b", "pass"), ("ping across wire", "pass"), ("http c -> http://www/", "pass"), ("ping host", "pass"),
        ("port 127.0.0.1:8080", "pass"), ("vxlan h1 -> h2", "warn")]
    assert "does not run checks of kind 'vxlan'" in rows[-1]["detail"]
    assert sorted(call[0] for call in api.execs) == ["lab-a", "lab-a", "lab-c"]


def test_checks_run_side_by_side():
    """Each exec waits at a barrier that only opens when all of them have arrived: run one by one, it never would."""
    barrier = threading.Barrier(3, timeout=5)

    class Waiting(FakeAPI):
        def exec_start(self, exec_id, demux=True):
            barrier.wait()
            return super().exec_start(exec_id, demux)

    api = Waiting({"ping": (0, OK, "")})
    checks = [dict(PING, name="ping %d" % i) for i in range(3)]
    results = make_runner(api).run(checks)
    assert all(r["rc"] == 0 for r in results) and len(api.threads) == 3


def test_check_mode_runs_no_ping_or_http_in_a_container():
    api = FakeAPI({"ping": (0, OK, ""), "/bin/sh": (0, "", "")})
    results = make_runner(api, check_mode=True).run([PING, HTTP, ROUTE])
    assert [call[0] for call in api.execs] == ["lab-a"]  # the route check, as the role has always run it
    rows = [row for r in results for row in result_rows(r, r["item"])]
    assert [r["status"] for r in rows[:2]] == ["warn", "warn"]
    assert rows[0]["detail"] == "not run in check mode: it runs a program inside a container"
    assert not any(is_failure(r, r["item"]) for r in results[:2])


def test_an_engine_error_is_a_failed_check_not_a_traceback():
    api = FakeAPI({"ping": runner.NotFound("No such container: lab-a")})
    (result,) = make_runner(api).run([PING])
    assert result["rc"] is None and "Could not exec into lab-a" in result["msg"]
    assert is_failure(result, PING)


def test_a_failed_host_ping_and_a_missing_ping_program():
    api = FakeAPI({})
    r = make_runner(api, host=(1, "3 packets transmitted, 0 packets received", ""))
    (result,) = r.run([HOST_PING])
    assert result["rc"] == 1 and r.host_calls[0][-3:] == ["-I", "lab-shm", "10.0.0.2"]
    r.ping_program = None
    (result,) = r.run([HOST_PING])
    assert "No ping program" in result["msg"] and is_failure(result, HOST_PING)


def test_a_port_is_retried_until_it_answers_or_the_time_is_up():
    answers = iter([(False, "Connection refused"), (True, None)])
    assert runner.connect_until("127.0.0.1", 8080, 2, probe=lambda a, p, t: next(answers)) == dict(state="started", port=8080)
    result = runner.connect_until("127.0.0.1", 8080, 0.3, probe=lambda a, p, t: (False, "Connection refused"))
    assert result["failed"] and result["msg"] == "Timeout when waiting for 127.0.0.1:8080 (Connection refused)"


def test_facts_from_an_inspection():
    inspect = {"State": {"Status": "running", "Paused": False},
               "NetworkSettings": {"Networks": {"lab-lan": {"IPAddress": "10.0.0.2"}, "bridge": {"IPAddress": ""}}},
               "HostConfig": {"Links": ["/lab-web:/lab-c/www"]}}
    assert facts.container_facts(inspect) == dict(state="running", addresses={"lab-lan": "10.0.0.2", "bridge": None},
                                                  links={"www": "lab-web"})
    assert facts.container_facts({"State": {"Status": "running", "Paused": True}})["state"] == "paused"
    assert facts.network_facts({"Driver": "macvlan", "Options": {"parent": "lab-nic"}}) == dict(
        exists=True, driver="macvlan", parent="lab-nic", mode="bridge")


def test_hosts_address():
    text = "127.0.0.1\tlocalhost\n172.17.0.3\twww 0123abcd lab-web  # the link\n10.0.0.9 other\n"
    assert facts.hosts_address(text, "www") == "172.17.0.3"
    assert facts.hosts_address(text, "lab-web") == "172.17.0.3"
    assert facts.hosts_address(text, "missing") is None
    assert facts.hosts_address("# www\n", "www") is None


def test_port_facts():
    proc = dict(listeners=[dict(proto="tcp", port=8080, pid=4464, process="docker-proxy"), dict(proto="udp", port=53, pid=1)],
                proxies=[dict(host_port=8080, pid=4464), dict(host_port=9090, pid=5)])
    assert facts.port_facts(proc, 8080) == dict(listener=dict(pid=4464, process="docker-proxy"), proxies=[4464])
    assert facts.port_facts(proc, 53) == dict(listener=None, proxies=[])
