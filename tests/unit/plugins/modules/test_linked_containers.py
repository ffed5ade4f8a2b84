# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""linked_containers' main(), driven against the in-memory engine of tests/unit/support/fake_engine.py."""
from __future__ import annotations

import hashlib
import threading

import pytest
import requests
from docker.errors import APIError

from ansible_collections.labnet.docker.plugins.module_utils._docker.containers import engine as engine_reads
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers import replacement
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers import task as containers_task
from ansible_collections.labnet.docker.plugins.modules import linked_containers
from ansible_collections.labnet.docker.tests.unit.support.fake_engine import IMAGE, FakeEngine, install
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module


@pytest.fixture
def engine(monkeypatch) -> FakeEngine:
    return install(monkeypatch)


WEB = {"name": "web", "image": "labnet/box:latest", "command": "/bin/labnet-web", "env": {"GREETING": "hi"},
       "published_ports": ["127.0.0.1:8080:80"]}
CLIENT = {"name": "client", "image": "labnet/box:latest", "command": ["sleep", "60"], "links": ["web:site"],
          "etc_hosts": {"far": "192.0.2.7"}}


def run(monkeypatch, containers, check=False, diff=False, **options):
    args = dict(containers=containers, _ansible_check_mode=check, _ansible_diff=diff, **options)
    return run_module(linked_containers.main, args, monkeypatch)


def test_check_mode_plans_in_link_order_and_changes_nothing(engine, monkeypatch):
    result = run(monkeypatch, [CLIENT, WEB], check=True, diff=True)
    assert isinstance(result, ModuleExit)
    out = result.result
    assert out["changed"] is True
    assert out["actions"] == ["create web", "create client"]
    assert out["containers"]["client"] == dict(id=None, status="absent", action="create", changed=True, networks={}, links=[],
                                               hosts_entries=[], ports=[])
    assert out["diff"]["before"] == {"web": {"state": "absent"}, "client": {"state": "absent"}}
    assert out["diff"]["after"]["client"]["links"] == {"bridge": ["web:site"]}
    assert out["diff"]["after"]["client"]["labels"]["labnet.docker.link_targets"] == "web=(new)"
    assert engine.changing_calls() == []


