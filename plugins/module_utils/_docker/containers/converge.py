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
    DockerException,
    NotFound,
    api_error_text,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.container_spec import (
    DEFAULT_BRIDGE,
    LINK_TARGETS_LABEL,
    link_targets_label,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.engine import ContainerFailed, run_parallel
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.plan import target_ids
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.records import (
    ContainerSpec,
    NetworkSpec,
    Options,
    Plan,
    RunRecord,
    Snapshot,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.spec import links_by_network
from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import engine_port_bindings

ACTION_DOING = dict(remove="removing", start="starting", stop="stopping", create="creating", recreate="recreating",
                    none="checking")


def link_pairs(links) -> list | None:
    """``["target:alias", ...]`` as the SDK's ``[(target, alias), ...]``; None for no links."""
    return [tuple(link.split(":", 1)) for link in links or []] or None


def endpoint_args(net: NetworkSpec, placed: dict) -> dict:
    return dict(ipv4_address=net["ipv4_address"], aliases=net["aliases"] or None, links=link_pairs(placed.get(net["name"])))


def failure_fix(engine_message: str) -> str:
    text = engine_message.lower()
    if "address already in use" in text or "port is already allocated" in text:
        return "Free that host port or publish the container on another one (published_ports)."
    if "executable file not found" in text or "no such file or directory" in text:
        return "Check the command: the program must exist in the image (command, image)."
    if "already in use" in text or "conflict" in text:
        return "Choose another address or name, or remove what holds it (networks[].ipv4_address, name)."
    if "timed out" in text or "timeout" in text:
        return "The engine did not answer within timeout seconds; check that it runs, or raise timeout."
    return "Fix the container's settings and run the task again."


def failure_text(name: str, doing: str, engine_message: str, removed: bool) -> str:
    text = "Container %r failed while %s: %s. %s" % (name, doing, engine_message.rstrip("."), failure_fix(engine_message))
    if removed:
        text += " The container this run created for %r was removed." % name
    return text


def error_text(exc: BaseException) -> str:
    if isinstance(exc, DockerException):
        return api_error_text(exc)
    return "%s: %s" % (type(exc).__name__, exc)


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
        """Create (and start, when wanted) a container that does not exist."""
        container = self.by_name[name]
        container_id = self.create(container)
        self.record.ids[name] = container_id
        if container["state"] == "started":
            self.start_created(name, container_id)

    def replace(self, name: str) -> None:
        self.remove(name)
        self.record.ids.pop(name, None)
        self.make(name)

    def converge_one(self, name: str) -> None:
        """Bring one container to its planned state; any engine error becomes :class:`ContainerFailed`."""
        action = self.plan.steps[name].action
        try:
            if action == "remove":
                self.remove(name)
                self.record.ids.pop(name, None)
            elif action == "start":
                self.api.start(name)
            elif action == "stop":
                self.api.stop(name, timeout=self.options.stop_timeout)
            elif action == "create":
                self.make(name)
            elif action == "recreate":
                self.replace(name)
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
                    record.outcomes[name] = "failed"
                else:
                    record.converged.append(name)
                    record.outcomes[name] = "converged"
                if step.action != "none":
                    record.actions.append(step.line() + (" - failed" if error else ""))
            if record.failures:
                break
        return record

