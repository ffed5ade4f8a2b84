# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One lab host's part of the lab, converged in one call (labnet.docker.lab_host_converge).

The host's plan (``lab_plan``'s ``hosts[<host>]``: networks, containers, wires) is checked whole
first, then carried out step by step through the executors the single modules use: veth lab NICs
(``_hostnet.lab_nic``), promiscuous mode (``_hostnet.nic_promisc``), macvlan and bridge networks
(``_docker.macvlan_network``), host shims (``_hostnet.macvlan_shim``), the containers
(``_docker.containers.task``) and the wires (``_hostnet.container_wires``). Each executor sees a
:class:`StepModule`: that step's parameters, and a ``fail_json`` that stops the run, so that the
failure names the step and everything done before it.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, NoReturn

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.labnet.docker.plugins.module_utils._docker.containers import task as containers_task
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.spec import SetRefused, read_set
from ansible_collections.labnet.docker.plugins.module_utils._docker.macvlan_network import BridgeNetwork, MacvlanNetwork
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import lab_nic
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink as _netlink
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.container_wires import WIRE_OPTIONS, ContainerWires
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import MACVLAN_MODES
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_shim import (
    MacvlanShim,
    ShimError,
    parse_routes,
    parse_shim_address,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.nic_promisc import NicPromisc
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.wires import WireError, parse_wires

# A network of the host's plan, as lab_plan gives it.
NETWORK_OPTIONS = dict(
    name=dict(type="str", required=True),
    docker_name=dict(type="str", required=True),
    driver=dict(type="str", choices=["macvlan", "bridge"], default="macvlan"),
    parent=dict(type="str"),
    create_parent=dict(type="bool", default=False),
    parent_peer=dict(type="str"),
    subnet=dict(type="str", required=True),
    gateway=dict(type="str"),
    ip_range=dict(type="str"),
    aux_addresses=dict(type="dict", default={}),
    mode=dict(type="str", choices=list(MACVLAN_MODES), default="bridge"),
    labels=dict(type="dict"),
    internal=dict(type="bool", default=False),
    subnet_v6=dict(type="str"),
    gateway_v6=dict(type="str"),
    shim=dict(type="dict", options=dict(
        name=dict(type="str", required=True),
        address=dict(type="str", required=True),
        routes=dict(type="list", elements="str", default=[]),
    )),
)
PLAN_SPEC = dict(
    networks=dict(type="list", elements="dict", default=[], options=NETWORK_OPTIONS),
    containers=dict(type="list", elements="dict", default=[], options=containers_task.CONTAINER_OPTIONS),
    wires=dict(type="list", elements="dict", default=[], options=WIRE_OPTIONS),
)


# Parts of lab_plan's host plan that the lab role's other steps act on, before this module runs: the
# segment preflight's probes, the VXLAN underlay's firewall chain and each network's VXLAN link (the
# network's parent, made by labnet.docker.vxlan_link).
PLAN_ELSEWHERE = ("probes", "underlay_firewall")
NETWORK_ELSEWHERE = ("underlay",)

NOTHING_CHANGED = " Nothing was changed."


class StepFailed(Exception):
    """An executor called ``fail_json``; ``result`` holds what it passed."""

    def __init__(self, result: dict):
        super().__init__(result.get("msg", ""))
        self.result = result


class StepModule:
    """What an executor sees of the AnsibleModule for one step: that step's ``params`` (the engine
    connection added), the run's check and diff mode, and a ``fail_json`` that raises :class:`StepFailed`."""

    def __init__(self, module, params: dict):
        self._module = module
        self.params = dict(params, docker_host=module.params.get("docker_host"), timeout=module.params.get("timeout"))
        self.check_mode = module.check_mode
        self._diff = module._diff

    def fail_json(self, **kwargs) -> NoReturn:
        raise StepFailed(kwargs)

    def __getattr__(self, name: str):
        return getattr(self._module, name)


def network_params(net: dict) -> dict:
    """macvlan_network's parameters for a network of the plan (``internal`` for a bridge)."""
    return dict(name=net["docker_name"], state="present", parent=net["parent"], subnet=net["subnet"],
                gateway=net["gateway"], ip_range=net["ip_range"], aux_addresses=net["aux_addresses"] or {},
                mode=net["mode"], subnet_v6=net["subnet_v6"], gateway_v6=net["gateway_v6"] if net["subnet_v6"] else None,
                labels=net["labels"], force=False, internal=net["internal"])


def shim_params(net: dict) -> dict:
    """macvlan_shim's parameters for a network's shim: a shim cannot be passthru, so bridge unless vepa or private."""
    shim = net["shim"]
    return dict(name=shim["name"], parent=net["parent"], address=shim["address"], routes=shim["routes"] or [],
                mode=net["mode"] if net["mode"] in ("vepa", "private") else "bridge", state="present", netns=None)


def promisc_params(name: str) -> dict:
    return dict(name=name, state="enabled", netns=None, persistent=False, persistent_root="/",
                persistent_manager="auto", show_secrets=False)


def containers_params(module, plan: dict) -> dict:
    return dict(containers=plan["containers"], labels=module.params["labels"], parallel=module.params["parallel"],
                stop_timeout=10, adopt=False, show_env_values=False)


class LabHost:
    """Checks the host's plan, then converges its steps in order; see the module's documentation."""

    def __init__(self, module):
        self.module = module
        self.lab = module.params["lab"]
        self.check_mode = module.check_mode
        self.plan: dict = {}
        self.steps: list[dict] = []
        self.diffs: list[dict] = []

    # ---- input ---------------------------------------------------------------------------------

    def fail(self, msg: str, **extra) -> NoReturn:
        done = [action for step in self.steps for action in step["actions"]]
        msg = msg if msg.endswith(".") else msg + "."
        if done and msg.endswith(NOTHING_CHANGED):  # the failed step's own words: true of that step only
            msg = msg[:-len(NOTHING_CHANGED)] + " This step changed nothing."
        if not msg.endswith(NOTHING_CHANGED):
            msg += (" Done on this host before the failure: %s." % "; ".join(done)) if done else NOTHING_CHANGED
        self.module.fail_json(msg=msg, steps=self.steps, **extra)
        raise AssertionError("fail_json returned")

    def read_plan(self) -> None:
        """The plan, checked whole (the same rules as the single modules) before anything changes."""
        # The parts of the host's plan that the role's other steps act on are not this module's.
        plan = {k: v for k, v in self.module.params["plan"].items() if k not in PLAN_ELSEWHERE}
        # A key the filter gives as null (a bridge network's parent and mode) is a key not given.
        plan["networks"] = [{k: v for k, v in net.items() if v is not None and k not in NETWORK_ELSEWHERE}
                            if isinstance(net, dict) else net for net in plan.get("networks") or []]
        result = ArgumentSpecValidator(PLAN_SPEC).validate(plan)
        if result.error_messages:
            self.fail("plan: %s" % "; ".join(result.error_messages))
        self.plan = result.validated_parameters
        for net in self.plan["networks"]:
            field = "plan.networks[%s]" % net["name"]
            if net["driver"] == "macvlan" and not net["parent"]:
                self.fail("%s: a macvlan network needs a parent. Give the NIC it sits on." % field)
            if net["create_parent"] and not net["parent_peer"]:
                self.fail("%s: create_parent needs parent_peer, the name of the veth's other end." % field)
            self.run_step(field, "network %s" % net["docker_name"], lambda m: MacvlanNetwork(m).wanted_pools(),
                          network_params(net))
            if net["shim"]:
                try:
                    parse_routes(net["shim"]["routes"] or [], parse_shim_address(net["shim"]["address"]).version)
                except ShimError as exc:
                    self.fail("%s.shim: %s" % (field, exc))
        try:
            if self.plan["containers"]:
                read_set(containers_params(self.module, self.plan))
            parse_wires(self.plan["wires"])
        except SetRefused as exc:
            self.fail("plan.containers: the container set was refused: %s" % "; ".join(exc.problems))
        except WireError as exc:
            self.fail("plan.wires: %s" % exc)

    # ---- steps ---------------------------------------------------------------------------------

    def run_step(self, kind: str, name: str, call: Callable[[StepModule], Any], params: dict) -> Any:
        """``call(StepModule(module, params))``, an executor's run; a failure fails the task naming the step."""
        try:
            return call(StepModule(self.module, params))
        except StepFailed as exc:
            details = {k: v for k, v in exc.result.items() if k not in ("msg", "failed")}
            self.fail("%s %s: %s" % (kind, name, exc.result.get("msg")), failed_step=dict(details, step=kind, name=name))

    def record(self, kind: str, name: str, result: dict, actions: list[str] | None = None) -> dict:
        entry = dict(step=kind, name=name, changed=bool(result.get("changed")),
                     actions=list(result.get("actions", []) if actions is None else actions))
        if result.get("skipped"):
            entry["skipped"] = result["skipped"]
        self.steps.append(entry)
        diff = result.get("diff")
        if entry["changed"] and diff:
            for part in diff if isinstance(diff, list) else [diff]:
                header = "%s %s" % (kind, name)
                self.diffs.append(dict({"before_header": header, "after_header": header}, **part))
        return result

    def skip(self, kind: str, name: str, why: str, action: str) -> None:
        """A step check mode cannot predict (what it acts on is still to be made): reported as a change."""
        self.record(kind, name, dict(changed=True, skipped=why), [action])

    def lab_nics(self, macvlans: list[dict]) -> set[str]:
        """Make the veth lab NICs (create_parent); the parents still to be made, in check mode."""
        wanted = [net for net in macvlans if net["create_parent"]]
        if not wanted and not (self.check_mode and macvlans):
            return set()
        _netlink.require_pyroute2(self.module)
        try:
            with _netlink.make_iproute(None) as ipr:
                for net in wanted:
                    self.lab_nic(ipr, net["parent"], net["parent_peer"])
                # Check mode makes nothing: a parent still to be made cannot be read (nor its network, nor its shim).
                return {net["parent"] for net in macvlans if self.check_mode and not ipr.link_lookup(ifname=net["parent"])}
        except lab_nic.LabNicError as exc:
            self.fail("lab NIC: %s" % exc)
        except (_netlink.NetlinkError, OSError) as exc:
            self.fail("lab NIC: could not read or make the veth lab NICs: %s." % _netlink.netlink_error_text(exc))

    def lab_nic(self, ipr, name: str, peer: str) -> None:
        steps = lab_nic.plan_lab_nic(name, peer, self.lab, lab_nic.read_nic(ipr, name), lab_nic.read_nic(ipr, peer))
        actions = [lab_nic.describe_step(step, peer) for step in steps]
        if not self.check_mode:
            try:
                lab_nic.apply_lab_nic(ipr, steps, peer, self.lab)
            except (_netlink.NetlinkError, OSError) as exc:
                self.fail("lab NIC %s: could not %s: %s." % (name, "; ".join(actions), _netlink.netlink_error_text(exc)))
        self.record("lab NIC", name, dict(changed=bool(steps)), actions)

    def macvlan_networks(self, macvlans: list[dict], missing: set[str]) -> set[str]:
        """Promiscuous mode, then the macvlan networks, then their shims; the networks still to be made."""
        to_make = set()
        for net in macvlans:
            if net["parent"] in missing:
                self.skip("promiscuous mode", net["parent"], "its parent does not exist yet",
                          "switch promiscuous mode on for %s" % net["parent"])
                continue
            result = self.run_step("promiscuous mode", net["parent"], lambda m: NicPromisc(m).run(),
                                   promisc_params(net["parent"]))
            self.record("promiscuous mode", net["parent"], result,
                        ["switch promiscuous mode on for %s" % net["parent"]] if result["changed"] else [])
        for net in macvlans:
            if net["parent"] in missing:
                self.skip("network", net["docker_name"], "its parent does not exist yet",
                          "create network %s" % net["docker_name"])
                to_make.add(net["docker_name"])
                continue
            result = self.record("network", net["docker_name"],
                                 self.run_step("network", net["docker_name"], lambda m: MacvlanNetwork(m).run(), network_params(net)))
            if not result["network"].get("id"):
                to_make.add(net["docker_name"])
        for net in macvlans:
            if not net["shim"]:
                continue
            if net["parent"] in missing:
                self.skip("shim", net["shim"]["name"], "its parent does not exist yet",
                          "create macvlan %s on %s" % (net["shim"]["name"], net["parent"]))
                continue
            self.record("shim", net["shim"]["name"],
                        self.run_step("shim", net["shim"]["name"], lambda m: MacvlanShim(m).run(), shim_params(net)))
        return to_make

    def bridge_networks(self, bridges: list[dict]) -> set[str]:
        """The bridge networks; those still to be made (check mode)."""
        to_make = set()
        for net in bridges:
            result = self.record("network", net["docker_name"],
                                 self.run_step("network", net["docker_name"], lambda m: BridgeNetwork(m).run(), network_params(net)))
            if not result["network"].get("id"):
                to_make.add(net["docker_name"])
        return to_make

    def containers(self, networks_to_make: set[str]) -> dict | None:
        """The containers in link order (linked_containers' executor); ``None`` when check mode cannot tell."""
        names = [c["name"] for c in self.plan["containers"]]
        if not names:
            return None
        if self.check_mode and networks_to_make:
            for name in names:
                self.skip("container", name, "the lab networks %s are still to be made" % ", ".join(sorted(networks_to_make)),
                          "create container %s" % name)
            return None
        params = containers_params(self.module, self.plan)
        return self.record("containers", ", ".join(names),
                           self.run_step("containers", ", ".join(names), containers_task.run, params))

    def wires(self, containers: dict | None) -> dict | None:
        """The wires between running containers (container_wires' executor)."""
        wires = self.plan["wires"]
        if not wires:
            return None
        names = ", ".join("%s--%s" % (w["a"], w["b"]) for w in wires)
        if containers is None and self.check_mode:
            self.skip("wires", names, "their containers are still to be made", "create wires %s" % names)
            return None
        with contextlib.ExitStack() as stack:
            result = self.run_step("wires", names, lambda m: ContainerWires(m, stack).run(),
                                   dict(wires=wires, state="present"))
        return self.record("wires", names, result)

    # ---- the run -------------------------------------------------------------------------------

    def run(self) -> dict:
        self.read_plan()
        macvlans = [net for net in self.plan["networks"] if net["driver"] == "macvlan"]
        missing = self.lab_nics(macvlans)
        to_make = self.macvlan_networks(macvlans, missing)
        to_make |= self.bridge_networks([net for net in self.plan["networks"] if net["driver"] == "bridge"])
        containers = self.containers(to_make)
        wires = self.wires(containers)
        result: dict[str, Any] = dict(
            changed=any(step["changed"] for step in self.steps),
            actions=[action for step in self.steps for action in step["actions"]],
            steps=self.steps,
            containers=(containers or {}).get("containers", {}),
            wires=(wires or {}).get("wires", []),
        )
        if self.module._diff:
            result["diff"] = self.diffs
        return result
