# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The plan: from the wanted set and a snapshot of the engine to one step per container.

A pure function of its inputs: no engine calls and no mode flags. The ids of link targets come
in two kinds, passed explicitly: while planning, a target that is to be (re)made has no id yet
(``(new)``); while acting, the converge passes the ids the targets really got.
"""

from __future__ import annotations

from ansible_collections.labnet.docker.plugins.module_utils._docker.container_spec import (
    LINK_TARGETS_LABEL,
    current_spec,
    spec_differences,
    wanted_spec,
    without_engine_choices,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.records import (
    CREATING_ACTIONS,
    ContainerSpec,
    Options,
    Plan,
    Snapshot,
    Step,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.spec import (
    dependencies,
    links_by_network,
    present,
    running,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.link_order import link_waves

NEW_ID = "(new)"


def target_ids(container: ContainerSpec, by_name: dict, snapshot: Snapshot, ids: dict, remade: set) -> dict:
    """The id of each link target.

    ``ids`` are the set members' ids (planning: as they are now; acting: as they really are),
    ``remade`` the members whose id is not known yet because the plan (re)makes them.
    """
    result = {}
    for target, _alias in container["links"]:
        if target not in by_name:
            result[target] = (snapshot.outside.get(target) or {}).get("Id") or NEW_ID
        elif target in remade:
            result[target] = NEW_ID
        else:
            result[target] = ids.get(target) or NEW_ID
    return result


def wanted(container: ContainerSpec, by_name: dict, snapshot: Snapshot, ids: dict, remade: set) -> dict:
    """The spec the container should have, in :func:`wanted_spec`'s normal form."""
    image = snapshot.images.get(container["image"] or "") or {"Id": None, "Config": {}}
    placed, _unplaced = links_by_network(container, by_name, snapshot)
    return wanted_spec(dict(container), image, placed, target_ids(container, by_name, snapshot, ids, remade))


def only_link_label_differs(after: dict, before: dict) -> bool:
    left = {k: v for k, v in after["labels"].items() if k != LINK_TARGETS_LABEL}
    right = {k: v for k, v in before["labels"].items() if k != LINK_TARGETS_LABEL}
    return left == right


def missing_label(info: dict, labels: dict) -> str | None:
    """The first of ``labels`` (as ``key=value``) that the inspected container lacks, or None."""
    have = (info.get("Config") or {}).get("Labels") or {}
    for key in sorted(labels):
        if have.get(key) != labels[key]:
            return "%s=%s" % (key, labels[key])
    return None


def recreate_reasons(container: ContainerSpec, after: dict, before: dict, steps: dict) -> list[str]:
    remade = ["%s is %sd" % (target, steps[target].action) for target, _alias in container["links"]
              if target in steps and steps[target].action in CREATING_ACTIONS]
    differences = spec_differences(after, before)
    own = [name for name in differences if name != "labels" or not only_link_label_differs(after, before)]
    reasons = []
    if remade:
        reasons.append("link target %s" % ", ".join(remade))
    elif len(own) < len(differences):
        reasons.append("a link target was recreated since this container was made")
    if own:
        reasons.append("changed: %s" % ", ".join(own))
    return reasons


def plan_step(container: ContainerSpec, by_name: dict, snapshot: Snapshot, steps: dict, options: Options) -> Step:
    """One container's step, given the steps of the containers it links to."""
    name = container["name"]
    current = snapshot.containers.get(name)
    step = Step(name=name, action="none", planned_id=snapshot.current_id(name), running=running(current))
    step.before = current_spec(current) if current else None
    lacking = missing_label(current, options.labels) if current and options.labels else None
    if container["state"] == "absent":
        step.action = "remove" if current else "none"
        return step
    ids = {member: snapshot.current_id(member) for member in by_name}
    remade = {member for member, other in steps.items() if other.action in CREATING_ACTIONS}
    step.after = wanted(container, by_name, snapshot, ids, remade)
    if step.before is not None:
        step.before = without_engine_choices(step.after, step.before)
    if current is None:
        step.action = "create"
    else:
        step.reasons = recreate_reasons(container, step.after, step.before or {}, steps)
        if lacking and options.adopt:
            step.adopted = True
            step.reasons.insert(0, "adopted: it lacks the label %s" % lacking)
        if step.reasons:
            step.action = "recreate"
        elif container["state"] == "started" and not step.running:
            step.action = "start"
        elif container["state"] == "stopped" and step.running:
            step.action = "stop"
    if snapshot.images.get(container["image"] or "") is None and step.action in CREATING_ACTIONS:
        step.reasons.append("image %s is pulled first" % container["image"])
    return step


def make_plan(containers: list[ContainerSpec], snapshot: Snapshot, options: Options, pulls: list[str] | None = None) -> Plan:
    """A step per container (in input order) and the waves: the removals first, then link order."""
    by_name = {c["name"]: c for c in containers}
    steps: dict = {}
    for container in containers:
        if container["state"] == "absent":
            steps[container["name"]] = plan_step(container, by_name, snapshot, steps, options)
    link_order = link_waves(dependencies(present(containers)))
    for wave in link_order:
        for name in wave:
            steps[name] = plan_step(by_name[name], by_name, snapshot, steps, options)
    removals = [c["name"] for c in containers if steps[c["name"]].action == "remove"]
    return Plan(steps={c["name"]: steps[c["name"]] for c in containers}, waves=[removals] + link_order, pulls=list(pulls or []))


def ownership_problems(containers: list[ContainerSpec], snapshot: Snapshot, options: Options) -> list[str]:
    """Containers with a member's name that are not the set's: they lack one of the task's labels.

    Refused unless ``adopt``; with no task labels every container of the name is the set's.
    """
    if not options.labels or options.adopt:
        return []
    problems = []
    for container in containers:
        info = snapshot.containers.get(container["name"])
        lacking = missing_label(info, options.labels) if info else None
        if lacking:
            problems.append(
                "%s: the container %r on the engine is not this set's: it lacks the label %s; rename or remove it "
                "yourself, or set adopt: true to replace it (gracefully stopped, kept until its replacement runs)"
                % (container["place"], container["name"], lacking)
            )
    return problems