def test_apply_creates_target_first_with_legacy_link_then_is_idempotent(engine, monkeypatch):
    out = run(monkeypatch, [CLIENT, WEB], labels={"labnet.lab": "demo"}).result
    assert out["changed"] is True
    assert engine.changing_calls() == [("create_container", "web"), ("start", "web"), ("create_container", "client"), ("start", "client")]
    client = engine.containers["client"]
    assert client["HostConfig"]["Links"] == ["/web:/client/site"]
    assert client["HostConfig"]["ExtraHosts"] == ["far:192.0.2.7"]
    assert client["Config"]["Labels"]["labnet.lab"] == "demo"
    assert client["Config"]["Labels"]["labnet.docker.link_targets"] == "web=" + engine.containers["web"]["Id"][:12]
    assert engine.containers["web"]["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}
    assert out["converged"] == ["web", "client"]
    assert out["containers"]["client"]["hosts_entries"] == ["172.17.0.2\tsite %s web" % engine.containers["web"]["Id"][:12]]
    assert out["containers"]["web"]["ports"] == [dict(container_port=80, protocol="tcp", host_ip="127.0.0.1", host_port=8080)]

    engine.calls.clear()
    again = run(monkeypatch, [WEB, CLIENT], labels={"labnet.lab": "demo"}).result
    assert again["changed"] is False
    assert again["actions"] == []
    assert engine.changing_calls() == []


def test_changed_target_recreates_the_container_linking_to_it(engine, monkeypatch):
    run(monkeypatch, [WEB, CLIENT])
    engine.calls.clear()
    changed_web = dict(WEB, env={"GREETING": "hello"})
    check = run(monkeypatch, [changed_web, CLIENT], check=True, diff=True, show_env_values=True).result
    assert check["actions"] == ["recreate web (changed: env)", "recreate client (link target web is recreated)"]
    assert check["diff"]["before"]["web"]["env"]["GREETING"] == "hi"
    assert check["diff"]["after"]["web"]["env"]["GREETING"] == "hello"
    assert engine.changing_calls() == []
    old_ids = {name: engine.containers[name]["Id"] for name in ("web", "client")}
    out = run(monkeypatch, [changed_web, CLIENT]).result
    assert out["actions"] == check["actions"]
    # Each replacement: stop the old one, move it aside, make the new one, and only then remove the old one.
    assert engine.changing_calls() == [
        ("stop", "web"), ("rename", "web", "web-old-" + old_ids["web"][:12]), ("create_container", "web"), ("start", "web"),
        ("remove_container", "web-old-" + old_ids["web"][:12]),
        ("stop", "client"), ("rename", "client", "client-old-" + old_ids["client"][:12]), ("create_container", "client"),
        ("start", "client"), ("remove_container", "client-old-" + old_ids["client"][:12]),
    ]
    assert engine.stop_timeouts == [10, 10]
    assert out["outcomes"] == {"web": "converged", "client": "converged"}
    assert sorted(engine.containers) == ["client", "web"]


def test_stop_start_and_remove_without_recreating(engine, monkeypatch):
    run(monkeypatch, [WEB])
    engine.calls.clear()
    assert run(monkeypatch, [dict(WEB, state="stopped")]).result["actions"] == ["stop web"]
    assert run(monkeypatch, [WEB]).result["actions"] == ["start web"]
    assert run(monkeypatch, [{"name": "web", "state": "absent"}]).result["actions"] == ["remove web"]
    assert [call[0] for call in engine.changing_calls()] == ["stop", "start", "remove_container"]
    assert run(monkeypatch, [{"name": "web", "state": "absent"}]).result["changed"] is False


def test_static_address_alias_and_endpoint_link_on_a_user_defined_network(engine, monkeypatch):
    a = {"name": "alpha", "image": "labnet/box:latest", "networks": [{"name": "lan", "ipv4_address": "192.168.50.10", "aliases": ["a1"]}]}
    b = {"name": "beta", "image": "labnet/box:latest", "networks": [{"name": "lan", "ipv4_address": "192.168.50.11"}, {"name": "bridge"}],
         "links": ["alpha:peer"]}
    out = run(monkeypatch, [a, b]).result
    beta = engine.containers["beta"]
    assert beta["NetworkSettings"]["Networks"]["lan"]["Links"] == ["alpha:peer"]
    assert beta["HostConfig"]["Links"] == []  # alpha is not on the default bridge
    assert ("connect_container_to_network", beta["Id"], "bridge") in engine.calls
    assert out["containers"]["alpha"]["networks"]["lan"]["aliases"] == ["a1"]
    assert out["containers"]["beta"]["networks"]["lan"]["links"] == ["alpha:peer"]
    assert run(monkeypatch, [a, b]).result["changed"] is False


@pytest.mark.parametrize(
    "containers, words",
    [
        ([dict(CLIENT, links=["web:site"]), dict(WEB, links=["client"])], "the links form a cycle: client -> web -> client"),
        ([dict(WEB, published_ports=["8080:99999"])], "containers[0] (web): published_ports: '8080:99999': the container port 99999"),
        ([WEB, dict(CLIENT, published_ports=["8080:81"])], "host port 8080/tcp (127.0.0.1:8080:80/tcp) is also published by containers[1] (client)"),
        ([WEB, dict(WEB)], "containers[1] (web): name 'web' is also containers[0]"),
        ([dict(WEB, name="-web")], "containers[0] (-web): name '-web' is not a container name"),
        ([dict(WEB, env={"DEBUG": True})], "containers[0] (web): env.DEBUG is the boolean True; quote it"),
        ([dict(CLIENT, etc_hosts={"far": "nowhere"})], "containers[0] (client): etc_hosts.far 'nowhere' is not an IPv4 address"),
        ([dict(WEB, networks=[{"name": "bridge", "ipv4_address": "172.17.0.50"}])], "the default bridge assigns addresses itself"),
        ([dict(WEB, state="absent"), CLIENT], "containers[1] (client): links: target 'web' is in the set with state absent"),
        ([dict(WEB, state="stopped"), CLIENT], "containers[1] (client): links: target 'web' has state stopped"),
        ([{"name": "web"}], "containers[0] (web): image is required unless state is absent"),
    ],
)
def test_refused_before_the_engine_is_asked(engine, monkeypatch, containers, words):
    result = run(monkeypatch, containers)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("The container set was refused, nothing was changed: ")
    assert words in result.result["msg"]
    assert engine.calls == []


@pytest.mark.parametrize(
    "containers, words",
    [
        ([CLIENT], "containers[0] (client): links: target 'web' is neither a container of the set nor a container on the engine"),
        ([dict(WEB, networks=[{"name": "nolan"}])], "containers[0] (web): networks: network 'nolan' does not exist on the engine"),
        ([dict(WEB, networks=[{"name": "lan", "ipv4_address": "10.1.1.1"}])],
         "networks[lan].ipv4_address 10.1.1.1 is outside the network's subnets (192.168.50.0/24)"),
        ([dict(WEB, networks=[{"name": "lan", "ipv4_address": "192.168.50.1"}])], "192.168.50.1 is the network's gateway"),
        ([dict(WEB, image="lab/none:1", pull="never")], "image 'lab/none:1' is not on the engine and pull is never"),
        ([dict(WEB, networks=[{"name": "lan"}]), dict(CLIENT)], "containers[1] (client): links: target 'web' shares no network with this container"),
        ([dict(WEB, image="lab/none:1")], "image 'lab/none:1' could not be pulled: Get https://registry-1.docker.io/v2/"),
    ],
)
def test_refused_after_reading_the_engine(engine, monkeypatch, containers, words):
    result = run(monkeypatch, containers)
    assert isinstance(result, ModuleFail)
    assert words in result.result["msg"]
    assert [c for c in engine.changing_calls() if c[0] != "pull"] == []


def test_outside_target_that_is_not_running_is_refused(engine, monkeypatch):
    run(monkeypatch, [dict(WEB, state="stopped")])
    result = run(monkeypatch, [CLIENT])
    assert "containers[0] (client): links: target 'web' exists but is not running (created); start it or add it to containers" \
        in result.result["msg"]


def test_failed_start_removes_what_the_run_created_and_reports_what_converged(engine, monkeypatch):
    engine.start_errors["web"] = ("driver failed programming external connectivity on endpoint web: "
                                  "Error starting userland proxy: listen tcp4 127.0.0.1:8080: bind: address already in use")
    other = {"name": "other", "image": "labnet/box:latest"}
    result = run(monkeypatch, [WEB, CLIENT, other], parallel=1)
    assert isinstance(result, ModuleFail)
    out = result.result
    assert "Container 'web' failed while starting: driver failed programming" in out["msg"]
    assert "Free that host port or publish the container on another one (published_ports)." in out["msg"]
    assert "The container this run created for 'web' was removed." in out["msg"]
    assert "Converged: other. Not converged: web, client." in out["msg"]
    assert out["converged"] == ["other"]
    assert sorted(engine.containers) == ["other"]
    assert ("create_container", "client") not in engine.calls
    assert "create web - failed" in out["actions"]


def test_parallel_bounds_the_workers(engine, monkeypatch):
    seen = []
    real = engine_reads.ThreadPoolExecutor

    def pool(max_workers):
        seen.append(max_workers)
        return real(max_workers=max_workers)

    monkeypatch.setattr(engine_reads, "ThreadPoolExecutor", pool)
    boxes = [{"name": "box%d" % n, "image": "labnet/box:latest"} for n in range(5)]
    out = run(monkeypatch, boxes, parallel=2).result
    assert sorted(out["converged"]) == sorted(b["name"] for b in boxes)
    assert seen == [2]


def test_parallel_below_one_is_refused(engine, monkeypatch):
    result = run(monkeypatch, [WEB], parallel=0)
    assert "parallel: 0 is less than 1" in result.result["msg"]


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("labnet/box:latest", ("labnet/box", "latest")),
        ("labnet/box", ("labnet/box", "latest")),
        ("registry:5000/box", ("registry:5000/box", "latest")),
        ("registry:5000/box:1", ("registry:5000/box", "1")),
        ("box@sha256:abc", ("box@sha256:abc", None)),
    ],
)
def test_split_image_ref(ref, expected):
    assert engine_reads.split_image_ref(ref) == expected


