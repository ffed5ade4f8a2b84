#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vxlan_link
short_description: A VXLAN link with head-end replication to a list of peers, the underlay of a lab across subnets
version_added: 0.2.0
description:
  - Makes a VXLAN interface bound to this host's underlay address, as C(ip link add NAME type vxlan id VNI local
    LOCAL dstport PORT dev DEV) would, sets its MTU, brings it up, and keeps exactly one all-zeros-MAC FDB entry
    per peer (C(bridge fdb append 00:00:00:00:00:00 dev NAME dst REMOTE)). Broadcast, unknown unicast and multicast
    frames are then copied to every peer (head-end replication); no multicast is needed in the underlay, so the
    hosts may sit in different subnets with routers between them.
  - Peer entries that are not in O(remotes) are removed; FDB entries the kernel learns for single MAC addresses
    are left alone.
  - The link can then serve as the parent of a macvlan network, or be put into a bridge, so that containers on
    different hosts share one L2 segment.
  - With O(state=absent) it removes the link, and with it its FDB entries and addresses.
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
    description: Shows the link's VNI, port, local address, underlay device, MTU, state and peers before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change.
options:
  name:
    description:
      - The name of the VXLAN interface, at most 15 characters.
    type: str
    required: true
  vni:
    description:
      - The VXLAN network identifier, from 1 to 16777215. Every host of one overlay uses the same VNI.
      - Required with O(state=present).
    type: int
  local:
    description:
      - This host's underlay address, which the peers list in their O(remotes). It must be an address of an
        interface in the namespace.
      - Required with O(state=present).
    type: str
  remotes:
    description:
      - The underlay addresses of the other hosts of the overlay, of the same address family as O(local).
      - Each becomes one FDB entry C(00:00:00:00:00:00 dst REMOTE); entries of peers not in this list are removed.
    type: list
    elements: str
    default: []
  port:
    description:
      - The UDP port of the VXLAN traffic, the same on every host of the overlay.
    type: int
    default: 4789
  mtu:
    description:
      - The MTU of the VXLAN interface.
      - By default the underlay device's MTU minus the VXLAN overhead, 50 bytes over an IPv4 underlay (1450 on a
        1500-byte underlay) and 70 over IPv6, so that no encapsulated frame is fragmented.
      - A larger value than that is refused.
    type: int
  dev:
    description:
      - The underlay device, which the VXLAN traffic leaves by and whose MTU sets the default O(mtu).
      - By default the interface that has O(local) as an address.
    type: str
  force:
    description:
      - An existing interface named O(name) that is not a VXLAN link with this O(vni) and O(port) and address family
        is refused by default, since it may belong to something else. With V(true) it is replaced by a new link
        (addresses on the old link are not carried over). The old link is moved aside first and put back if the new
        one cannot be made.
      - An existing VXLAN link with another O(local) or O(dev) is likewise refused by default; with V(true) it is
        changed in place.
      - With O(state=absent), V(true) also removes an interface of another kind named O(name).
    type: bool
    default: false
  state:
    description:
      - V(present) makes sure the link exists as described; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - VXLAN has no authentication. Accept the VXLAN port on the underlay only from the overlay's own hosts.
  - Learning stays on, so unicast frames go to the one peer behind a MAC address once the kernel has learnt it.
  - The kernel needs VXLAN support (module C(vxlan)); without it the task fails and says so.
seealso:
  - name: ip-link(8)
    description: The C(vxlan) link type.
    link: https://man7.org/linux/man-pages/man8/ip-link.8.html
  - name: bridge(8)
    description: C(bridge fdb), the forwarding database of a VXLAN link.
    link: https://man7.org/linux/man-pages/man8/bridge.8.html
  - module: labnet.docker.macvlan_network
"""

EXAMPLES = r"""
- name: Join this host to the lab overlay 100 with its two peers
  labnet.docker.vxlan_link:
    name: vxlab100
    vni: 100
    local: 192.0.2.11
    remotes:
      - 198.51.100.12
      - 203.0.113.13

- name: The same inside a network namespace, on a given underlay device and with an explicit MTU
  labnet.docker.vxlan_link:
    name: vxlab100
    vni: 100
    local: 10.20.1.2
    dev: veth-underlay
    mtu: 1400
    remotes: [10.20.2.2]
    netns: lab1

- name: Remove the overlay link
  labnet.docker.vxlan_link:
    name: vxlab100
    state: absent
