#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: macvlan_shim
short_description: Give the host a macvlan interface of its own, so that it reaches its macvlan containers
version_added: 0.1.0
description:
  - The macvlan driver keeps a host from talking to the containers on its own macvlan networks, because traffic between
    a parent interface and its macvlan endpoints is never delivered. The usual workaround is a host-side macvlan
    interface, a I(shim), on the same parent, with an address of the lab network and routes to the containers.
  - This module makes that shim with netlink, as C(ip link add NAME link PARENT type macvlan mode bridge),
    C(ip addr add), C(ip link set NAME up) and C(ip route add ... dev NAME) would, and keeps it exactly so
    (one address, exactly the given routes, up).
  - With O(state=absent) it removes the shim, and with it its address and routes.
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._netns
attributes:
  check_mode:
    support: full
    description: In check mode the module validates everything and reports what it would do, and changes nothing.
  diff_mode:
    support: full
    description: Shows the shim's parent, mode, addresses, routes and link state before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change.
options:
  name:
    description:
      - The name of the host-side macvlan interface, at most 15 characters.
    type: str
    required: true
  parent:
    description:
      - The interface the shim sits on, which is the parent of the macvlan network whose containers the host must reach.
      - Required with O(state=present). It must exist.
    type: str
  address:
    description:
      - The shim's address with its prefix length, such as V(192.168.50.250/32). Choose an unused address of the lab
        network, outside the range the containers get addresses from.
      - Other addresses of the same family on the shim are removed (IPv6 link-local ones are kept).
      - Required with O(state=present).
    type: str
  routes:
    description:
      - Networks, in CIDR notation, that the host reaches through the shim, typically the macvlan network's
        C(ip_range) or the containers' static addresses as V(/32) networks.
      - Routes through the shim that are not in this list are removed (not the one the kernel adds for
        O(address)'s own network).
    type: list
    elements: str
    default: []
  mode:
    description:
      - The macvlan mode of the shim. Only V(bridge) lets the shim talk to the macvlan containers on the same parent
        without help from the switch; V(vepa) needs a switch that sends the traffic back (hairpin), V(private) forbids it.
    type: str
    choices: [bridge, vepa, private]
    default: bridge
  state:
    description:
      - V(present) makes sure the shim exists as described; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Removing the shim with O(state=absent) only removes a macvlan interface; the module refuses to remove an
    interface of another kind with the same name.
seealso:
  - module: labnet.docker.macvlan_network
"""

EXAMPLES = r"""
- name: Let the host reach the containers of the lab network
  labnet.docker.macvlan_shim:
    name: labnet-shim
    parent: eth1
    address: 192.168.50.250/32
    routes:
      - 192.168.50.128/25

- name: Remove the shim
  labnet.docker.macvlan_shim:
    name: labnet-shim
    state: absent
"""

RETURN = r"""
shim:
  description: The shim as it is after the task (in check mode, as it would be). Empty after O(state=absent).
  returned: success
  type: dict
  contains:
    name:
      description: The interface name.
      type: str
      sample: labnet-shim
    parent:
      description: The parent interface.
      type: str
      sample: eth1
    mode:
      description: The macvlan mode.
      type: str
      sample: bridge
    addresses:
      description: The shim's addresses with prefix length (without IPv6 link-local ones).
      type: list
      elements: str
      sample: [192.168.50.250/32]
    routes:
      description: The networks routed through the shim (without the kernel's own routes).
      type: list
      elements: str
      sample: [192.168.50.128/25]
    up:
      description: Whether the shim is up.
      type: bool
      sample: true
actions:
  description: What the module did (in check mode, would do), in order.
  returned: always
  type: list
  elements: str
  sample: ["create macvlan labnet-shim on eth1 (mode bridge)", "add address 192.168.50.250/32", "set labnet-shim up",
           "add route 192.168.50.128/25"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import DEFAULT_MACVLAN_MODE, SHIM_MACVLAN_MODES
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_shim import MacvlanShim


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            parent=dict(type="str"),
            address=dict(type="str"),
            routes=dict(type="list", elements="str", default=[]),
            mode=dict(type="str", choices=list(SHIM_MACVLAN_MODES), default=DEFAULT_MACVLAN_MODE),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            netns=dict(type="str"),
        ),
        required_if=[("state", "present", ("parent", "address"))],
        supports_check_mode=True,
    )
    module.exit_json(**MacvlanShim(module).run())


if __name__ == "__main__":
    main()
