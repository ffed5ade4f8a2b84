#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lab_host_converge
short_description: Bring one lab host's part of a planned lab to its plan in one call
version_added: 0.2.0
description:
  - Takes one host's part of the plan that the P(labnet.docker.lab_plan#filter) filter makes (its C(hosts[<host>]),
    with networks, containers and wires) and brings the host to it, in this order. It makes the veth lab NICs of networks
    with C(create_parent) and puts every macvlan parent in promiscuous mode. It converges the macvlan networks,
    then their host shims, then the bridge networks, then the containers in link order, then the wires between them.
  - Each step runs the same code as the module that does it alone. These are M(labnet.docker.nic_promisc),
    M(labnet.docker.macvlan_network) (bridge networks too), M(labnet.docker.macvlan_shim),
    M(labnet.docker.linked_containers) and M(labnet.docker.container_wires), so the rules, checks and transactions
    are theirs. The lab role runs this module once per host instead of a task per object.
  - The whole plan is checked before the first change (addresses, routes, containers, links, wires), with the
    same messages as those modules.
  - A veth lab NIC is a veth pair whose two ends carry the alias C(labnet.lab=<lab>) and are up. An interface of
    the parent's name that is not such a veth is refused.
  - When a step fails, the task fails with that step's message, the step's own details (RV(failed_step)) and
    everything done on the host before it (RV(steps)).
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._docker
attributes:
  check_mode:
    support: full
    description:
      - In check mode the module checks and reads everything and reports what it would do, and changes nothing.
      - A step on something that is still to be made (a network on a veth lab NIC to be made, containers on networks to
        be made, wires between them) cannot be read; it is reported as a change, with the reason in RV(steps[].skipped).
  diff_mode:
    support: full
    description: Shows the changed steps' settings before and after, as the single modules do, each headed by its step.
  idempotent:
    support: full
    description: A second run with the same options reports no change.
options:
  lab:
    description:
      - The lab's name, as given to the filter. The veth lab NICs carry the alias C(labnet.lab=<lab>).
    type: str
    required: true
  plan:
    description:
      - This host's part of the plan, C(lab_plan.hosts[inventory_hostname]), a dictionary with the lists
        C(networks), C(containers) and C(wires).
      - Each of C(networks) has the keys the filter gives it. These are C(name), C(docker_name), C(driver)
        (V(macvlan) or V(bridge)), C(parent), C(create_parent), C(parent_peer), C(subnet), C(gateway), C(ip_range),
        C(aux_addresses), C(mode), C(labels), C(internal), C(subnet_v6), C(gateway_v6), and C(shim) (a dictionary
        with C(name), C(address) and C(routes), or null).
      - The parts of the host's plan that the lab role's other steps act on are left to them, namely C(probes) (the
        segment preflight), C(underlay_firewall) and each network's C(underlay) (its VXLAN link, made by
        M(labnet.docker.vxlan_link) before this module runs, is then the network's C(parent)).
      - Each of C(containers) is a container as the O(labnet.docker.linked_containers#module:containers) option of
        M(labnet.docker.linked_containers) takes it; each of C(wires) a wire as the
        O(labnet.docker.container_wires#module:wires) option of M(labnet.docker.container_wires) takes it.
    type: dict
    required: true
  labels:
    description:
      - Labels of every container, as the O(labnet.docker.linked_containers#module:labels) option of
        M(labnet.docker.linked_containers). The lab role passes the lab's label, C(labnet.lab=<lab>).
    type: dict
    default: {}
  parallel:
    description:
      - How many containers to create, start or remove at the same time, when their links allow it.
    type: int
    default: 4
notes:
  - The module runs on the lab host, as root, next to its Docker engine; the parents and shims are that host's.
  - Removing a lab (and the objects a topology no longer has) is left to the single modules, as the lab role does.
seealso:
  - module: labnet.docker.macvlan_network
  - module: labnet.docker.macvlan_shim
  - module: labnet.docker.nic_promisc
  - module: labnet.docker.linked_containers
  - module: labnet.docker.container_wires
"""

EXAMPLES = r"""
- name: Plan the lab
  ansible.builtin.set_fact:
    lab_plan: "{{ lab_topology | labnet.docker.lab_plan('demo', ansible_play_hosts_all) }}"

- name: Bring this host's part of the lab to its plan
  labnet.docker.lab_host_converge:
    lab: demo
    plan: "{{ lab_plan.hosts[inventory_hostname] }}"
    labels: "{{ lab_plan.label }}"
  register: lab_host

- name: Show what was done, step by step
  ansible.builtin.debug:
    msg: "{{ lab_host.steps | selectattr('changed') | map(attribute='actions') | flatten }}"
"""

RETURN = r"""
steps:
  description:
    - The steps run, in order, each with its kind (C(step)), its object (C(name)), whether it changed something and
      its actions. On failure, the steps done before it.
    - C(skipped) says why check mode could not read the step's object.
  returned: always
  type: list
  elements: dict
  contains:
    step:
      description: The kind of step, such as V(lab NIC), V(promiscuous mode), V(network), V(shim), V(containers) or V(wires).
      type: str
      returned: always
    name:
      description: What the step worked on.
      type: str
      returned: always
    changed:
      description: Whether the step changed something (in check mode, would).
      type: bool
      returned: always
    actions:
      description: What the step did (in check mode, would do), one line each.
      type: list
      elements: str
      returned: always
    skipped:
      description: Why check mode could not read the step's object (it is still to be made); the step counts as a change.
      type: str
      returned: when check mode could not read the object
  sample:
    - {step: lab NIC, name: labnet-nic, changed: true, actions: ["create veth lab NIC labnet-nic (peer labnet-nicp)"]}
    - {step: promiscuous mode, name: labnet-nic, changed: true, actions: ["switch promiscuous mode on for labnet-nic"]}
    - {step: network, name: labnet-lan, changed: true, actions: ["create network labnet-lan"]}
actions:
  description: Every step's actions, in order, one line each.
  returned: always
  type: list
  elements: str
containers:
  description: The containers as M(labnet.docker.linked_containers) reports them (its RV(labnet.docker.linked_containers#module:containers)).
  returned: always
  type: dict
wires:
  description: Each wire and its result, as M(labnet.docker.container_wires) reports them.
  returned: always
  type: list
  elements: dict
failed_step:
  description: On failure, the failed step (C(step), C(name)) with the details its module returns on failure.
  returned: failure
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import DOCKER_COMMON_ARGUMENT_SPEC
from ansible_collections.labnet.docker.plugins.module_utils._docker.lab_host import LabHost


def main():
    module = AnsibleModule(
        argument_spec=dict(
            lab=dict(type="str", required=True),
            plan=dict(type="dict", required=True),
            labels=dict(type="dict", default={}),
            parallel=dict(type="int", default=4),
            **DOCKER_COMMON_ARGUMENT_SPEC,
        ),
        supports_check_mode=True,
    )
    module.exit_json(**LabHost(module).run())


if __name__ == "__main__":
    main()
