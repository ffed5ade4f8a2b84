#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lab_topology_info
short_description: Read containers and macvlan networks typed by hand back into a lab topology
version_added: 0.2.0
description:
  - Reads the containers and networks of a lab made with the docker CLI (C(docker network create -d macvlan ...),
    C(docker run --ip ... --link web:alias -p 8080:80 ...)) and returns them as RV(topology), in the format of the
    C(labnet.docker.lab) role's C(lab_topology), so that the lab becomes code. Nothing is made, changed or removed.
  - Macvlan networks give their parent NIC, subnet, gateway, C(ip_range) (V(none) when the network has none),
    aux addresses and macvlan mode.
  - Containers give their image (as typed), command (when it is not the image's), the environment variables that
    differ from the image's, host name, networks with static addresses and aliases, links with aliases (from
    C(HostConfig.Links), C(/web:/client/alias), and from the network-scoped links of user-defined networks),
    published ports in the role's syntax (V(8080:80), V(127.0.0.1:8080:80/udp)), restart policy and labels that
    are not the image's.
  - The networks the selected containers are attached to are read too, without naming them in O(networks).
  - Whatever the topology cannot say is listed in RV(unsupported), per object with the reason, never dropped
    silently; for example volumes, capabilities, a bridge network, a network with two subnets, a container that
    does not run, a link to a container that is not read.
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._docker
attributes:
  check_mode:
    support: full
    description: The module only reads, so it runs the same in check mode.
  diff_mode:
    support: none
    description: The module changes nothing, so there is nothing to show.
  idempotent:
    support: full
    description: The module only reads; it never reports a change.
options:
  containers:
    description:
      - The containers to read, by name. A name that no container has fails the task.
    type: list
    elements: str
    default: []
  label:
    description:
      - Also read every container that carries this label, as V(key=value) (or V(key) for any value).
    type: str
  networks:
    description:
      - Networks to read besides those the containers are attached to, by name.
    type: list
    elements: str
    default: []
  lab_name:
    description:
      - The lab's name when the objects were named like the role names them, C(<lab_name>-<name>). The prefix is
        removed from container, network and link target names, so that the role deployed with this O(lab_name)
        finds the same objects. A name without the prefix is kept, and listed in RV(unsupported).
      - When not set, names are kept as they are.
    type: str
notes:
  - At least one of O(containers), O(label) and O(networks) must select something.
  - A container's address is read only when it was given (C(--ip)); an address the engine chose is left to the
    lab's planner.
seealso:
  - module: labnet.docker.linked_containers
  - module: labnet.docker.macvlan_network
"""

EXAMPLES = r"""
- name: Read the tutorial's lab typed by hand
  labnet.docker.lab_topology_info:
    containers: [alpha, beta, web, client]
  register: adopted

- name: Write it where the lab role can read it
  ansible.builtin.copy:
    dest: lab-topology.yml
    content: "{{ {'lab_topology': adopted.topology} | to_nice_yaml }}"
    mode: "0644"
  delegate_to: localhost

- name: Read every container labelled for the course, and say what could not be read
  labnet.docker.lab_topology_info:
    label: course=networking
  register: course

- name: Show what the topology leaves out
  ansible.builtin.debug:
    msg: "{{ course.unsupported | map(attribute='reason') | list }}"
"""

RETURN = r"""
topology:
  description:
    - The lab in the format of the C(labnet.docker.lab) role's C(lab_topology), with C(networks) (macvlan networks
      only) and C(containers), in the order they were read.
  returned: success
  type: dict
  sample:
    networks:
      - {name: lan, subnet: 172.31.250.0/24, gateway: 172.31.250.1, parent: eth1, ip_range: 172.31.250.128/26,
         mode: bridge}
    containers:
      - {name: web, image: "labnet/box:latest", command: [/bin/labnet-web], hostname: web,
         networks: [{name: lan, ipv4_address: 172.31.250.20}], published_ports: ["8080:80"], restart_policy: "no"}
      - {name: client, image: "labnet/box:latest", hostname: client, networks: [{name: lan}], links: ["web:www"],
         restart_policy: "no"}
unsupported:
  description: What the topology cannot say, one entry per object and setting.
  returned: success
  type: list
  elements: dict
  contains:
    object:
      description: V(container) or V(network).
      type: str
    name:
      description: The object's Docker name.
      type: str
    what:
      description: The setting.
      type: str
    reason:
      description: Why the topology leaves it out, with its value.
      type: str
  sample:
    - {object: container, name: client, what: cap_add, reason: "the lab topology has no capabilities (['NET_ADMIN'])"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    DOCKER_COMMON_ARGUMENT_SPEC,
    ENGINE_ERRORS,
    NotFound,
    api_error_text,
    docker_client,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.topology_read import networks_of, read_topology


def _inspect_all(client, names: list[str], label: str | None) -> list[dict]:
    """The containers named and labelled, inspected once each, in order; a missing name raises NotFound."""
    found = [client.api.inspect_container(name) for name in names]
    if label:
        for summary in client.api.containers(all=True, filters={"label": label}):
            if summary["Id"] not in {c["Id"] for c in found}:
                found.append(client.api.inspect_container(summary["Id"]))
    return found


def _images(client, containers: list[dict]) -> dict:
    images = {}
    for inspect in containers:
        try:
            images[inspect["Image"]] = client.api.inspect_image(inspect["Image"])
        except NotFound:
            images[inspect["Image"]] = {}
    return images


def run(module: AnsibleModule) -> dict:
    params = module.params
    if not (params["containers"] or params["label"] or params["networks"]):
        module.fail_json(msg="Nothing to read: give containers (names), label (key=value) or networks (names).")
    client = docker_client(module)
    step = "inspecting the containers %s" % ", ".join(params["containers"] or ["labelled %s" % params["label"]])
    try:
        containers = _inspect_all(client, params["containers"], params["label"])
        step = "inspecting the containers' images"
        images = _images(client, containers)
        names = list(params["networks"]) + [n for n in networks_of(containers) if n not in params["networks"]]
        step = "inspecting the networks %s" % ", ".join(names)
        networks = [client.api.inspect_network(name) for name in names]
    except NotFound as exc:
        module.fail_json(msg="Could not read the lab while %s: %s. Check the names (docker ps -a, docker network ls)."
                         % (step, api_error_text(exc)))
    except ENGINE_ERRORS as exc:
        module.fail_json(msg="The Docker engine failed while %s: %s. Nothing was changed." % (step, api_error_text(exc)))
    return read_topology(containers, images, networks, params["lab_name"])


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            containers=dict(type="list", elements="str", default=[]),
            label=dict(type="str"),
            networks=dict(type="list", elements="str", default=[]),
            lab_name=dict(type="str"),
            **DOCKER_COMMON_ARGUMENT_SPEC,
        ),
        supports_check_mode=True,
    )
    result = run(module)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
