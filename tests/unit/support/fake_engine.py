# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small in-memory Docker engine, in the shapes the Engine API returns, for unit tests.

The SDK's own APIClient builds the host, networking and endpoint configs (so that the tests see
what the engine would get); only its calls that would reach an engine are replaced by FakeEngine.
A test's fixture puts it behind the client factory with :func:`install`.

Networks are held by id (``nets``), with the calls the network modules make: ``networks``,
``create_network``, ``remove_network``, ``containers`` filtered by network, and connect/disconnect with
full endpoint settings. ``faults`` maps a call's name to a function that may raise before the call
changes anything; ``fail_create`` counts the create_network calls that fail.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import threading

import docker
from docker.errors import APIError, NotFound

IMAGE = {"Id": "sha256:" + "b" * 64, "Config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"], "Labels": {"title": "box"}}}
NETWORKS = {
    "bridge": {"Name": "bridge", "Driver": "bridge", "IPAM": {"Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]}},
    "lan": {"Name": "lan", "Driver": "macvlan", "IPAM": {"Config": [{"Subnet": "192.168.50.0/24", "Gateway": "192.168.50.1"}]}},
}
CHANGING_CALLS = ("create_container", "start", "stop", "rename", "remove_container", "connect_container_to_network", "pull",
                  "create_network", "remove_network", "disconnect_container_from_network")


class FakeEngine:
    """Containers, networks and images in memory, in the shapes the Engine API returns."""

    def __init__(self, networks=tuple(NETWORKS)):
        """``networks``: the names of the module's NETWORKS the engine starts with (none: an empty engine)."""
        self.api = docker.APIClient(base_url="unix:///nonexistent.sock", version="1.41")
        self.containers = {}  # name -> inspect dict
        self.images = {"labnet/box:latest": IMAGE}
        self.calls = []
        self.start_errors = {}  # name -> engine message
        self.exec_results = {}  # command word 0 -> (exit code, output) for post_start commands
        self.execs = []  # (container name, command) of every exec
        self.health = {}  # name -> the health state a started container reports
        self.held_ports = set()  # host ports (str) that a process outside the engine holds: start fails
        self.stop_timeouts = []  # the timeout of each stop call
        self.registry = {}  # image ref -> inspect dict that a pull brings
        self.ids = (hashlib.sha256(b"%d" % n).hexdigest() for n in itertools.count(1))
        self.lock = threading.Lock()
        for method in ("inspect_container", "inspect_image", "inspect_network", "create_container", "start", "stop",
                       "rename", "remove_container", "connect_container_to_network", "pull", "exec_create", "exec_start", "exec_inspect"):
            setattr(self.api, method, getattr(self, method))
        self.nets = {}  # network id -> inspect dict, without the Containers the engine adds
        # networks draw their ids apart, so that container ids stay as they were
        self.net_ids = (hashlib.sha256(b"network %d" % n).hexdigest() for n in itertools.count(1))
        self.faults = {}  # call name -> function(*args) that raises, or returns to let the call go on
        self.fail_create = 0  # how many create_network calls fail
        self.connected_with = []  # the keyword arguments of every connect, with ctr_id and net_id
        for method in ("create_network", "remove_network", "disconnect_container_from_network"):
            setattr(self.api, method, getattr(self, method))
        self.api.networks = self.list_networks
        self.api.containers = self.list_containers
        for name in networks:
            net = NETWORKS[name]
            self.add_network(name, net["Driver"], config=net["IPAM"]["Config"])

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

    def inspect_network(self, key):
        """By id or name, as the engine does; ``Containers`` lists the running containers on it."""
        net_id = self.net_id(key)
        attrs = copy.deepcopy(self.nets[net_id])
        attrs["Containers"] = {info["Id"]: {"Name": name} for name, info in self.containers.items()
                               if any(e.get("NetworkID") == net_id for e in info["NetworkSettings"]["Networks"].values())}
        return attrs

    def create_container(self, image, command=None, name=None, hostname=None, environment=None, labels=None, ports=None,
                         host_config=None, networking_config=None, mac_address=None, entrypoint=None, user=None,
                         working_dir=None, healthcheck=None):
        self.record("create_container", name)
        if name in self.containers:
            raise APIError("conflict", explanation='Conflict. The container name "/%s" is already in use' % name)
        container_id = next(self.ids)
        network = host_config["NetworkMode"]
        endpoint = ((networking_config or {}).get("EndpointsConfig") or {}).get(network) or {}
        if mac_address:
            endpoint = dict(endpoint, MacAddress=mac_address)
        runtime_keys = ("CapAdd", "CapDrop", "Privileged", "Sysctls", "Devices", "Binds", "Tmpfs", "Memory", "NanoCpus", "Dns",
                        "DnsSearch")
        runtime = {key: host_config.get(key) for key in runtime_keys}
        self.containers[name] = {
            "Id": container_id,
            "Name": "/" + name,
            "Image": self.images[image]["Id"],
            "State": {"Running": False, "Status": "created"},
            "Config": {
                "Cmd": command or (None if entrypoint else IMAGE["Config"]["Cmd"]),
                "Entrypoint": entrypoint,
                "User": user or "",
                "WorkingDir": working_dir or "",
                "Healthcheck": {key.title().replace("_", ""): value for key, value in (healthcheck or {}).items() if value} or None,
                "Env": IMAGE["Config"]["Env"] + (environment or []),
                "Hostname": hostname or container_id[:12],
                "Labels": dict(IMAGE["Config"]["Labels"], **(labels or {})),
            },
            "HostConfig": {
                "Links": ["/%s:/%s/%s" % (*link.split(":")[:1], name, link.split(":")[1]) for link in host_config.get("Links") or []],
                "PortBindings": host_config.get("PortBindings") or {},
                "RestartPolicy": host_config.get("RestartPolicy"),
                "ExtraHosts": host_config.get("ExtraHosts"),
                **runtime,
            },
            "NetworkSettings": {"Networks": {network: self.endpoint(network, endpoint, container_id)}, "Ports": {}},
        }
        return {"Id": container_id}

    @staticmethod
    def endpoint(network, config, container_id):
        """As the engine reports it: on user-defined networks the short id is an alias too."""
        ipam = {key: value for key, value in (config.get("IPAMConfig") or {}).items() if value}
        address = ipam.get("IPv4Address")
        return {
            "IPAMConfig": ipam or None,
            "Aliases": None if network == "bridge" else (config.get("Aliases") or []) + [container_id[:12]],
            "Links": config.get("Links"),
            "IPAddress": address or "172.17.0.9",
            "MacAddress": config.get("MacAddress") or "02:42:ac:11:00:09",
        }

    def connect_container_to_network(self, container, net_id, ipv4_address=None, aliases=None, links=None,
                                     ipv6_address=None, **kwargs):
        self.record("connect_container_to_network", container, net_id)
        self.connected_with.append(dict(kwargs, ctr_id=container, net_id=net_id, ipv4_address=ipv4_address,
                                        aliases=aliases, links=links))
        self.fault("connect_container_to_network", container, net_id, ipv4_address)
        info = self.find(container)[1]
        if net_id not in self.nets:  # by name, as linked_containers connects: the endpoint as before
            config = self.api.create_endpoint_config(ipv4_address=ipv4_address, ipv6_address=ipv6_address,
                                                     aliases=aliases, links=links)
            info["NetworkSettings"]["Networks"][net_id] = self.endpoint(net_id, config, info["Id"])
            return
        # by id, as macvlan_network reconnects: every endpoint setting, as inspect shows it
        config = self.api.create_endpoint_config(ipv4_address=ipv4_address, ipv6_address=ipv6_address, aliases=aliases,
                                                 links=links, **kwargs)
        network = self.nets[net_id]["Name"]
        endpoint = self.endpoint(network, config, info["Id"])
        ipv6 = (config.get("IPAMConfig") or {}).get("IPv6Address")
        endpoint.update(NetworkID=net_id, IPAddress=ipv4_address, GlobalIPv6Address=ipv6 or "",
                        MacAddress=config.get("MacAddress") or "", DriverOpts=config.get("DriverOpts"),
                        IPAMConfig={"IPv4Address": ipv4_address, "IPv6Address": ipv6})
        info["NetworkSettings"]["Networks"][network] = endpoint

    def disconnect_container_from_network(self, container, net_id, force=False):
        self.record("disconnect_container_from_network", container, net_id, force)
        self.fault("disconnect_container_from_network", container, net_id)
        info = self.find(container)[1]
        del info["NetworkSettings"]["Networks"][self.nets[self.net_id(net_id)]["Name"]]

    # ---- networks ----
    def new_id(self, ids=None):
        with self.lock:
            return next(ids or self.ids)

    def net_id(self, key):
        """The id of the network with this id or name."""
        for net_id, net in self.nets.items():
            if key in (net_id, net["Name"]):
                return net_id
        raise NotFound("network %s not found" % key)

    def add_network(self, name, driver="macvlan", options=None, config=None, labels=None):
        """Set up a network as if someone had made it; returns its id."""
        net_id = self.new_id(self.net_ids)
        self.nets[net_id] = {"Name": name, "Id": net_id, "Driver": driver, "Options": options or {}, "Labels": labels or {},
                             "EnableIPv6": False, "IPAM": {"Driver": "default", "Options": {}, "Config": config or []}}
        return net_id

    def add_container(self, name, net_id, address, aliases=(), running=True, static=True, links=None, mac=None, ipv6=None):
        """Set up a container attached to network ``net_id``; returns its id.

        A stopped container keeps its endpoint settings but no NetworkID or address, as the engine reports it.
        """
        ctr_id = self.new_id()
        ipam = {"IPv4Address": address, "IPv6Address": ipv6} if static else None
        endpoint = {"NetworkID": net_id if running else "", "IPAMConfig": ipam, "IPAddress": address if running else "",
                    "GlobalIPv6Address": ipv6 or "", "Aliases": list(aliases) + [ctr_id[:12]], "Links": links,
                    "MacAddress": mac or "", "DriverOpts": None}
        self.containers[name] = {
            "Id": ctr_id,
            "Name": "/" + name,
            "Image": IMAGE["Id"],
            "State": {"Running": running, "Status": "running" if running else "exited"},
            "Config": {"Cmd": IMAGE["Config"]["Cmd"], "Env": IMAGE["Config"]["Env"], "Hostname": ctr_id[:12],
                       "Labels": dict(IMAGE["Config"]["Labels"])},
            "HostConfig": {"Links": [], "PortBindings": {}, "RestartPolicy": None, "ExtraHosts": None},
            "NetworkSettings": {"Networks": {self.nets[net_id]["Name"]: endpoint}, "Ports": {}},
        }
        return ctr_id

    def endpoint_of(self, container, network):
        """The endpoint of a container (name or id) on a network (by name), or ``None``."""
        return self.find(container)[1]["NetworkSettings"]["Networks"].get(network)

    def fault(self, call, *args):
        if call in self.faults:
            self.faults[call](*args)

    def list_networks(self, names=None):
        """The engine's ``networks`` call: the summaries whose name contains one of ``names``."""
        self.record("networks", names)
        return [copy.deepcopy(n) for n in self.nets.values() if not names or any(x in n["Name"] for x in names)]

    def list_containers(self, all=False, filters=None):  # pylint: disable=redefined-builtin
        """The engine's ``containers`` call, filtered by network id or name."""
        wanted = (filters or {}).get("network") or []
        found = []
        for info in self.containers.values():
            if not wanted or any(e.get("NetworkID") in wanted or name in wanted
                                 for name, e in info["NetworkSettings"]["Networks"].items()):
                if all or info["State"]["Running"]:
                    found.append({"Id": info["Id"]})
        return found

    def create_network(self, name, **kwargs):
        self.record("create_network", name, kwargs)
        self.fault("create_network", name, kwargs)
        if any(n["Name"] == name for n in self.nets.values()):
            raise APIError("network with name %s already exists" % name)
        if self.fail_create:
            self.fail_create -= 1
            raise APIError("invalid pool request")
        net_id = self.add_network(name, kwargs["driver"], kwargs["options"], kwargs["ipam"]["Config"], kwargs["labels"])
        self.nets[net_id]["Internal"] = bool(kwargs.get("internal"))
        return {"Id": net_id}

    def remove_network(self, net_id):
        self.record("remove_network", net_id)
        self.fault("remove_network", net_id)
        if self.inspect_network(net_id)["Containers"]:
            raise APIError("network has active endpoints")
        del self.nets[net_id]

    def start(self, container):
        name, info = self.find(container)
        self.record("start", name)
        if name in self.start_errors:
            raise APIError("start failed", explanation=self.start_errors[name])
        for bindings in info["HostConfig"]["PortBindings"].values():
            for binding in bindings:
                if binding.get("HostPort") in self.held_ports:
                    raise APIError("start failed", explanation="driver failed programming external connectivity on endpoint %s: "
                                   "Error starting userland proxy: listen tcp4 %s:%s: bind: address already in use"
                                   % (name, binding.get("HostIp"), binding["HostPort"]))
        info["State"] = {"Running": True, "Status": "running"}
        if name in self.health:
            info["State"]["Health"] = self.health[name]
        info["NetworkSettings"]["Ports"] = info["HostConfig"]["PortBindings"]

    def stop(self, container, timeout=None):
        name, info = self.find(container)
        self.record("stop", name)
        self.stop_timeouts.append(timeout)
        info["State"] = {"Running": False, "Status": "exited"}

    def rename(self, container, name):
        old_name, info = self.find(container)
        self.record("rename", old_name, name)
        if name in self.containers:
            raise APIError("conflict", explanation='Conflict. The container name "/%s" is already in use' % name)
        del self.containers[old_name]
        info["Name"] = "/" + name
        self.containers[name] = info

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

    def exec_create(self, container, cmd, **_kw):
        name = self.find(container)[0]
        self.record("exec_create", container)
        with self.lock:
            self.execs.append((name, list(cmd)))
        return {"Id": "exec-" + name, "Cmd": list(cmd)}

    def exec_inspect(self, exec_id):
        return {"ExitCode": self.exec_results.get(exec_id["Cmd"][0], (0, ""))[0]}

    def exec_start(self, exec_id):
        if exec_id["Cmd"][0] in self.exec_results:
            return self.exec_results[exec_id["Cmd"][0]][1].encode()
        name = exec_id["Id"][len("exec-"):]
        lines = ["127.0.0.1\tlocalhost"]
        for link in self.containers[name]["HostConfig"]["Links"]:
            target, alias = link.lstrip("/").split(":")[0], link.rsplit("/", 1)[1]
            lines.append("172.17.0.2\t%s %s %s" % (alias, self.containers[target]["Id"][:12], target))
        return ("\n".join(lines) + "\n").encode()

    def changing_calls(self):
        return [call for call in self.calls if call[0] in CHANGING_CALLS]


def install(monkeypatch) -> FakeEngine:
    """Put a new FakeEngine behind the client factory for one test; returns it."""
    fake = FakeEngine()
    monkeypatch.setattr(
        "ansible_collections.labnet.docker.plugins.module_utils._docker.client.make_docker_client", lambda url, timeout: fake
    )
    return fake