def test_missing_image_is_pulled_before_any_container_changes(engine, monkeypatch):
    engine.registry["lab/new:1"] = dict(IMAGE, Id="sha256:" + "c" * 64)
    check = run(monkeypatch, [dict(WEB, image="lab/new:1")], check=True).result
    assert check["actions"] == ["pull lab/new:1", "create web (image lab/new:1 is pulled first)"]
    assert engine.changing_calls() == []
    out = run(monkeypatch, [dict(WEB, image="lab/new:1")]).result
    assert out["actions"] == ["pull lab/new:1", "create web"]
    assert engine.changing_calls()[:2] == [("pull", "lab/new", "1"), ("create_container", "web")]
    assert engine.containers["web"]["Image"] == "sha256:" + "c" * 64
    again = run(monkeypatch, [dict(WEB, image="lab/new:1")]).result
    assert again["changed"] is False


def test_pull_always_recreates_only_when_the_image_changed(engine, monkeypatch):
    engine.images["lab/new:1"] = IMAGE
    engine.registry["lab/new:1"] = IMAGE
    run(monkeypatch, [dict(WEB, image="lab/new:1")])
    same = run(monkeypatch, [dict(WEB, image="lab/new:1", pull="always")]).result
    assert same["changed"] is False and same["actions"] == []
    engine.registry["lab/new:1"] = dict(IMAGE, Id="sha256:" + "d" * 64)
    newer = run(monkeypatch, [dict(WEB, image="lab/new:1", pull="always")]).result
    assert newer["actions"] == ["pull lab/new:1", "recreate web (changed: image)"]


