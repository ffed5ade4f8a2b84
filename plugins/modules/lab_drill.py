#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lab_drill
short_description: Inject named faults into a deployed lab, inspect them, and undo exactly them
version_added: 0.2.0
description:
  - A drill for people who learn and teach Docker networking. With O(state=injected), breaks a deployed lab (the
    containers that carry the label C(labnet.lab=<lab_name>), and the lab NICs and host shims given in O(parents) and
    O(shims)) in named ways, records what it broke in O(record), and returns the learner's task.
  - "Faults: V(proxy_killed) (the C(docker-proxy) of a published TCP port is killed), V(dnat_deleted) (the DNAT rule
    of a published port is deleted from the nat table's C(DOCKER) chain), V(promisc_off) (promiscuous mode is turned
    off on a lab NIC), V(container_stopped), V(link_target_recreated) (a link target is made again after the
    container that links to it, so that one's C(/etc/hosts) entry is stale; the module picks and records it, and
    returns it in RV(recreate) for the caller to recreate), V(shim_route_deleted) (a route of a host shim) and
    V(parent_down) (a lab NIC is taken down)."
  - "Only what the snapshot of the lab lists is ever touched: the lab's labelled containers, the proxies and DNAT
    rules of their published ports, and the NICs and shims the caller names. At most one fault is put on each
    container."
  - With O(state=inspected), reports each recorded fault as still there or repaired (RV(checks), one row per fault in
    the format of the lab role's verify table). With O(state=undone), reverts the recorded faults that are still
    there, and only those, and removes the record.
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._docker
attributes:
  check_mode:
    support: full
    description: Plans the drill (or the undo) and reports C(changed) and the faults; breaks, repairs and writes nothing.
  diff_mode:
    support: none
    description: The faults are returned in RV(faults) instead.
  idempotent:
    support: full
    description: >-
      A drill already recorded with the same request is not injected again; an undone drill has no record left.
options:
  lab_name:
    description: The lab's name; its containers carry the label C(labnet.lab=<lab_name>).
    type: str
    required: true
  state:
    description:
      - V(injected) breaks the lab and writes O(record); refused when the lab has no container on this engine, or
        when another drill is recorded (undo it first).
      - V(inspected) reads the lab and reports the recorded faults; V(undone) reverts those still there and removes
        O(record).
    type: str
    choices: [injected, inspected, undone]
    default: inspected
  faults:
    description:
      - The faults to inject, each V(fault) or V(fault:target) (a container's name, with or without C(<lab_name>-),
        a lab NIC, a shim, or a shim route's destination). Without a target, O(seed) picks one.
      - When empty, O(seed) picks O(count) faults among those the lab offers.
    type: list
    elements: str
    default: []
  seed:
    description:
      - The seed of every random choice; the same lab and seed give the same drill. When not set, one is drawn and
        recorded, so that a drill can be replayed.
    type: str
  count:
    description: How many faults to pick at random when O(faults) is empty.
    type: int
    default: 1
  parents:
    description: The lab's parent NICs on this host (the only links V(promisc_off) and V(parent_down) touch).
    type: list
    elements: str
    default: []
  shims:
    description: The lab's host shims on this host (the only links V(shim_route_deleted) touches).
    type: list
    elements: str
    default: []
  record:
    description: The file where the drill is recorded (JSON), such as C(/var/lib/labnet-lab/<lab_name>.drill.json).
    type: path
    required: true
notes:
  - Undoing V(proxy_killed) restarts the container (dockerd starts a proxy for it again); undoing
    V(link_target_recreated) cannot bring the old container back, so RV(converge) asks the caller to converge the
    containers (the lab role deploys them again, which recreates the stale linker).
  - Needs root on the lab host (signals, C(ip), C(iptables)).
seealso:
  - module: labnet.docker.port_forward_info
"""

EXAMPLES = r"""
- name: Kill a docker-proxy and stop beta in lab course1
  labnet.docker.lab_drill:
    lab_name: course1
    state: injected
    faults: [proxy_killed, "container_stopped:beta"]
    parents: [course1-nic]
    shims: [course1-shm]
    record: /var/lib/labnet-lab/course1.drill.json
  register: drill

- name: Two faults the seed picks
  labnet.docker.lab_drill:
    lab_name: course1
    state: injected
    seed: "42"
    count: 2
    record: /var/lib/labnet-lab/course1.drill.json

- name: Undo the drill
  labnet.docker.lab_drill:
    lab_name: course1
    state: undone
    record: /var/lib/labnet-lab/course1.drill.json
"""

RETURN = r"""
faults:
  description: The recorded faults, each with its target, the learner's task, the solution and whether it is still there.
  returned: always
  type: list
  elements: dict
  sample:
    - {fault: container_stopped, target: course1-beta, task: "beta does not answer any more. Find out why and repair it.",
       solution: "beta was stopped; docker start course1-beta", broken: true}
checks:
  description: One row per recorded fault, C(name), C(kind) (V(drill)), C(status) (V(fail) while it is there), C(detail).
  returned: always
  type: list
  elements: dict
task:
  description: The learner's task, every fault's symptom in one text.
  returned: always
  type: str
seed:
  description: The seed the drill was planned with.
  returned: always
  type: str
recreate:
  description: With O(state=injected), the containers the caller must recreate (the V(link_target_recreated) targets).
  returned: always
  type: list
  elements: str
converge:
  description: With O(state=undone), whether a fault needs the lab's containers converged to be repaired.
  returned: always
  type: bool
"""

import json
import os
import random

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker import drill
from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    DOCKER_COMMON_ARGUMENT_SPEC,
    ENGINE_ERRORS,
    api_error_text,
    docker_client,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.drill_act import apply_fault
from ansible_collections.labnet.docker.plugins.module_utils._docker.drill_read import read_containers, read_host


def snapshot(module: AnsibleModule, client) -> dict:
    p = module.params
    try:
        containers = read_containers(client, p["lab_name"])
    except ENGINE_ERRORS as exc:
        module.fail_json(msg="The Docker engine failed while reading lab %s's containers: %s. Nothing was changed."
                         % (p["lab_name"], api_error_text(exc)))
    return dict(read_host(module, p["parents"], p["shims"]), name=p["lab_name"], containers=containers)


def read_record(path: str) -> dict | None:
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def write_record(path: str, record: dict) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(record, indent=2, sort_keys=True) + "\n")


def inject(module: AnsibleModule, client, lab: dict, recorded: dict | None) -> dict:
    p = module.params
    request = dict(faults=p["faults"], seed=p["seed"], count=p["count"])
    if recorded is not None:
        if recorded.get("request") != request:
            module.fail_json(msg="A drill is already recorded for lab %s (%s, in %s): undo it first (state: undone)."
                             % (p["lab_name"], ", ".join(f["fault"] for f in recorded["faults"]), p["record"]))
        return dict(changed=False, record=recorded, recreate=[])
    if not lab["containers"]:
        module.fail_json(msg="Lab %s is not deployed on this host: no container carries the label labnet.lab=%s. "
                             "Deploy it first (make lab, or the lab role with lab_state: present)." % (p["lab_name"], p["lab_name"]))
    seed = p["seed"] if p["seed"] is not None else str(random.SystemRandom().randrange(10 ** 6))
    try:
        faults = drill.plan_drill(lab, drill.parse_requests(p["faults"]), seed, p["count"])
    except drill.DrillError as exc:
        module.fail_json(msg=str(exc))
    record = dict(lab=p["lab_name"], request=request, seed=seed, faults=faults)
    if not module.check_mode:
        write_record(p["record"], record)  # first, so that a drill that fails half-way can still be undone
        for fault in faults:
            apply_fault(module, client, lab, fault, undo=False)
    recreate = [f["target"] for f in faults if f["fault"] == "link_target_recreated"]
    return dict(changed=True, record=record, recreate=recreate)


def undo(module: AnsibleModule, client, lab: dict, recorded: dict | None) -> dict:
    if recorded is None:
        return dict(changed=False, record=None, converge=False)
    broken = [f for f in recorded["faults"] if drill.still_broken(lab, f)]
    if not module.check_mode:
        for fault in reversed(broken):
            apply_fault(module, client, lab, fault, undo=True)
        os.remove(module.params["record"])
    converge = any(f["fault"] == "link_target_recreated" for f in broken)
    return dict(changed=True, record=recorded, converge=converge)


def run(module: AnsibleModule) -> dict:
    p = module.params
    if p["count"] < 1:
        module.fail_json(msg="count: %s is not a number of faults; give 1 or more." % p["count"])
    try:
        drill.parse_requests(p["faults"])
    except drill.DrillError as exc:
        module.fail_json(msg=str(exc))
    client = docker_client(module)
    recorded = read_record(p["record"])
    lab = snapshot(module, client)
    if p["state"] == "injected":
        result = inject(module, client, lab, recorded)
    elif p["state"] == "undone":
        result = undo(module, client, lab, recorded)
    else:
        result = dict(changed=False, record=recorded)
    record = result.pop("record") or dict(faults=[], seed=None)
    after = snapshot(module, client) if result["changed"] and not module.check_mode and p["state"] == "injected" else lab
    faults = [dict(f, broken=drill.still_broken(after, f)) for f in record["faults"]]
    rows = drill.check_rows(after, record["faults"], "") if p["state"] != "undone" else []
    return dict(changed=result["changed"], faults=faults, checks=rows, seed=record.get("seed"),
                task="\n".join(f["task"] for f in faults), recreate=result.get("recreate", []),
                converge=result.get("converge", False))


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            lab_name=dict(type="str", required=True),
            state=dict(type="str", default="inspected", choices=["injected", "inspected", "undone"]),
            faults=dict(type="list", elements="str", default=[]),
            seed=dict(type="str"),
            count=dict(type="int", default=1),
            parents=dict(type="list", elements="str", default=[]),
            shims=dict(type="list", elements="str", default=[]),
            record=dict(type="path", required=True),
            **DOCKER_COMMON_ARGUMENT_SPEC,
        ),
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
