# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""An in-memory Docker engine for the unit tests of the network code: the SDK's low-level ``api`` calls."""
from __future__ import annotations

import copy

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import APIError, NotFound

CHANGING = {"create_network", "remove_network", "connect_container_to_network", "disconnect_container_from_network"}


class FakeApi:
    """The Engine API calls the module makes, over networks and containers held in memory."""

    def __init__(self):
        self.nets = {}
        self.ctrs = {}
        self.calls = []
        self.serial = 0
        self.fail_create = 0  # how many create_network calls fail
        self.faults = {}  # call name -> function(*args) that raises, or returns to let the call go on
        self.connected_with = []  # the keyword arguments of every connect

    def _id(self, prefix):
        self.serial += 1
        return ("%s%03d" % (prefix, self.serial)).ljust(64, "0")

    def add_network(self, name, driver="macvlan", options=None, config=None, labels=None):
        net_id = self._id("n")
        self.nets[net_id] = dict(Name=name, Id=net_id, Driver=driver, Options=options or {}, Labels=labels or {},
                                 EnableIPv6=False, IPAM=dict(Driver="default", Options={}, Config=config or []))
        return net_id

    def add_container(self, name, net_id, address, aliases=(), running=True, static=True, links=None, mac=None,
                      ipv6=None):
        ctr_id = self._id("c")
        net = self.nets[net_id]
        ipam = dict(IPv4Address=address, IPv6Address=ipv6) if static else None
        self.ctrs[ctr_id] = dict(Id=ctr_id, Name="/" + name, State=dict(Running=running), NetworkSettings=dict(Networks={
            net["Name"]: dict(NetworkID=net_id if running else "", IPAMConfig=ipam,
                              IPAddress=address if running else "", GlobalIPv6Address=ipv6 or "",
                              Aliases=list(aliases) + [ctr_id[:12]], Links=links, MacAddress=mac or "",
                              DriverOpts=None)
        }))
        return ctr_id

    def endpoint(self, ctr_id, net_name):
        return self.ctrs[ctr_id]["NetworkSettings"]["Networks"].get(net_name)

    # reads
    def networks(self, names=None):
        self.calls.append(("networks", names))
        return [copy.deepcopy(n) for n in self.nets.values() if not names or any(x in n["Name"] for x in names)]

    def inspect_network(self, net_id):
        if net_id not in self.nets:
            raise NotFound("no such network")
        attrs = copy.deepcopy(self.nets[net_id])
        attrs["Containers"] = {ctr_id: dict(Name=ctr["Name"].lstrip("/")) for ctr_id, ctr in self.ctrs.items()
                               if any(e["NetworkID"] == net_id for e in ctr["NetworkSettings"]["Networks"].values())}
        return attrs

    def fault(self, call, *args):
        if call in self.faults:
            self.faults[call](*args)

    def containers(self, all, filters):  # pylint: disable=redefined-builtin
        wanted = filters["network"]
        found = []
        for ctr in self.ctrs.values():
            for name, endpoint in ctr["NetworkSettings"]["Networks"].items():
                if endpoint["NetworkID"] in wanted or name in wanted:
                    found.append(dict(Id=ctr["Id"]))
        return found

    def inspect_container(self, ctr_id):
        return copy.deepcopy(self.ctrs[ctr_id])

    # changes
    def create_network(self, name, **kwargs):
        self.calls.append(("create_network", name, kwargs))
        self.fault("create_network", name, kwargs)
        if any(n["Name"] == name for n in self.nets.values()):
            raise APIError("network with name %s already exists" % name)
        if self.fail_create:
            self.fail_create -= 1
            raise APIError("invalid pool request")
        net_id = self.add_network(name, kwargs["driver"], kwargs["options"], kwargs["ipam"]["Config"], kwargs["labels"])
        return dict(Id=net_id)

    def remove_network(self, net_id):
        self.calls.append(("remove_network", net_id))
        self.fault("remove_network", net_id)
        if self.inspect_network(net_id)["Containers"]:
            raise APIError("network has active endpoints")
        del self.nets[net_id]

    def disconnect_container_from_network(self, ctr_id, net_id, force):
        self.calls.append(("disconnect_container_from_network", ctr_id, net_id, force))
        self.fault("disconnect_container_from_network", ctr_id, net_id)
        networks = self.ctrs[ctr_id]["NetworkSettings"]["Networks"]
        del networks[self.nets[net_id]["Name"]]

    def connect_container_to_network(self, ctr_id, net_id, ipv4_address=None, aliases=None, **kwargs):
        self.calls.append(("connect_container_to_network", ctr_id, net_id, ipv4_address, aliases))
        self.connected_with.append(dict(kwargs, ctr_id=ctr_id, net_id=net_id, ipv4_address=ipv4_address, aliases=aliases))
        self.fault("connect_container_to_network", ctr_id, net_id, ipv4_address)
        ctr = self.ctrs[ctr_id]
        links = ["%s:%s" % link for link in kwargs.get("links") or []]
        ctr["NetworkSettings"]["Networks"][self.nets[net_id]["Name"]] = dict(
            NetworkID=net_id, IPAMConfig=dict(IPv4Address=ipv4_address, IPv6Address=kwargs.get("ipv6_address")),
            IPAddress=ipv4_address, Aliases=list(aliases or []) + [ctr_id[:12]], Links=links or None,
            MacAddress=kwargs.get("mac_address") or "", DriverOpts=kwargs.get("driver_opt"))

    def changing_calls(self):
        return [call for call in self.calls if call[0] in CHANGING]
