# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The executor of labnet.docker.macvlan_shim: reads a host-side macvlan (a shim), compares it with the
wanted parent, mode, address and routes, and makes, fixes or removes it.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink as _netlink
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import (
    macvlan_mode_name,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import (
    IFF_UP,
    NetlinkError,
    NetnsNotFound,
    link_kind_and_data,
    netlink_error_text,
    netns_path,
    require_pyroute2,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.vlan_parent import (
    ParentError,
    check_interface_name,
    resolve_parent,
)

RTPROT_KERNEL = 2
MAIN_TABLE = 254


class ShimError(Exception):
    """The task cannot be done; the message says why and what to do."""


def parse_shim_address(value: str):
    """The ``address`` option as an ``ip_interface``; raises :class:`ShimError`."""
    if "/" not in (value or ""):
        raise ShimError(
            "address=%r has no prefix length. Write it in CIDR notation, for example 192.168.50.250/32 (only this "
            "address) or 192.168.50.250/24." % (value,)
        )
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError as exc:
        raise ShimError("address=%r is not an address in CIDR notation (%s). Write it as, for example, "
                        "192.168.50.250/32." % (value, exc)) from None
    network = interface.network
    if interface.version == 4 and network.prefixlen < 31 and interface.ip in (network.network_address, network.broadcast_address):
        raise ShimError("address=%r is the %s address of %s, which no host can use. Choose a host address."
                        % (value, "network" if interface.ip == network.network_address else "broadcast", network))
    return interface


def parse_routes(values: list[str], version: int) -> list:
    """The ``routes`` option as ``ip_network`` objects of the address's family; raises :class:`ShimError`."""
    routes = []
    for index, value in enumerate(values):
        field = "routes[%d]" % index
        try:
            route = ipaddress.ip_network(value, strict=True)
        except ValueError:
            try:
                loose = ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ShimError("%s=%r is not a network in CIDR notation. Write it as, for example, 192.168.50.128/25."
                                % (field, value)) from None
            raise ShimError("%s=%r has host bits set. Use the network address: %s." % (field, value, loose)) from None
        if route.version != version:
            raise ShimError("%s=%r is an IPv%d network but address is IPv%d. Give routes of the address's family."
                            % (field, value, route.version, version))
        if route not in routes:
            routes.append(route)
    return routes


def shim_mode(data) -> object:
    """The shim's macvlan mode by name, from its IFLA_INFO_DATA (``None`` without one)."""
    if data is None:
        return None
    mode = data.get_attr("IFLA_MACVLAN_MODE")
    return macvlan_mode_name(mode)


class MacvlanShim:
    """Reads the shim link, compares it with the task, and makes, fixes or removes it."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.check_mode = module.check_mode
        self.actions: list[str] = []

    def fail(self, msg: str):
        self.module.fail_json(msg=msg, actions=self.actions)

    # ---- reading ---------------------------------------------------------------------------

    def read(self, ipr) -> dict | None:
        """The shim as it is: ``{'index', 'parent', 'mode', 'addresses', 'routes', 'up'}``, or ``None``."""
        indexes = ipr.link_lookup(ifname=self.name)
        if not indexes:
            return None
        link = ipr.get_links(indexes[0])[0]
        kind, data = link_kind_and_data(link)
        if kind != "macvlan":
            raise ShimError(
                "Interface %r exists and is %s, not a macvlan. This module manages only macvlan shims: choose "
                "another name, or remove that interface." % (self.name, "a %s link" % kind if kind else "a physical or plain link")
            )
        parent_index = link.get_attr("IFLA_LINK")
        parent_links = ipr.get_links(parent_index) if parent_index else []
        parent = parent_links[0].get_attr("IFLA_IFNAME") if parent_links else None
        addresses = []
        for msg in ipr.get_addr(index=indexes[0]):
            address = ipaddress.ip_interface("%s/%s" % (msg.get_attr("IFA_ADDRESS"), msg["prefixlen"]))
            if address.version == 6 and address.ip.is_link_local:
                continue
            addresses.append(str(address))
        routes = []
        for msg in ipr.get_routes(oif=indexes[0], table=MAIN_TABLE):
            if msg["proto"] == RTPROT_KERNEL or msg.get_attr("RTA_OIF") != indexes[0]:
                continue
            dst = msg.get_attr("RTA_DST")
            if dst is None:
                continue  # a default route through the shim is not ours to manage
            routes.append(str(ipaddress.ip_network("%s/%s" % (dst, msg["dst_len"]), strict=False)))
        return dict(
            index=indexes[0],
            parent=parent,
            mode=shim_mode(data),
            addresses=sorted(addresses),
            routes=sorted(set(routes)),
            up=bool(link["flags"] & IFF_UP),
        )

    @staticmethod
    def view(state: dict | None) -> dict:
        if not state:
            return {}
        return {key: state[key] for key in ("parent", "mode", "addresses", "routes", "up")}

    # ---- acting ----------------------------------------------------------------------------

    def act(self, description: str, call, *args, **kwargs):
        self.actions.append(description)
        if self.check_mode:
            return None
        try:
            return call(*args, **kwargs)
        except NetlinkError as exc:
            raise ShimError("Could not %s on %s: %s." % (description, self.name, netlink_error_text(exc))) from None

    def apply(self, ipr, current: dict | None, parent_index: int, address, routes: list) -> None:
        p = self.params
        created = False
        try:
            if current and (current["parent"] != p["parent"] or current["mode"] != p["mode"]):
                self.act("remove %s (it is on %s in mode %s, wanted %s in mode %s)" % (
                    self.name, current["parent"], current["mode"], p["parent"], p["mode"]),
                    ipr.link, "del", index=current["index"])
                current = None
            if current is None:
                self.act("create macvlan %s on %s (mode %s)" % (self.name, p["parent"], p["mode"]),
                         ipr.link, "add", ifname=self.name, kind="macvlan", link=parent_index, macvlan_mode=p["mode"])
                created = not self.check_mode
                index = ipr.link_lookup(ifname=self.name)[0] if not self.check_mode else None
                current = dict(index=index, addresses=[], routes=[], up=False)
            index = current["index"]
            for stale in current["addresses"]:
                stale_if = ipaddress.ip_interface(stale)
                if stale_if.version == address.version and stale_if != address:
                    self.act("remove address %s" % stale, ipr.addr, "del", index=index,
                             address=str(stale_if.ip), prefixlen=stale_if.network.prefixlen)
            if str(address) not in current["addresses"]:
                self.act("add address %s" % address, ipr.addr, "add", index=index,
                         address=str(address.ip), prefixlen=address.network.prefixlen)
            if not current["up"]:
                self.act("set %s up" % self.name, ipr.link, "set", index=index, state="up")
            wanted_routes = [str(route) for route in routes]
            for stale in current["routes"]:
                if stale not in wanted_routes:
                    network = ipaddress.ip_network(stale)
                    self.act("remove route %s" % stale, ipr.route, "del", dst=str(network.network_address),
                             dst_len=network.prefixlen, oif=index, table=MAIN_TABLE)
            for route in routes:
                if str(route) not in current["routes"]:
                    self.act("add route %s" % route, ipr.route, "add", dst=str(route.network_address),
                             dst_len=route.prefixlen, oif=index, table=MAIN_TABLE)
        except ShimError:
            if created:  # nothing half-made: a shim made in this run goes again
                try:
                    ipr.link("del", ifname=self.name)
                    self.actions.append("remove the half-made %s again" % self.name)
                except NetlinkError:
                    pass
            raise

    # ---- states ----------------------------------------------------------------------------

    def wanted_view(self, address, routes: list) -> dict:
        return dict(parent=self.params["parent"], mode=self.params["mode"], addresses=[str(address)],
                    routes=sorted(str(r) for r in routes), up=True)

    def present(self, ipr, netns: str | None) -> dict:
        p = self.params
        address = parse_shim_address(p["address"])
        routes = parse_routes(p["routes"] or [], address.version)
        check_interface_name("parent", p["parent"])
        if p["parent"] == self.name:
            raise ShimError("parent=%r is the shim itself. Name the interface the macvlan network sits on." % p["parent"])
        where = "in network namespace %r" % p["netns"] if netns else "on the managed host"
        resolve_parent(ipr, p["parent"], where=where, may_create_vlan=False)
        parent_index = ipr.link_lookup(ifname=p["parent"])[0]
        current = self.read(ipr)
        before = self.view(current)
        wanted = self.wanted_view(address, routes)
        if before != wanted:
            self.apply(ipr, current, parent_index, address, routes)
        after = wanted if self.check_mode else self.view(self.read(ipr))
        return self.result(before, after)

    def absent(self, ipr) -> dict:
        current = self.read(ipr)
        before = self.view(current)
        if current is not None:
            self.act("remove %s" % self.name, ipr.link, "del", index=current["index"])
        return self.result(before, {})

    def result(self, before: dict, after: dict) -> dict:
        shim = dict(after, name=self.name) if after else {}
        result = dict(changed=bool(self.actions), actions=self.actions, shim=shim)
        if self.module._diff:
            result["diff"] = dict(before=before, after=after)
        return result

    def run(self) -> dict:
        require_pyroute2(self.module)
        try:
            check_interface_name("name", self.name)
            netns = netns_path(self.params["netns"])
            with _netlink.make_iproute(netns) as ipr:
                if self.params["state"] == "present":
                    return self.present(ipr, netns)
                return self.absent(ipr)
        except (ShimError, ParentError, NetnsNotFound) as exc:
            self.fail(str(exc))
        except NetlinkError as exc:
            self.fail("Could not read the interfaces for shim %s: %s." % (self.name, netlink_error_text(exc)))
        return {}  # not reached
