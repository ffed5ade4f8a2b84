# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The executor of labnet.docker.vxlan_link: reads a namespace's links, plans the VXLAN link with
``_hostnet.vxlan`` and carries the plan out as a transaction.
"""

from __future__ import annotations

import errno
import ipaddress

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
