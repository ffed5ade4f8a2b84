#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: container_wires
short_description: Join containers with point-to-point veth wires in their network namespaces
version_added: 0.2.0
description:
  - Makes each wire a veth pair whose two ends live in two running containers' network namespaces, with the
    interface names, addresses and MTU given, and up, as C(ip link add ... type veth peer ...),
    C(ip link set ... netns ...), C(ip addr add) and C(ip link set ... up) would, through netlink.
  - A container's namespace is found from its process (C(State.Pid) of C(docker inspect)). A container that
    restarts gets a new namespace, without its wires; the next run makes them again.
  - An end that exists as this module made it (a veth carrying the alias C(labnet.docker wire A--B)) whose peer is not
    the other end of the wire is replaced. An interface of the same name that this module did not make, such as the
    container's own C(eth0) or C(lo), is never touched; the task fails naming it.
  - All wires are validated, and every end is read, before the first change.
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._docker
attributes:
  check_mode:
    support: full
    description: In check mode the module validates and reads everything and reports what it would do, and changes nothing.
  diff_mode:
    support: full
    description: Shows each wire end's peer, addresses, MTU and link state before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change.
options:
  wires:
    description:
      - The wires, each joining two interfaces of running containers. An interface is the end of one wire only.
    type: list
    elements: dict
    required: true
    suboptions:
      a:
        description:
          - One end, as V(container:ifname), such as V(r1:eth1). The interface name has at most 15 characters.
        type: str
        required: true
      b:
        description:
          - The other end, as V(container:ifname). It may be in the same container as O(wires[].a), not the same interface.
        type: str
        required: true
      a_address:
        description:
          - The address of end O(wires[].a) with its prefix length, IPv4 or IPv6, such as V(10.0.12.1/30).
          - Other addresses of the same family on that end are removed. When not given, the end's addresses are left alone.
        type: str
      b_address:
        description:
          - The address of end O(wires[].b), as O(wires[].a_address).
        type: str
      mtu:
        description:
          - The MTU of both ends, from 68 (1280 with an IPv6 address) to 65535. When not given, a new wire gets the
            kernel's default (1500) and an existing one keeps its MTU.
        type: int
  state:
    description:
      - V(present) makes the wires as described; V(absent) removes them (removing one end of a veth pair removes both).
      - With V(absent), an end in a container that is not running is already gone, and is no error.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Needs root (or C(CAP_NET_ADMIN) and C(CAP_SYS_ADMIN)) on the Docker host, and C(pyroute2) there.
  - Wires live as long as the containers' namespaces. Run the task again after a container restarts.
seealso:
  - module: labnet.docker.linked_containers
  - name: veth(4)
    description: Virtual Ethernet pairs.
    link: https://man7.org/linux/man-pages/man4/veth.4.html
"""

EXAMPLES = r"""
- name: Wire the router to its two hosts
  labnet.docker.container_wires:
    wires:
      - a: r1:eth1
        b: h1:eth1
        a_address: 10.0.12.1/30
        b_address: 10.0.12.2/30
      - a: r1:eth2
        b: h2:eth1
        a_address: 10.0.13.1/30
        b_address: 10.0.13.2/30
        mtu: 9000

- name: Remove the wires again
  labnet.docker.container_wires:
    wires:
      - a: r1:eth1
        b: h1:eth1
      - a: r1:eth2
        b: h2:eth1
    state: absent
"""

RETURN = r"""
wires:
  description: Each wire and what the task did to it (in check mode, would do).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The wire, as C(A--B).
      type: str
      sample: r1:eth1--h1:eth1
    result:
      description: V(created), V(replaced), V(updated), V(unchanged), V(removed) or V(absent).
      type: str
      sample: created
  sample: [{name: r1:eth1--h1:eth1, result: created}]
actions:
  description: What the module did (in check mode, would do), in order.
  returned: always
  type: list
  elements: str
  sample: ["create veth pair r1:eth1 -- h1:eth1", "add address 10.0.12.1/30 to r1:eth1", "set r1:eth1 up"]
"""

import contextlib

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import DOCKER_COMMON_ARGUMENT_SPEC
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.container_wires import WIRE_OPTIONS, ContainerWires


def main():
    module = AnsibleModule(
        argument_spec=dict(
            wires=dict(type="list", elements="dict", required=True, options=WIRE_OPTIONS),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            **DOCKER_COMMON_ARGUMENT_SPEC,
        ),
        supports_check_mode=True,
    )
    with contextlib.ExitStack() as stack:
        result = ContainerWires(module, stack).run()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
