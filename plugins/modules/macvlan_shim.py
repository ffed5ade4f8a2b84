#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: macvlan_shim
short_description: Give the host a macvlan interface of its own, so that it reaches its macvlan containers
version_added: 0.1.0
description:
  - The macvlan driver keeps a host from talking to the containers on its own macvlan networks, because traffic between
    a parent interface and its macvlan endpoints is never delivered. The usual workaround is a host-side macvlan
    interface, a I(shim), on the same parent, with an address of the lab network and routes to the containers.
  - This module makes that shim with netlink, as C(ip link add NAME link PARENT type macvlan mode bridge),
    C(ip addr add), C(ip link set NAME up) and C(ip route add ... dev NAME) would, and keeps it exactly so
    (one address, exactly the given routes, up).
  - With O(state=absent) it removes the shim, and with it its address and routes.
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._netns
attributes:
  check_mode:
    support: full
    description: In check mode the module validates everything and reports what it would do, and changes nothing.
  diff_mode:
    support: full
    description: Shows the shim's parent, mode, addresses, routes and link state before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change.
options:
  name:
    description:
      - The name of the host-side macvlan interface, at most 15 characters.
    type: str
    required: true
  parent:
    description:
      - The interface the shim sits on, which is the parent of the macvlan network whose containers the host must reach.
      - Required with O(state=present). It must exist.
    type: str
  address:
    description:
      - The shim's address with its prefix length, such as V(192.168.50.250/32). Choose an unused address of the lab
        network, outside the range the containers get addresses from.
      - Other addresses of the same family on the shim are removed (IPv6 link-local ones are kept).
      - Required with O(state=present).
    type: str
  routes:
    description:
      - Networks, in CIDR notation, that the host reaches through the shim, typically the macvlan network's
        C(ip_range) or the containers' static addresses as V(/32) networks.
      - Routes through the shim that are not in this list are removed (not the one the kernel adds for
        O(address)'s own network).
    type: list
    elements: str
    default: []
  mode:
    description:
      - The macvlan mode of the shim. Only V(bridge) lets the shim talk to the macvlan containers on the same parent
        without help from the switch; V(vepa) needs a switch that sends the traffic back (hairpin), V(private) forbids it.
    type: str
    choices: [bridge, vepa, private]
    default: bridge
  state:
    description:
      - V(present) makes sure the shim exists as described; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Removing the shim with O(state=absent) only removes a macvlan interface; the module refuses to remove an
    interface of another kind with the same name.
seealso:
  - module: labnet.docker.macvlan_network
"""

EXAMPLES = r"""
- name: Let the host reach the containers of the lab network
  labnet.docker.macvlan_shim:
    name: labnet-shim
    parent: eth1
    address: 192.168.50.250/32
    routes:
      - 192.168.50.128/25

- name: Remove the shim
  labnet.docker.macvlan_shim:
    name: labnet-shim
    state: absent
"""

RETURN = r"""
shim:
  description: The shim as it is after the task (in check mode, as it would be). Empty after O(state=absent).
  returned: success
  type: dict
  contains:
    name:
      description: The interface name.
      type: str
      sample: labnet-shim
    parent:
      description: The parent interface.
      type: str
      sample: eth1
    mode:
      description: The macvlan mode.
      type: str
      sample: bridge
    addresses:
      description: The shim's addresses with prefix length (without IPv6 link-local ones).
      type: list
      elements: str
      sample: [192.168.50.250/32]
    routes:
      description: The networks routed through the shim (without the kernel's own routes).
      type: list
      elements: str
      sample: [192.168.50.128/25]
    up:
      description: Whether the shim is up.
      type: bool
      sample: true
actions:
  description: What the module did (in check mode, would do), in order.
  returned: always
  type: list
  elements: str
  sample: ["create macvlan labnet-shim on eth1 (mode bridge)", "add address 192.168.50.250/32", "set labnet-shim up",
           "add route 192.168.50.128/25"]
"""

import ipaddress

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import (
    DEFAULT_MACVLAN_MODE,
    SHIM_MACVLAN_MODES,
    macvlan_mode_name,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import (
    IFF_UP,
    NetlinkError,
    NetnsNotFound,
    link_kind_and_data,
    make_iproute,
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
            with make_iproute(netns) as ipr:
                if self.params["state"] == "present":
                    return self.present(ipr, netns)
                return self.absent(ipr)
        except (ShimError, ParentError, NetnsNotFound) as exc:
            self.fail(str(exc))
        except NetlinkError as exc:
            self.fail("Could not read the interfaces for shim %s: %s." % (self.name, netlink_error_text(exc)))
        return {}  # not reached


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            parent=dict(type="str"),
            address=dict(type="str"),
            routes=dict(type="list", elements="str", default=[]),
            mode=dict(type="str", choices=list(SHIM_MACVLAN_MODES), default=DEFAULT_MACVLAN_MODE),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            netns=dict(type="str"),
        ),
        required_if=[("state", "present", ("parent", "address"))],
        supports_check_mode=True,
    )
    module.exit_json(**MacvlanShim(module).run())


if __name__ == "__main__":
    main()