def test_containers_of_one_wave_are_created_side_by_side(engine, monkeypatch):
    # Both creations must be under way at the same time to pass the barrier; one at a time, it breaks.
    barrier = threading.Barrier(2, timeout=5)
    create = engine.create_container

    def create_together(*args, **kwargs):
        barrier.wait()
        return create(*args, **kwargs)

    engine.api.create_container = create_together
    out = run(monkeypatch, [{"name": "left", "image": "labnet/box:latest"}, {"name": "right", "image": "labnet/box:latest"}], parallel=2).result
    assert sorted(out["converged"]) == ["left", "right"]
    assert not barrier.broken


def test_an_engine_error_while_stopping_names_the_container(engine, monkeypatch):
    run(monkeypatch, [WEB])

    def refuse_stop(container, timeout=None):
        raise APIError("stop failed", explanation="cannot stop container: permission denied")

    engine.api.stop = refuse_stop
    result = run(monkeypatch, [dict(WEB, state="stopped")])
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("Container 'web' failed while stopping: cannot stop container: permission denied.")
    assert result.result["converged"] == []
    assert engine.containers["web"]["State"]["Running"] is True


def test_own_changes_and_a_remade_target_are_both_given_as_reasons(engine, monkeypatch):
    run(monkeypatch, [WEB, CLIENT])
    out = run(monkeypatch, [dict(WEB, env={"GREETING": "new"}), dict(CLIENT, command="sleep 61")], check=True).result
    assert out["actions"] == ["recreate web (changed: env)", "recreate client (link target web is recreated; changed: command)"]


def test_a_target_recreated_elsewhere_is_noticed(engine, monkeypatch):
    run(monkeypatch, [WEB, CLIENT])
    # What `docker rm -f web; docker run --name web ...` with the same settings does: a new id and host name.
    new_id = hashlib.sha256(b"elsewhere").hexdigest()
    engine.containers["web"]["Id"] = new_id
    engine.containers["web"]["Config"]["Hostname"] = new_id[:12]
    out = run(monkeypatch, [WEB, CLIENT], check=True).result
    assert out["actions"] == ["recreate client (a link target was recreated since this container was made)"]


