# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The converge: carry out a plan against the engine, wave by wave.

The containers of one wave are worked on side by side (at most ``parallel`` engine operations at
once). A failure finishes the wave under way and starts no further one.
"""

from __future__ import annotations

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    ENGINE_ERRORS,
    NotFound,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.container_spec import (
    DEFAULT_BRIDGE,
    LINK_TARGETS_LABEL,
    link_targets_label,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.engine import (
    ContainerFailed,
    error_text,
    failure_text,
    inspect_or_none,
    run_parallel,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.plan import target_ids
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.readiness import after_start
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.records import (
    ContainerSpec,
    NetworkSpec,
    Options,
    Plan,
    RunRecord,
    Snapshot,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.replacement import Replacement, short
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.spec import links_by_network
from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import engine_port_bindings
from ansible_collections.labnet.docker.plugins.module_utils._docker.runtime_options import create_args, host_config_args

ACTION_DOING = dict(remove="removing", start="starting", stop="stopping", create="creating", recreate="recreating",
                    none="checking")


def link_pairs(links) -> list | None:
    """``["target:alias", ...]`` as the SDK's ``[(target, alias), ...]``; None for no links."""
    return [tuple(link.split(":", 1)) for link in links or []] or None


def endpoint_args(net: NetworkSpec, placed: dict) -> dict:
    return dict(ipv4_address=net["ipv4_address"], ipv6_address=net["ipv6_address"], mac_address=net["mac_address"],
                aliases=net["aliases"] or None, links=link_pairs(placed.get(net["name"])))


