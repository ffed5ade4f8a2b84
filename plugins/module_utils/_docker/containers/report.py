# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The report: each container as it is after the run, the diff, the ``/etc/hosts`` lines of its links.

:func:`container_report` and :func:`plan_diff` are pure; :func:`hosts_lines` reads the hosts file
(from the engine host's disk when the module runs there, else by exec, never in check mode).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import NotFound
from ansible_collections.labnet.docker.plugins.module_utils._docker.container_spec import current_spec
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.records import (
    ContainerSpec,
    Plan,
    RunRecord,
    Snapshot,
    Step,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import binding_text, bindings_from_engine

MASK = "********"


@dataclass
class ReportContext:
    """How the report is read: in check mode or not, with a diff, on a local engine, exec allowed."""

    check_mode: bool
    diff: bool
    local_engine: bool
    may_exec: bool
    show_env_values: bool


def state_word(info) -> str:
    """An inspected container's state in the words of the option: started, stopped or absent."""
    if not info:
        return "absent"
    return "started" if (info.get("State") or {}).get("Running") else "stopped"


def hosts_lines(api, info: dict, local_engine: bool, may_exec: bool) -> list[str]:
    """The container's ``/etc/hosts``: read from disk on a local engine, else by exec when allowed."""
    path = info.get("HostsPath")
    if path and local_engine and os.access(path, os.R_OK):
        with open(path) as hosts:
            return hosts.read().splitlines()
    if may_exec and (info.get("State") or {}).get("Running"):
        exec_id = api.exec_create(info["Id"], ["cat", "/etc/hosts"])
        return api.exec_start(exec_id).decode(errors="replace").splitlines()
    return []


def absent_report(step: Step) -> dict:
    return dict(id=None, status="absent", action=step.action, changed=step.action != "none", networks={}, links=[],
                hosts_entries=[], ports=[])


def container_report(step: Step, info: dict | None, hosts: list[str]) -> dict:
    """One container's entry of the result, from its inspect document and its hosts file lines."""
    if info is None:
        return absent_report(step)
    spec = current_spec(info)
    links = sorted({link for net_links in spec["links"].values() for link in net_links})
    names = set(spec["etc_hosts"])
    for link in links:
        names.update(link.split(":"))
    networks = {}
    for net_name, endpoint in ((info.get("NetworkSettings") or {}).get("Networks") or {}).items():
        networks[net_name] = dict(
            ipv4_address=endpoint.get("IPAddress") or None,
            ipv6_address=endpoint.get("GlobalIPv6Address") or None,
            mac_address=endpoint.get("MacAddress") or None,
            aliases=spec["networks"].get(net_name, {}).get("aliases", []),
            links=spec["links"].get(net_name, []),
        )
    ports = [
        dict(container_port=b.container_port, protocol=b.protocol, host_ip=b.host_ip, host_port=b.host_port)
        for b in sorted(bindings_from_engine((info.get("NetworkSettings") or {}).get("Ports")), key=binding_text)
    ]
    return dict(
        id=info["Id"],
        status=(info.get("State") or {}).get("Status"),
        action=step.action,
        changed=step.action != "none",
        networks=networks,
        links=links,
        hosts_entries=[line for line in hosts if names & set(line.split()[1:])],
        ports=ports,
    )


def masked_env(env: dict, other: dict | None) -> dict:
    """``env`` with every value hidden; a value that differs from ``other``'s (when there is one) says so."""
    if other is None:
        return {key: MASK for key in env}
    return {key: MASK if other.get(key) == value else MASK + " (changed)" for key, value in env.items()}


def mask_env(before: dict, after: dict) -> None:
    """Hide the environment values of one container's diff, in place."""
    before_env, after_env = before.get("env"), after.get("env")
    if before_env is not None:
        before["env"] = masked_env(before_env, after_env)
    if after_env is not None:
        after["env"] = masked_env(after_env, before_env)


def plan_diff(containers: list[ContainerSpec], plan: Plan, current: dict, show_env_values: bool = True) -> dict:
    """The compared settings of every container that changes, before and after."""
    before, after = {}, {}
    for container in containers:
        name = container["name"]
        step = plan.steps[name]
        if step.action == "none":
            continue
        before[name] = dict(step.before or {}, state=state_word(current.get(name)))
        after[name] = dict(step.after or {}, state=container["state"])
        if not show_env_values:
            mask_env(before[name], after[name])
    return dict(before=before, after=after)


def read_after(api, name: str):
    try:
        return api.inspect_container(name)
    except NotFound:
        return None


def run_result(api, containers: list[ContainerSpec], snapshot: Snapshot, plan: Plan, record: RunRecord,
               context: ReportContext) -> dict:
    """The module's result. In check mode the containers are reported as the snapshot holds them."""
    reports = {}
    for container in containers:
        name = container["name"]
        info = snapshot.containers.get(name) if context.check_mode else read_after(api, name)
        hosts = hosts_lines(api, info, context.local_engine, may_exec=context.may_exec) if info else []
        reports[name] = container_report(plan.steps[name], info, hosts)
    result = dict(changed=plan.changed, actions=record.actions, converged=record.converged, outcomes=record.outcomes,
                  containers=reports)
    if context.diff:
        result["diff"] = plan_diff(containers, plan, snapshot.containers, context.show_env_values)
    return result


def check_mode_record(plan: Plan) -> RunRecord:
    """What a check-mode run reports: the pulls and changes it would make; the unchanged containers converged."""
    record = RunRecord()
    record.actions = ["pull %s" % ref for ref in plan.pulls] + [step.line() for step in plan.changing()]
    record.converged = [name for name, step in plan.steps.items() if step.action == "none"]
    record.outcomes = {name: "converged" if step.action == "none" else "untouched" for name, step in plan.steps.items()}
    return record


def failure_message(containers: list[ContainerSpec], record: RunRecord) -> str:
    pending = [c["name"] for c in containers if c["name"] not in record.converged]
    return "%s Converged: %s. Not converged: %s." % (
        " ".join(record.failures), ", ".join(record.converged) or "none", ", ".join(pending))