def test_unreachable_engine_fails_with_its_address(monkeypatch, tmp_path):
    url = "unix://%s" % (tmp_path / "none.sock")
    result = run(monkeypatch, [WEB], docker_host=url, timeout=2)
    assert isinstance(result, ModuleFail)
    assert url in result.result["msg"] and "dockerd" in result.result["msg"]


# Replacement as a transaction, ownership, secrets, check mode ------------------------------------------------

BOX = {"name": "box", "image": "labnet/box:latest", "command": "sleep 3600"}


def test_a_replacement_that_cannot_start_gives_the_old_container_back(engine, monkeypatch):
    run(monkeypatch, [BOX])
    old_id = engine.containers["box"]["Id"]
    engine.held_ports.add("9090")
    engine.calls.clear()
    result = run(monkeypatch, [dict(BOX, published_ports=["127.0.0.1:9090:80"])], stop_timeout=3)
    assert isinstance(result, ModuleFail)
    out = result.result
    assert "Container 'box' failed while starting the new container: driver failed programming" in out["msg"]
    assert "Free that host port or publish the container on another one (published_ports)." in out["msg"]
    assert "the old container (id %s) is back under its name, with its networks and its writable layer, running." % old_id[:12] \
        in out["msg"]
    assert out["outcomes"] == {"box": "kept_old"}
    assert out["converged"] == []
    assert out["containers"]["box"]["id"] == old_id
    assert out["containers"]["box"]["status"] == "running"
    assert sorted(engine.containers) == ["box"]
    assert engine.containers["box"]["Id"] == old_id
    aside = "box-old-" + old_id[:12]
    calls = engine.changing_calls()
    assert calls[:3] == [("stop", "box"), ("rename", "box", aside), ("create_container", "box")]
    assert calls[-2:] == [("rename", aside, "box"), ("start", "box")]
    assert engine.stop_timeouts == [3]


def test_an_engine_timeout_while_creating_gives_the_old_container_back(engine, monkeypatch):
    run(monkeypatch, [BOX])
    old_id = engine.containers["box"]["Id"]
    create = engine.create_container

    def create_then_time_out(*args, **kwargs):
        create(*args, **kwargs)  # the engine made it, but the answer never came
        raise requests.exceptions.ReadTimeout("UnixHTTPConnectionPool(host='localhost', port=None): Read timed out. (read timeout=5)")

    engine.api.create_container = create_then_time_out
    result = run(monkeypatch, [dict(BOX, env={"A": "1"})], timeout=5)
    out = result.result
    assert isinstance(result, ModuleFail)
    assert "Container 'box' failed while creating the new container: ReadTimeout: " in out["msg"]
    assert "The engine did not answer within timeout seconds" in out["msg"]
    assert out["outcomes"] == {"box": "kept_old"}
    assert sorted(engine.containers) == ["box"]
    assert engine.containers["box"]["Id"] == old_id and engine.containers["box"]["State"]["Running"] is True


def test_an_engine_that_stays_away_leaves_the_old_container_aside_and_says_where(engine, monkeypatch):
    run(monkeypatch, [BOX])
    old_id = engine.containers["box"]["Id"]
    monkeypatch.setattr(replacement, "RESTORE_PAUSE", 0.01)

    gone = []
    inspect = engine.api.inspect_container

    def away(*args, **kwargs):
        gone.append(True)
        raise requests.exceptions.ConnectionError("the engine went away")

    def inspect_while_there(key):
        return away() if gone else inspect(key)

    engine.api.create_container = away
    engine.api.inspect_container = inspect_while_there
    result = run(monkeypatch, [dict(BOX, env={"A": "1"})], timeout=1)
    out = result.result
    assert isinstance(result, ModuleFail)
    aside = "box-old-" + old_id[:12]
    assert "Container 'box' failed while creating the new container: ConnectionError: the engine went away" in out["msg"]
    assert "The old container (id %s) could not be put back: ConnectionError: the engine went away." % old_id[:12] in out["msg"]
    assert "docker rename %s box" % aside in out["msg"]
    assert "Could not read the containers afterwards: ConnectionError: the engine went away" in out["msg"]
    assert out["converged"] == []
    assert out["outcomes"] == {"box": "failed"}
    assert list(engine.containers) == [aside]  # kept, with its writable layer


