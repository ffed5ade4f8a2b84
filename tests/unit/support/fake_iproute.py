# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small in-memory stand-in for pyroute2's IPRoute: links, addresses and routes of one namespace.

It answers the calls the collection makes (link_lookup, get_links, get_addr, get_routes, link, addr,
route, fdb) with message objects that have ``get_attr`` and item access, like pyroute2's, and records every
changing call in ``changes``. Links have an MTU; VXLAN links their VXLAN data (id, port, link, local,
local6) and forwarding database entries (``fdb_entries``); ``link("set", ...)`` renames and sets MTUs
and VXLAN data too.
"""
from __future__ import annotations

import ipaddress

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import IFF_UP, NetlinkError

MACVLAN_MODE_NUMBERS = {"private": 1, "vepa": 2, "bridge": 4, "passthru": 8}


class Msg(dict):
    """A netlink message: item access for the header, ``get_attr`` for the attributes."""

    def __init__(self, attrs=None, **header):
        super().__init__(**header)
        self.attrs = dict(attrs or {})

    def get_attr(self, name):
        return self.attrs.get(name)


class FakeIPRoute:
    def __init__(self):
        self.links = {}  # index -> dict(name, kind, link, mode, up, mtu, vxlan, alias, netnsid)
        self.addresses = []  # (index, address, prefixlen)
        self.routes = []  # (index, dst, dst_len, proto)
        self.fdb_entries = []  # (index, lladdr, dst)
        self.changes = []
        self.fail_on = None  # (method, command) that raises NetlinkError
        self.add_link("lo", kind=None)

    # ---- setting up ----
    def add_link(self, name, kind="veth", link=None, mode=None, up=True, mtu=1500, vxlan=None, alias=None,
                 netnsid=None, index=None):
        """``vxlan``: a VXLAN link's data, dict(id, port, link, local, local6); ``netnsid``: the namespace of
        the peer ``link`` (a veth end whose peer is elsewhere); ``index``: the next free one unless given."""
        index = index or max(self.links, default=0) + 1
        self.links[index] = dict(name=name, kind=kind, link=link, mode=mode, up=up, mtu=mtu, vxlan=vxlan, alias=alias,
                                 netnsid=netnsid)
        return index

    def index_of(self, name):
        return next(i for i, link in self.links.items() if link["name"] == name)

    # ---- context manager ----
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    # ---- reads ----
    def link_lookup(self, ifname):
        return [i for i, link in self.links.items() if link["name"] == ifname]

    def _link_msg(self, index):
        link = self.links[index]
        info = None
        if link["kind"] == "vxlan":
            data = Msg({"IFLA_VXLAN_%s" % key.upper(): value for key, value in link["vxlan"].items()})
            info = Msg({"IFLA_INFO_KIND": "vxlan", "IFLA_INFO_DATA": data})
        elif link["kind"]:
            data = Msg({"IFLA_MACVLAN_MODE": MACVLAN_MODE_NUMBERS[link["mode"]]}) if link["mode"] else None
            info = Msg({"IFLA_INFO_KIND": link["kind"], "IFLA_INFO_DATA": data})
        return Msg({"IFLA_IFNAME": link["name"], "IFLA_LINK": link["link"], "IFLA_LINKINFO": info,
                    "IFLA_MTU": link["mtu"], "IFLA_IFALIAS": link["alias"], "IFLA_LINK_NETNSID": link["netnsid"]},
                   index=index, flags=IFF_UP if link["up"] else 0)

    def get_links(self, *indexes):
        return [self._link_msg(i) for i in (indexes or sorted(self.links))]

    def get_addr(self, index=None):
        """The addresses of one link, or of all without ``index``."""
        return [Msg({"IFA_LOCAL": address, "IFA_ADDRESS": address}, prefixlen=prefixlen, index=i)
                for i, address, prefixlen in self.addresses if index in (None, i)]

    def get_routes(self, oif, table):
        return [Msg({"RTA_DST": dst, "RTA_OIF": i}, dst_len=dst_len, proto=proto, table=table)
                for i, dst, dst_len, proto in self.routes if i == oif]

    # ---- changes ----
    def _maybe_fail(self, method, command):
        self.changes.append((method, command))
        if self.fail_on == (method, command):
            raise NetlinkError(17, "File exists")

    def link(self, command, **kwargs):
        self._maybe_fail("link", command)
        if command == "add" and kwargs.get("kind") == "vxlan":
            data = dict(id=kwargs["vxlan_id"], port=kwargs["vxlan_port"], link=kwargs["vxlan_link"],
                        local=kwargs.get("vxlan_local"), local6=kwargs.get("vxlan_local6"))
            index = self.add_link(kwargs["ifname"], kind="vxlan", up=False, mtu=kwargs["mtu"], vxlan=data)
            self.changes[-1] = ("link", "add", kwargs["ifname"], index)
        elif command == "add" and kwargs.get("kind") == "veth" and "peer" in kwargs:
            index = self.add_link(kwargs["ifname"], up=False)
            self.links[index]["link"] = self.add_link(kwargs["peer"], link=index, up=False)
            self.changes[-1] = ("link", "add", kwargs["ifname"], index)
        elif command == "set" and set(kwargs) - {"index", "state"}:  # a rename, an MTU, an alias or VXLAN data
            link = self.links[kwargs["index"]]
            self.changes[-1] = ("link", "set", tuple(sorted(kwargs)))
            link.update(name=kwargs.get("ifname", link["name"]), mtu=kwargs.get("mtu", link["mtu"]),
                        alias=kwargs.get("ifalias", link["alias"]))
            if "state" in kwargs:
                link["up"] = kwargs["state"] == "up"
            for key in ("local", "local6", "link"):
                if "vxlan_" + key in kwargs:
                    link["vxlan"][key] = kwargs["vxlan_" + key]
        elif command == "add":
            index = self.add_link(kwargs["ifname"], kind=kwargs["kind"], link=kwargs["link"],
                                  mode=kwargs.get("macvlan_mode"), up=False)
            self.changes[-1] = ("link", "add", kwargs["ifname"], index)
        elif command == "del":
            index = kwargs.get("index") or self.index_of(kwargs["ifname"])
            del self.links[index]
            self.addresses = [a for a in self.addresses if a[0] != index]
            self.routes = [r for r in self.routes if r[0] != index]
            self.fdb_entries = [e for e in self.fdb_entries if e[0] != index]
        elif command == "set":
            self.links[kwargs["index"]]["up"] = kwargs.get("state") == "up"

    def addr(self, command, index, address, prefixlen):
        self._maybe_fail("addr", command)
        network = ipaddress.ip_interface("%s/%s" % (address, prefixlen)).network
        if command == "add":
            self.addresses.append((index, address, prefixlen))
            self.routes.append((index, str(network.network_address), network.prefixlen, 2))  # the kernel's route
        else:
            self.addresses.remove((index, address, prefixlen))

    def route(self, command, dst, dst_len, oif, table):
        self._maybe_fail("route", command)
        if command == "add":
            self.routes.append((oif, dst, dst_len, 4))
        else:
            self.routes = [r for r in self.routes if r[:3] != (oif, dst, dst_len) or r[3] == 2]

    def fdb(self, command, ifindex=None, lladdr=None, dst=None):
        if command == "dump":
            return [Msg({"NDA_LLADDR": mac, "NDA_DST": d}, ifindex=i) for i, mac, d in self.fdb_entries
                    if ifindex in (None, i)]
        self._maybe_fail("fdb", command)
        if command == "append":
            self.fdb_entries.append((ifindex, lladdr, dst))
        else:
            self.fdb_entries.remove((ifindex, lladdr, dst))
        return None