"""

RETURN = r"""
link:
  description: The link as it is after the task (in check mode, as it would be). Empty after O(state=absent).
  returned: success
  type: dict
  contains:
    name:
      description: The interface name.
      type: str
      sample: vxlab100
    kind:
      description: The link kind.
      type: str
      sample: vxlan
    vni:
      description: The VXLAN network identifier.
      type: int
      sample: 100
    port:
      description: The UDP port.
      type: int
      sample: 4789
    local:
      description: The local underlay address.
      type: str
      sample: 192.0.2.11
    dev:
      description: The underlay device.
      type: str
      sample: eth1
    mtu:
      description: The MTU of the VXLAN interface.
      type: int
      sample: 1450
    up:
      description: Whether the link is up.
      type: bool
      sample: true
    remotes:
      description: The peers, one all-zeros-MAC FDB entry each, in address order.
      type: list
      elements: str
      sample: [198.51.100.12, 203.0.113.13]
underlay_mtu:
  description: The MTU of the underlay device, from which the default O(mtu) is computed.
  returned: when O(state=present)
  type: int
  sample: 1500
actions:
  description: What the module did (in check mode, would do), in order.
  returned: always
  type: list
  elements: str
  sample: ["create VXLAN vxlab100 (vni 100, port 4789, local 192.0.2.11, dev eth1, mtu 1450)", "set vxlab100 up",
           "add FDB entry 00:00:00:00:00:00 dst 198.51.100.12"]
"""

import errno
import ipaddress

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import (
    netlink as _netlink,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.kernel_support import (
    KernelSupportMissing,
    require_link_kind,
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
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.vxlan import (
    ZERO_MAC,
    LinkState,
    Step,
    VxlanError,
    VxlanSpec,
    choose_mtu,
    parse_spec,
    plan_link,
    sorted_addresses,
    vni_in_use,
)


def read_state(link, names: dict) -> LinkState:
    """A link message as a :class:`LinkState`, without its peers."""
    kind, data = link_kind_and_data(link)
    state = LinkState(kind=kind, mtu=link.get_attr("IFLA_MTU"), up=bool(link["flags"] & IFF_UP))
    if kind == "vxlan" and data is not None:
        state.vni = data.get_attr("IFLA_VXLAN_ID")
        state.port = data.get_attr("IFLA_VXLAN_PORT")
        state.local = data.get_attr("IFLA_VXLAN_LOCAL") or data.get_attr("IFLA_VXLAN_LOCAL6")
        state.dev = names.get(data.get_attr("IFLA_VXLAN_LINK"))
    return state


def read_peers(ipr, index: int) -> list[str]:
    """The destinations of the link's all-zeros-MAC FDB entries."""
    return [str(ipaddress.ip_address(msg.get_attr("NDA_DST"))) for msg in ipr.fdb("dump", ifindex=index)
            if msg["ifindex"] == index and msg.get_attr("NDA_LLADDR") == ZERO_MAC and msg.get_attr("NDA_DST")]


