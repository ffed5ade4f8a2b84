# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""linked_containers' main(), driven against a small in-memory engine behind the client factory.

The SDK's own APIClient builds the host, networking and endpoint configs (so the tests see what
the engine would get); only its calls that would reach an engine are replaced by FakeEngine.
"""
from __future__ import annotations

import hashlib
import itertools
import threading

import docker
import pytest
from docker.errors import APIError, NotFound

from ansible_collections.labnet.docker.plugins.modules import linked_containers
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module

IMAGE = {"Id": "sha256:" + "b" * 64, "Config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"], "Labels": {"title": "box"}}}
NETWORKS = {
    "bridge": {"Name": "bridge", "Driver": "bridge", "IPAM": {"Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]}},
    "lan": {"Name": "lan", "Driver": "macvlan", "IPAM": {"Config": [{"Subnet": "192.168.50.0/24", "Gateway": "192.168.50.1"}]}},
}
CHANGING_CALLS = ("create_container", "start", "stop", "remove_container", "connect_container_to_network", "pull")


class FakeEngine:
    """Containers, networks and images in memory, in the shapes the Engine API returns."""

    def __init__(self):
        self.api = docker.APIClient(base_url="unix:///nonexistent.sock", version="1.41")
        self.containers = {}  # name -> inspect dict
        self.images = {"labnet/box:latest": IMAGE}
        self.calls = []
        self.start_errors = {}  # name -> engine message
        self.registry = {}  # image ref -> inspect dict that a pull brings
        self.ids = (hashlib.sha256(b"%d" % n).hexdigest() for n in itertools.count(1))
        self.lock = threading.Lock()
        for method in ("inspect_container", "inspect_image", "inspect_network", "create_container", "start", "stop",
                       "remove_container", "connect_container_to_network", "pull", "exec_create", "exec_start"):
            setattr(self.api, method, getattr(self, method))

    def ping(self):
        return True

    def record(self, *call):
        with self.lock:
            self.calls.append(call)

    def find(self, key):
        for name, info in self.containers.items():
            if key in (name, info["Id"]):
                return name, info
        raise NotFound("No such container: %s" % key)

    def inspect_container(self, key):
        return self.find(key)[1]

    def inspect_image(self, ref):
        if ref not in self.images:
            raise NotFound("No such image: %s" % ref)
        return self.images[ref]

    def inspect_network(self, name):
        if name not in NETWORKS:
            raise NotFound("network %s not found" % name)
        return NETWORKS[name]

    def create_container(self, image, command=None, name=None, hostname=None, environment=None, labels=None, ports=None,
                         host_config=None, networking_config=None):
        self.record("create_container", name)
        container_id = next(self.ids)
        network = host_config["NetworkMode"]
        endpoint = ((networking_config or {}).get("EndpointsConfig") or {}).get(network) or {}
        self.containers[name] = {
            "Id": container_id,
            "Name": "/" + name,
            "Image": self.images[image]["Id"],
            "State": {"Running": False, "Status": "created"},
            "Config": {
                "Cmd": command or IMAGE["Config"]["Cmd"],
                "Env": IMAGE["Config"]["Env"] + (environment or []),
                "Hostname": hostname or container_id[:12],
                "Labels": dict(IMAGE["Config"]["Labels"], **(labels or {})),
            },
            "HostConfig": {
                "Links": ["/%s:/%s/%s" % (*link.split(":")[:1], name, link.split(":")[1]) for link in host_config.get("Links") or []],
                "PortBindings": host_config.get("PortBindings") or {},
                "RestartPolicy": host_config.get("RestartPolicy"),
                "ExtraHosts": host_config.get("ExtraHosts"),
            },
            "NetworkSettings": {"Networks": {network: self.endpoint(network, endpoint, container_id)}, "Ports": {}},
        }
        return {"Id": container_id}

    @staticmethod
    def endpoint(network, config, container_id):
        """As the engine reports it: on user-defined networks the short id is an alias too."""
        address = (config.get("IPAMConfig") or {}).get("IPv4Address")
        return {
            "IPAMConfig": {"IPv4Address": address} if address else None,
            "Aliases": None if network == "bridge" else (config.get("Aliases") or []) + [container_id[:12]],
            "Links": config.get("Links"),
            "IPAddress": address or "172.17.0.9",
            "MacAddress": "02:42:ac:11:00:09",
        }

    def connect_container_to_network(self, container, net_id, ipv4_address=None, aliases=None, links=None, **_kw):
        self.record("connect_container_to_network", container, net_id)
        info = self.find(container)[1]
        config = self.api.create_endpoint_config(ipv4_address=ipv4_address, aliases=aliases, links=links)
        info["NetworkSettings"]["Networks"][net_id] = self.endpoint(net_id, config, info["Id"])

    def start(self, container):
        name, info = self.find(container)
        self.record("start", name)
        if name in self.start_errors:
            raise APIError("start failed", explanation=self.start_errors[name])
        info["State"] = {"Running": True, "Status": "running"}
        info["NetworkSettings"]["Ports"] = info["HostConfig"]["PortBindings"]

    def stop(self, container, timeout=None):
        name, info = self.find(container)
        self.record("stop", name)
        info["State"] = {"Running": False, "Status": "exited"}

    def remove_container(self, container, force=False):
        name, _info = self.find(container)
        self.record("remove_container", name)
        del self.containers[name]

    def pull(self, repository, tag=None):
        self.record("pull", repository, tag)
        ref = "%s:%s" % (repository, tag)
        if ref in self.registry:
            self.images[ref] = self.registry[ref]
            return
        raise APIError("pull failed", explanation="Get https://registry-1.docker.io/v2/: dial tcp: lookup registry-1.docker.io: no such host")

    def exec_create(self, container, cmd):
        return {"Id": "exec-" + self.find(container)[0]}

    def exec_start(self, exec_id):
        name = exec_id["Id"][len("exec-"):]
        lines = ["127.0.0.1\tlocalhost"]
        for link in self.containers[name]["HostConfig"]["Links"]:
            target, alias = link.lstrip("/").split(":")[0], link.rsplit("/", 1)[1]
            lines.append("172.17.0.2\t%s %s %s" % (alias, self.containers[target]["Id"][:12], target))
        return ("\n".join(lines) + "\n").encode()

    def changing_calls(self):
        return [call for call in self.calls if call[0] in CHANGING_CALLS]


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine()
    monkeypatch.setattr(
        "ansible_collections.labnet.docker.plugins.module_utils._docker.client.make_docker_client", lambda url, timeout: fake
    )
    return fake


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
    check = run(monkeypatch, [changed_web, CLIENT], check=True, diff=True).result
    assert check["actions"] == ["recreate web (changed: env)", "recreate client (link target web is recreated)"]
    assert check["diff"]["before"]["web"]["env"]["GREETING"] == "hi"
    assert check["diff"]["after"]["web"]["env"]["GREETING"] == "hello"
    assert engine.changing_calls() == []
    out = run(monkeypatch, [changed_web, CLIENT]).result
    assert out["actions"] == check["actions"]
    assert engine.changing_calls() == [
        ("remove_container", "web"), ("create_container", "web"), ("start", "web"),
        ("remove_container", "client"), ("create_container", "client"), ("start", "client"),
    ]


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
    real = linked_containers.ThreadPoolExecutor

    def pool(max_workers):
        seen.append(max_workers)
        return real(max_workers=max_workers)

    monkeypatch.setattr(linked_containers, "ThreadPoolExecutor", pool)
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
    assert linked_containers.split_image_ref(ref) == expected


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
