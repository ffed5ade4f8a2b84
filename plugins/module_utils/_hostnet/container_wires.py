# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The executor of labnet.docker.container_wires: finds each container's network namespace, reads and
plans every wire with ``_hostnet.wires``, then makes, fixes or removes the veth pairs in order.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import os
import secrets

from ansible_collections.labnet.docker.plugins.module_utils._docker import client as _docker_client
from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    ENGINE_ERRORS,
    NotFound,
    api_error_text,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink as _netlink
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import (
    NetlinkError,
    link_kind_and_data,
    netlink_error_text,
    require_pyroute2,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.wires import (
    ALIAS_PREFIX,
    EndState,
    Wire,
    WireError,
    describe,
    paired,
    parse_wires,
    plan_removal,
    plan_wire,
)

# The options of one wire (documented in container_wires; lab_host_converge checks its plan's wires
# against the same).
WIRE_OPTIONS = dict(
    a=dict(type="str", required=True),
    b=dict(type="str", required=True),
    a_address=dict(type="str"),
    b_address=dict(type="str"),
    mtu=dict(type="int"),
)

RESULTS = {"create": "created", "delete": "replaced"}


class WireFailure(Exception):
    """A netlink or engine step failed; the message says which, on what, and why."""


def read_end(ipr, ifname: str) -> EndState:
    """One wire end as netlink shows it in the socket's namespace."""
    indexes = ipr.link_lookup(ifname=ifname)
    if not indexes:
        return EndState()
    link = ipr.get_links(indexes[0])[0]
    kind = link_kind_and_data(link)[0]
    alias = link.get_attr("IFLA_IFALIAS") or ""
    addresses = []
    for msg in ipr.get_addr(index=indexes[0]):
        address = ipaddress.ip_interface("%s/%s" % (msg.get_attr("IFA_ADDRESS"), msg["prefixlen"]))
        if not (address.version == 6 and address.ip.is_link_local):
            addresses.append(str(address))
    return EndState(exists=True, ours=kind == "veth" and alias.startswith(ALIAS_PREFIX), kind=kind,
                    index=indexes[0], peer_index=link.get_attr("IFLA_LINK"),
                    peer_nsid=link.get_attr("IFLA_LINK_NETNSID"), addresses=sorted(addresses),
                    mtu=link.get_attr("IFLA_MTU"), up=bool(link["flags"] & _netlink.IFF_UP))


class ContainerWires:
    """Finds each container's namespace, reads and plans every wire, then converges them in order."""

    def __init__(self, module, stack: contextlib.ExitStack):
        self.module = module
        self.stack = stack
        self.present = module.params["state"] == "present"
        self.netns: dict[str, dict | None] = {}  # container -> {pid, path, key}, None: not running (absent)
        self.sockets: dict[str, object] = {}
        self.actions: list[str] = []
        self.names: dict[str, str] = {}  # the current names of the wire being converged, by side

    def fail(self, msg: str):
        self.module.fail_json(msg=msg, actions=self.actions)

    # ---- reading -----------------------------------------------------------------------------

    def find_netns(self, client, field: str, container: str) -> dict | None:
        try:
            info = client.api.inspect_container(container)
        except NotFound:
            if not self.present:
                return None
            self.fail("%s: container %r does not exist. Start it first, or correct the name." % (field, container))
        except ENGINE_ERRORS as exc:
            self.fail("%s: could not inspect container %r: %s." % (field, container, api_error_text(exc)))
        state = info.get("State") or {}
        if not state.get("Running") or not state.get("Pid"):
            if not self.present:
                return None
            self.fail("%s: container %r is not running (status %s). A wire end lives in the container's network "
                      "namespace, which only a running container has: start it first."
                      % (field, container, state.get("Status")))
        if (info.get("HostConfig") or {}).get("NetworkMode") == "host":
            self.fail("%s: container %r uses the host's network namespace (network mode host), so its wire end would "
                      "be an interface of the host. Wire containers that have namespaces of their own."
                      % (field, container))
        path = "/proc/%d/ns/net" % state["Pid"]
        try:
            stat = os.stat(path)
        except OSError as exc:
            hint = ("the container stopped meanwhile: start it and run the task again" if exc.errno == errno.ENOENT
                    else "run the task as root")
            self.fail("%s: the network namespace of container %r (%s) cannot be read: %s; %s."
                      % (field, container, path, exc.strerror, hint))
        return dict(pid=state["Pid"], path=path, key=(stat.st_dev, stat.st_ino))

    def find_namespaces(self, wires: list[Wire]) -> None:
        client = _docker_client.docker_client(self.module)
        for index, wire in enumerate(wires):
            for side in ("a", "b"):
                end = getattr(wire, side)
                if end.container not in self.netns:
                    field = "wires[%d].%s=%r" % (index, side, end.label)
                    self.netns[end.container] = self.find_netns(client, field, end.container)

    def ns(self, container: str) -> dict:
        """The namespace of a running container (only those are read or changed)."""
        found = self.netns.get(container)
        if found is None:
            raise WireFailure("container %r has no network namespace: it is not running." % container)
        return found

    def socket(self, container: str):
        if container not in self.sockets:
            path = self.ns(container)["path"]
            try:
                self.sockets[container] = self.stack.enter_context(_netlink.make_iproute(path))
            except (OSError, NetlinkError) as exc:
                self.fail("Could not open the network namespace of container %r (%s): %s. Run the task as root."
                          % (container, path, netlink_error_text(exc)))
        return self.sockets[container]

    def nsid(self, container: str, other: str) -> int | None:
        """The id that ``container``'s namespace gives ``other``'s."""
        answer = self.socket(container).get_netnsid(pid=self.ns(other)["pid"]) or {}
        nsid = answer.get("nsid")
        return None if nsid is None or nsid < 0 else nsid

    def read_wire(self, wire: Wire) -> tuple[EndState, EndState, bool]:
        states = []
        for end in (wire.a, wire.b):
            states.append(read_end(self.socket(end.container), end.ifname) if self.netns[end.container] else EndState())
        a, b = states
        if not (a.exists and b.exists):
            return a, b, False
        same = self.ns(wire.a.container)["key"] == self.ns(wire.b.container)["key"]
        a_sees_b = None if same else self.nsid(wire.a.container, wire.b.container)
        b_sees_a = None if same else self.nsid(wire.b.container, wire.a.container)
        return a, b, paired(a, b, a_sees_b, b_sees_a, same)

    def plan(self, wires: list[Wire]) -> list:
        plans = []
        for wire in wires:
            try:
                a, b, is_pair = self.read_wire(wire)
                plans.append(plan_wire(wire, a, b, is_pair) if self.present else plan_removal(wire, a, b, is_pair))
            except WireError as exc:
                self.fail(str(exc))
            except NetlinkError as exc:
                self.fail("Could not read wire %s: %s." % (wire.name, netlink_error_text(exc)))
        return plans

    # ---- acting ------------------------------------------------------------------------------

    def create_pair(self, wire: Wire) -> None:
        """A veth pair made in the module's own namespace under temporary names, then moved to the containers.

        The ends keep their temporary names (and stay down) until the ``up`` steps, so that ends of
        another wire with the wanted names are removed only once the new pair is made and addressed.
        """
        temp = {side: "lbw" + secrets.token_hex(6) for side in ("a", "b")}
        with _netlink.make_iproute(None) as root:
            root.link("add", ifname=temp["a"], kind="veth", peer=temp["b"])
            try:
                for side in ("a", "b"):
                    fd = os.open(self.ns(getattr(wire, side).container)["path"], os.O_RDONLY | os.O_CLOEXEC)
                    try:
                        root.link("set", index=root.link_lookup(ifname=temp[side])[0], net_ns_fd=fd)
                    finally:
                        os.close(fd)
            except (OSError, NetlinkError):
                for name in temp.values():
                    for index in root.link_lookup(ifname=name):
                        root.link("del", index=index)
                raise
        self.names = dict(temp)
        for side in ("a", "b"):
            ipr = self.socket(getattr(wire, side).container)
            ipr.link("set", index=ipr.link_lookup(ifname=temp[side])[0], ifalias=wire.alias)

    def remove_link(self, container: str, ifname: str) -> None:
        ipr = self.socket(container)
        for index in ipr.link_lookup(ifname=ifname):  # none when its peer's removal took it along
            ipr.link("del", index=index)

    def fix_end(self, wire: Wire, step: tuple) -> None:
        end = getattr(wire, step[1])
        ipr = self.socket(end.container)
        index = ipr.link_lookup(ifname=self.names[step[1]])[0]
        if step[0] in ("addr_add", "addr_del"):
            address, prefixlen = step[2].split("/")
            ipr.addr("add" if step[0] == "addr_add" else "del", index=index, address=address, prefixlen=int(prefixlen))
        elif step[0] == "mtu":
            ipr.link("set", index=index, mtu=step[2])
        else:
            if self.names[step[1]] != end.ifname:  # a new end takes its name while it is still down
                ipr.link("set", index=index, ifname=end.ifname)
                self.names[step[1]] = end.ifname
            ipr.link("set", index=index, state="up")

    def undo_create(self, wire: Wire) -> str:
        """Remove the pair this run made (under whichever names it has now)."""
        with contextlib.suppress(OSError, NetlinkError):
            for side in ("a", "b"):
                self.remove_link(getattr(wire, side).container, self.names[side])
            return " The wire made in this run was removed again."
        return " The wire made in this run could not be removed again: remove %s and %s by hand." % (
            self.names["a"], self.names["b"])

    def apply(self, plan) -> None:
        wire = plan.wire
        self.names = {"a": wire.a.ifname, "b": wire.b.ifname}  # the ends' names as they are now
        created = False
        for step in plan.steps:
            try:
                if step[0] == "create":
                    self.create_pair(wire)
                    created = True
                elif step[0] == "delete":
                    end = getattr(wire, step[1])
                    self.remove_link(end.container, end.ifname)
                else:
                    self.fix_end(wire, step)
            except (OSError, NetlinkError) as exc:
                undo = self.undo_create(wire) if created else ""
                raise WireFailure("Could not %s (wire %s): %s.%s" % (
                    describe(wire, step), wire.name, netlink_error_text(exc), undo)) from None

    # ---- the run -----------------------------------------------------------------------------

    def outcome(self, plan) -> str:
        if not plan.changed:
            return "unchanged" if self.present else "absent"
        if not self.present:
            return "removed"
        verbs = [step[0] for step in plan.steps]
        return RESULTS["delete"] if "delete" in verbs else RESULTS["create"] if "create" in verbs else "updated"

    def run(self) -> dict:
        try:
            wires = parse_wires(self.module.params["wires"])
        except WireError as exc:
            self.fail(str(exc))
        self.find_namespaces(wires)
        require_pyroute2(self.module)
        plans = self.plan(wires)
        for plan in plans:
            self.actions.extend(describe(plan.wire, step) for step in plan.steps)
        if not self.module.check_mode:
            for plan in plans:
                try:
                    self.apply(plan)
                except WireFailure as exc:
                    self.fail(str(exc))
        result = dict(changed=any(plan.changed for plan in plans), actions=self.actions,
                      wires=[dict(name=plan.wire.name, result=self.outcome(plan)) for plan in plans])
        if self.module._diff:
            before, after = {}, {}
            for plan in plans:
                before.update(plan.before)
                after.update(plan.after)
            result["diff"] = dict(before=before, after=after)
        return result