class Converger:
    """Carries out one plan; ``record`` tells what was done."""

    def __init__(self, api, containers: list[ContainerSpec], snapshot: Snapshot, plan: Plan, options: Options):
        self.api = api
        self.by_name = {c["name"]: c for c in containers}
        self.snapshot = snapshot
        self.plan = plan
        self.options = options
        self.record = RunRecord()
        self.record.ids = {name: info["Id"] for name, info in snapshot.containers.items() if info}
        self.failed_outcomes: dict = {}  # name -> outcome of a container that failed: kept_old, untouched

    def remove(self, key: str) -> None:
        try:
            self.api.remove_container(key, force=True)
        except NotFound:
            pass

    def create(self, container: ContainerSpec) -> str:
        """Create the container on its first network and connect it to the others; returns its id."""
        api = self.api
        placed, _unplaced = links_by_network(container, self.by_name, self.snapshot)
        first, *others = container["networks"]
        labels = dict(container["labels"])
        if container["links"]:
            labels[LINK_TARGETS_LABEL] = link_targets_label(target_ids(container, self.by_name, self.snapshot, self.record.ids, set()))
        host_config = api.create_host_config(
            network_mode=first["name"],
            port_bindings=engine_port_bindings(container["published_ports"]) or None,
            links=link_pairs(placed.get(DEFAULT_BRIDGE)),
            restart_policy={"Name": container["restart_policy"]},
            extra_hosts=container["etc_hosts"] or None,
            **host_config_args(container),
        )
        networking_config = None
        if first["name"] != DEFAULT_BRIDGE:
            networking_config = api.create_networking_config({first["name"]: api.create_endpoint_config(**endpoint_args(first, placed))})
        created = api.create_container(
            container["image"],
            command=container["command"],
            name=container["name"],
            hostname=container["hostname"],
            environment=["%s=%s" % item for item in sorted(container["env"].items())],
            labels=labels,
            ports=sorted({(b.container_port, b.protocol) for b in container["published_ports"]}) or None,
            host_config=host_config,
            networking_config=networking_config,
            mac_address=first["mac_address"],  # engines before API 1.44 take the MAC of the first network only here
            **create_args(container),
        )
        container_id = created["Id"]
        try:
            for net in others:
                endpoint = {} if net["name"] == DEFAULT_BRIDGE else endpoint_args(net, placed)
                api.connect_container_to_network(container_id, net["name"], **endpoint)
        except ENGINE_ERRORS:
            self.remove(container_id)
            raise
        return container_id

    def start_created(self, name: str, container_id: str) -> None:
        try:
            self.api.start(container_id)
        except ENGINE_ERRORS as exc:
            self.remove(container_id)
            self.record.ids.pop(name, None)
            raise ContainerFailed(failure_text(name, "starting", error_text(exc), removed=True)) from exc

    def make(self, name: str) -> None:
        """Create (and start, when wanted) a container that does not exist; then its post_start and readiness."""
        container = self.by_name[name]
        container_id = self.create(container)
        self.record.ids[name] = container_id
        if container["state"] == "started":
            self.start_created(name, container_id)
            try:
                after_start(self.api, container, container_id)
            except ENGINE_ERRORS + (ContainerFailed,) as exc:
                self.remove(container_id)
                self.record.ids.pop(name, None)
                doing = getattr(exc, "doing", None) or "running post_start and waiting for readiness"
                message = str(exc) if isinstance(exc, ContainerFailed) else error_text(exc)
                raise ContainerFailed(failure_text(name, doing, message, removed=True)) from exc

    def checked(self, name: str) -> dict | None:
        """The container as it is now, refused when it is not the one the plan was made from."""
        info = inspect_or_none(self.api, "container", name)
        planned = self.plan.steps[name].planned_id
        now = info["Id"] if info else None
        if now != planned:
            raise ContainerFailed(
                "Container %r changed since it was planned (id %s then, %s now); nothing was done to it. "
                "Something else works on it: run the task again when it is done." % (name, short(planned), short(now)),
                outcome="untouched",
            )
        return info

    def replace(self, name: str, old: dict) -> None:
        """Stop the old container, move it aside, make the new one; remove the old only when the new runs."""
        transaction = Replacement(self, name, old)
        doing = "stopping the old container"
        try:
            transaction.stop_and_move_aside()
            doing = "creating the new container"
            transaction.new_id = self.create(self.by_name[name])
            self.record.ids[name] = transaction.new_id
            if self.by_name[name]["state"] == "started":
                doing = "starting the new container"
                self.api.start(transaction.new_id)
                transaction.check_runs()
                doing = "running post_start and waiting for readiness"
                after_start(self.api, self.by_name[name], transaction.new_id)
        except ENGINE_ERRORS + (ContainerFailed,) as exc:
            doing = getattr(exc, "doing", None) or doing
            self.record.ids[name] = old["Id"]
            transaction.roll_back(doing, str(exc) if isinstance(exc, ContainerFailed) else error_text(exc))
        transaction.remove_old()

    def converge_one(self, name: str) -> None:
        """Bring one container to its planned state; any engine error becomes :class:`ContainerFailed`."""
        try:
            self.act(name)
        except ContainerFailed as exc:
            self.failed_outcomes[name] = exc.outcome
            raise

    def act(self, name: str) -> None:
        action = self.plan.steps[name].action
        if action == "none":
            return
        try:
            old = self.checked(name)  # None exactly when the plan creates it
            if old is None:
                self.make(name)
            elif action == "remove":
                self.remove(old["Id"])
                self.record.ids.pop(name, None)
            elif action == "start":
                self.api.start(old["Id"])
            elif action == "stop":
                self.api.stop(old["Id"], timeout=self.options.stop_timeout)
            elif action == "recreate":
                self.replace(name, old)
        except ENGINE_ERRORS as exc:
            raise ContainerFailed(failure_text(name, ACTION_DOING[action], error_text(exc), removed=False)) from exc

    def run(self) -> RunRecord:
        """Converge wave by wave; ``record.failures`` is empty when all converged."""
        record = self.record
        record.outcomes = {name: "untouched" for name in self.plan.steps}
        for wave in self.plan.waves:
            for name, error in run_parallel(self.converge_one, wave, self.options.parallel):
                step = self.plan.steps[name]
                if error:
                    record.failures.append(error)
                    record.outcomes[name] = self.failed_outcomes.get(name, "failed")
                else:
                    record.converged.append(name)
                    record.outcomes[name] = "converged"
                if step.action != "none":
                    record.actions.append(step.line() + (" - failed" if error else ""))
            if record.failures:
                break
        return record