class VxlanLink:
    """Reads the namespace, plans the link with ``_hostnet.vxlan`` and carries the plan out."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.check_mode = module.check_mode
        self.actions: list[str] = []
        self.where = "network namespace %r" % self.params["netns"] if self.params["netns"] else "the host's namespace"

    # ---- reading ---------------------------------------------------------------------------

    def read(self, ipr) -> tuple[dict, dict]:
        """``({name: LinkState}, {name: (index, mtu)})`` for every link of the namespace; peers for ours only."""
        links = ipr.get_links()
        names = {link["index"]: link.get_attr("IFLA_IFNAME") for link in links}
        states, indexes = {}, {}
        for link in links:
            name = link.get_attr("IFLA_IFNAME")
            states[name] = read_state(link, names)
            indexes[name] = (link["index"], link.get_attr("IFLA_MTU"))
        if self.name in states and states[self.name].kind == "vxlan":
            states[self.name].remotes = read_peers(ipr, indexes[self.name][0])
        return states, indexes

    def underlay(self, ipr, spec: VxlanSpec, indexes: dict) -> tuple[str, int, int]:
        """``(name, index, mtu)`` of the underlay device; refuses a ``local`` that is no address here."""
        holders: dict[str, int] = {}
        for msg in ipr.get_addr():
            address = msg.get_attr("IFA_LOCAL") or msg.get_attr("IFA_ADDRESS")
            holders.setdefault(str(ipaddress.ip_address(address)), msg["index"])
        by_index = {index: name for name, (index, mtu) in indexes.items()}
        if spec.local not in holders:
            usable = [a for a in holders if not ipaddress.ip_address(a).is_link_local]
            raise VxlanError("local=%r is not an address of %s. Addresses there: %s. Give this host's underlay "
                             "address (ip -br addr shows them), or the netns it belongs to."
                             % (spec.local, self.where, ", ".join(sorted_addresses(usable)) or "(none)"))
        dev = spec.dev or by_index[holders[spec.local]]
        if dev not in indexes:
            raise VxlanError("dev=%r does not exist in %s. Interfaces there: %s. Name the underlay device."
                             % (dev, self.where, ", ".join(sorted(indexes))))
        if dev == self.name:
            raise VxlanError("name=%r is the underlay device (%s): the VXLAN link cannot take the place of the link it "
                             "runs over. Choose another name." % (dev, "dev" if spec.dev else "it has local %s" % spec.local))
        if dev == "lo":
            raise VxlanError("%s the loopback interface, which cannot be the underlay device. Set dev to the "
                             "interface the VXLAN traffic leaves by."
                             % ("dev='lo' is" if spec.dev else "local=%r is on" % spec.local))
        return dev, indexes[dev][0], indexes[dev][1]

    # ---- acting ----------------------------------------------------------------------------

    def call(self, text: str, fn, *args, **kwargs):
        if self.check_mode:
            return None
        try:
            return fn(*args, **kwargs)
        except NetlinkError as exc:
            hint = ""
            if getattr(exc, "code", None) == errno.EADDRINUSE:
                hint = (" Another VXLAN link or socket in %s holds UDP port %s for another kind of VXLAN: remove it "
                        "or choose another port." % (self.where, self.params["port"]))
            raise VxlanError("Could not %s in %s: %s.%s" % (text, self.where, netlink_error_text(exc), hint)) from None

    def act(self, text: str, fn, *args, **kwargs):
        self.actions.append(text)
        return self.call(text, fn, *args, **kwargs)

    def create(self, ipr, step: Step, spec: VxlanSpec, dev_index: int, mtu: int):
        local = dict(vxlan_local=spec.local) if spec.version == 4 else dict(vxlan_local6=spec.local)
        self.act(step.text, ipr.link, "add", ifname=spec.name, kind="vxlan", vxlan_id=spec.vni, vxlan_port=spec.port,
                 vxlan_link=dev_index, mtu=mtu, **local)
        return None if self.check_mode else ipr.link_lookup(ifname=spec.name)[0]

    def move_aside(self, ipr, aside: dict) -> None:
        """Rename the old link out of the way (down first: the kernel renames only links that are down)."""
        self.call("set the old %s down" % self.name, ipr.link, "set", index=aside["index"], state="down")
        self.call("rename the old %s to %s" % (self.name, aside["name"]), ipr.link, "set", index=aside["index"],
                  ifname=aside["name"])
        aside["renamed"] = True

    def undo(self, ipr, made, aside) -> None:
        """After a failure: remove the link made in this run, and put the old one back as it was."""
        if self.check_mode:
            return
        if made is not None:
            self.try_undo("remove the half-made %s again" % self.name, ipr.link, "del", index=made)
        if aside and aside["renamed"]:
            self.try_undo("put the old %s back" % self.name, ipr.link, "set", index=aside["index"], ifname=self.name)
        if aside and aside["up"]:
            self.try_undo("set the old %s up again" % self.name, ipr.link, "set", index=aside["index"], state="up")

    def try_undo(self, text: str, fn, *args, **kwargs) -> None:
        try:
            fn(*args, **kwargs)
            self.actions.append(text)
        except NetlinkError as exc:
            self.actions.append("could not %s: %s" % (text, netlink_error_text(exc)))

    def converge(self, ipr, steps: list[Step], spec: VxlanSpec, index, dev_index: int, mtu: int, was_up: bool):
        made = aside = None
        try:
            for step in steps:
                if step.op in ("create", "replace"):
                    if step.op == "replace":
                        aside = dict(index=index, up=was_up, renamed=False, name="vxold%d" % index)
                        self.move_aside(ipr, aside)
                    index = made = self.create(ipr, step, spec, dev_index, mtu)
                elif step.op == "rebind":
                    local = dict(vxlan_local=spec.local) if spec.version == 4 else dict(vxlan_local6=spec.local)
                    self.act(step.text, ipr.link, "set", index=index, kind="vxlan", vxlan_link=dev_index, **local)
                elif step.op == "mtu":
                    self.act(step.text, ipr.link, "set", index=index, mtu=step.value)
                elif step.op == "up":
                    self.act(step.text, ipr.link, "set", index=index, state="up")
                else:
                    self.act(step.text, ipr.fdb, "append" if step.op == "fdb_add" else "del", ifindex=index,
                             lladdr=ZERO_MAC, dst=step.value)
            if aside:
                self.act("remove the old %s (moved aside as %s)" % (self.name, aside["name"]), ipr.link, "del",
                         index=aside["index"])
        except VxlanError:
            self.undo(ipr, made, aside)
            raise

    # ---- states ----------------------------------------------------------------------------

    def present(self, ipr) -> dict:
        spec = parse_spec(self.params)
        states, indexes = self.read(ipr)
        dev, dev_index, dev_mtu = self.underlay(ipr, spec, indexes)
        mtu = choose_mtu(spec.mtu, dev_mtu, spec.version, dev)
        wanted = LinkState(kind="vxlan", vni=spec.vni, port=spec.port, local=spec.local, dev=dev, mtu=mtu, up=True,
                           remotes=list(spec.remotes))
        current = states.get(self.name)
        steps = plan_link(self.name, current, wanted, self.params["force"])
        if any(step.op in ("create", "replace") for step in steps):
            other = vni_in_use(list(states.items()), self.name, wanted)
            if other:
                raise VxlanError("vni=%d with port=%d is already used by VXLAN link %r in %s, and the kernel allows "
                                 "one link per VNI and port. Remove %r, or choose another vni or port."
                                 % (spec.vni, spec.port, other, self.where, other))
            require_link_kind("vxlan")
        index = indexes[self.name][0] if current else None
        self.converge(ipr, steps, spec, index, dev_index, mtu, bool(current and current.up))
        after = wanted if self.check_mode else self.read(ipr)[0].get(self.name)
        return self.result(current, after, underlay_mtu=dev_mtu)

    def absent(self, ipr) -> dict:
        states, indexes = self.read(ipr)
        current = states.get(self.name)
        if current is not None:
            if current.kind != "vxlan" and not self.params["force"]:
                raise VxlanError("Interface %r exists and is a %s link, not a VXLAN link, so it is left alone. "
                                 "Check the name, or set force: true to remove it anyway."
                                 % (self.name, current.kind or "plain or physical"))
            self.act("remove %s" % self.name, ipr.link, "del", index=indexes[self.name][0])
        return self.result(current, None)

    def result(self, before: LinkState | None, after: LinkState | None, **extra) -> dict:
        after_view = after.view() if after else {}
        result = dict(changed=bool(self.actions), actions=self.actions,
                      link=dict(after_view, name=self.name) if after else {}, **extra)
        if self.module._diff:
            result["diff"] = dict(before=before.view() if before else {}, after=after_view)
        return result

    def run(self) -> dict:
        require_pyroute2(self.module)
        try:
            check_interface_name("name", self.name)
            if self.params["state"] == "present":
                parse_spec(self.params)  # every option, before the namespace is opened
            with _netlink.make_iproute(netns_path(self.params["netns"])) as ipr:
                if self.params["state"] == "present":
                    return self.present(ipr)
                return self.absent(ipr)
        except (VxlanError, ParentError, NetnsNotFound) as exc:
            self.module.fail_json(msg=str(exc), actions=self.actions)
        except KernelSupportMissing as exc:
            self.module.fail_json(msg="Cannot make VXLAN link %r: %s" % (self.name, exc), actions=self.actions)
        except NetlinkError as exc:
            self.module.fail_json(msg="Could not read the links of %s for %s: %s."
                                  % (self.where, self.name, netlink_error_text(exc)), actions=self.actions)
        return {}  # not reached


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            vni=dict(type="int"),
            local=dict(type="str"),
            remotes=dict(type="list", elements="str", default=[]),
            port=dict(type="int", default=4789),
            mtu=dict(type="int"),
            dev=dict(type="str"),
            force=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            netns=dict(type="str"),
        ),
        required_if=[("state", "present", ("vni", "local"))],
        supports_check_mode=True,
    )
    module.exit_json(**VxlanLink(module).run())


if __name__ == "__main__":
    main()