def test_a_container_changed_since_planning_is_not_touched(engine, monkeypatch):
    run(monkeypatch, [BOX])
    plan = containers_task.make_plan

    def plan_then_someone_recreates_it(*args, **kwargs):
        made = plan(*args, **kwargs)
        engine.containers["box"]["Id"] = hashlib.sha256(b"someone else").hexdigest()
        return made

    monkeypatch.setattr(containers_task, "make_plan", plan_then_someone_recreates_it)
    engine.calls.clear()
    result = run(monkeypatch, [dict(BOX, env={"A": "1"})])
    assert isinstance(result, ModuleFail)
    assert "Container 'box' changed since it was planned" in result.result["msg"]
    assert "nothing was done to it" in result.result["msg"]
    assert result.result["outcomes"] == {"box": "untouched"}
    assert engine.changing_calls() == []


def test_a_same_named_container_without_the_set_labels_is_refused_then_adopted(engine, monkeypatch):
    run(monkeypatch, [BOX])  # made without labels: someone's own container of that name
    own_id = engine.containers["box"]["Id"]
    engine.calls.clear()
    refused = run(monkeypatch, [BOX], labels={"labnet.lab": "demo"})
    assert isinstance(refused, ModuleFail)
    assert ("containers[0] (box): the container 'box' on the engine is not this set's: it lacks the label labnet.lab=demo; "
            "rename or remove it yourself, or set adopt: true") in refused.result["msg"]
    assert engine.changing_calls() == []
    check = run(monkeypatch, [BOX], labels={"labnet.lab": "demo"}, adopt=True, check=True).result
    assert check["actions"] == ["recreate box (adopted: it lacks the label labnet.lab=demo; changed: labels)"]
    assert engine.changing_calls() == []
    out = run(monkeypatch, [BOX], labels={"labnet.lab": "demo"}, adopt=True).result
    assert out["outcomes"] == {"box": "converged"}
    assert engine.containers["box"]["Id"] != own_id
    assert engine.containers["box"]["Config"]["Labels"]["labnet.lab"] == "demo"
    assert run(monkeypatch, [BOX], labels={"labnet.lab": "demo"}).result["changed"] is False


def test_env_values_are_masked_in_the_diff_unless_asked(engine, monkeypatch):
    run(monkeypatch, [dict(BOX, env={"TOKEN": "s3cret", "SAME": "x"})])
    changed = [dict(BOX, env={"TOKEN": "n3w", "SAME": "x"})]
    masked = run(monkeypatch, changed, check=True, diff=True).result
    assert masked["diff"]["before"]["box"]["env"] == {"PATH": "********", "SAME": "********", "TOKEN": "******** (changed)"}
    assert masked["diff"]["after"]["box"]["env"] == {"PATH": "********", "SAME": "********", "TOKEN": "******** (changed)"}
    assert "s3cret" not in repr(masked) and "n3w" not in repr(masked)
    shown = run(monkeypatch, changed, check=True, diff=True, show_env_values=True).result
    assert shown["diff"]["after"]["box"]["env"]["TOKEN"] == "n3w"


def test_check_mode_reads_no_hosts_file_by_exec(engine, monkeypatch):
    run(monkeypatch, [WEB, CLIENT])
    engine.calls.clear()
    out = run(monkeypatch, [WEB, CLIENT], check=True).result
    assert out["changed"] is False
    assert [call for call in engine.calls if call[0] == "exec_create"] == []
    assert out["outcomes"] == {"web": "converged", "client": "converged"}


def test_an_engine_that_times_out_while_read_fails_cleanly(engine, monkeypatch):
    def time_out(name):
        raise requests.exceptions.ReadTimeout("Read timed out. (read timeout=3)")

    engine.api.inspect_network = time_out
    result = run(monkeypatch, [dict(WEB, networks=[{"name": "lan"}])], timeout=3)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"] == ("Could not read the engine's containers, networks and images, nothing was changed: "
                                    "ReadTimeout: Read timed out. (read timeout=3)")
    assert engine.changing_calls() == []
