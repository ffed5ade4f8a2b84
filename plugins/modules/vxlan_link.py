#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vxlan_link
short_description: A VXLAN link with head-end replication to a list of peers, the underlay of a lab across subnets
version_added: 0.2.0
description:
  - Makes a VXLAN interface bound to this host's underlay address, as C(ip link add NAME type vxlan id VNI local
    LOCAL dstport PORT dev DEV) would, sets its MTU, brings it up, and keeps exactly one all-zeros-MAC FDB entry
    per peer (C(bridge fdb append 00:00:00:00:00:00 dev NAME dst REMOTE)). Broadcast, unknown unicast and multicast
    frames are then copied to every peer (head-end replication); no multicast is needed in the underlay, so the
    hosts may sit in different subnets with routers between them.
  - Peer entries that are not in O(remotes) are removed; FDB entries the kernel learns for single MAC addresses
    are left alone.
  - The link can then serve as the parent of a macvlan network, or be put into a bridge, so that containers on
    different hosts share one L2 segment.
  - With O(state=absent) it removes the link, and with it its FDB entries and addresses.
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
    description: Shows the link's VNI, port, local address, underlay device, MTU, state and peers before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change.
options:
  name:
    description:
      - The name of the VXLAN interface, at most 15 characters.
    type: str
    required: true
  vni:
    description:
      - The VXLAN network identifier, from 1 to 16777215. Every host of one overlay uses the same VNI.
      - Required with O(state=present).
    type: int
  local:
    description:
      - This host's underlay address, which the peers list in their O(remotes). It must be an address of an
        interface in the namespace.
      - Required with O(state=present).
    type: str
  remotes:
    description:
      - The underlay addresses of the other hosts of the overlay, of the same address family as O(local).
      - Each becomes one FDB entry C(00:00:00:00:00:00 dst REMOTE); entries of peers not in this list are removed.
    type: list
    elements: str
    default: []
  port:
    description:
      - The UDP port of the VXLAN traffic, the same on every host of the overlay.
    type: int
    default: 4789
  mtu:
    description:
      - The MTU of the VXLAN interface.
      - By default the underlay device's MTU minus the VXLAN overhead, 50 bytes over an IPv4 underlay (1450 on a
        1500-byte underlay) and 70 over IPv6, so that no encapsulated frame is fragmented.
      - A larger value than that is refused.
    type: int
  dev:
    description:
      - The underlay device, which the VXLAN traffic leaves by and whose MTU sets the default O(mtu).
      - By default the interface that has O(local) as an address.
    type: str
  force:
    description:
      - An existing interface named O(name) that is not a VXLAN link with this O(vni) and O(port) and address family
        is refused by default, since it may belong to something else. With V(true) it is replaced by a new link
        (addresses on the old link are not carried over). The old link is moved aside first and put back if the new
        one cannot be made.
      - An existing VXLAN link with another O(local) or O(dev) is likewise refused by default; with V(true) it is
        changed in place.
      - With O(state=absent), V(true) also removes an interface of another kind named O(name).
    type: bool
    default: false
  state:
    description:
      - V(present) makes sure the link exists as described; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - VXLAN has no authentication. Accept the VXLAN port on the underlay only from the overlay's own hosts.
  - Learning stays on, so unicast frames go to the one peer behind a MAC address once the kernel has learnt it.
  - The kernel needs VXLAN support (module C(vxlan)); without it the task fails and says so.
seealso:
  - name: ip-link(8)
    description: The C(vxlan) link type.
    link: https://man7.org/linux/man-pages/man8/ip-link.8.html
  - name: bridge(8)
    description: C(bridge fdb), the forwarding database of a VXLAN link.
    link: https://man7.org/linux/man-pages/man8/bridge.8.html
  - module: labnet.docker.macvlan_network
"""

EXAMPLES = r"""
- name: Join this host to the lab overlay 100 with its two peers
  labnet.docker.vxlan_link:
    name: vxlab100
    vni: 100
    local: 192.0.2.11
    remotes:
      - 198.51.100.12
      - 203.0.113.13

- name: The same inside a network namespace, on a given underlay device and with an explicit MTU
  labnet.docker.vxlan_link:
    name: vxlab100
    vni: 100
    local: 10.20.1.2
    dev: veth-underlay
    mtu: 1400
    remotes: [10.20.2.2]
    netns: lab1

- name: Remove the overlay link
  labnet.docker.vxlan_link:
    name: vxlab100
    state: absent
"""

RETURN = r"""
link:
  description: The link as it is after the task (in check mode, as it would be). Empty after O(state=absent).
  returned: success
  type: dict
  contains:
    name:
      description: The interface name.
      type: str
      sample: vxlab100
    kind:
      description: The link kind.
      type: str
      sample: vxlan
    vni:
      description: The VXLAN network identifier.
      type: int
      sample: 100
    port:
      description: The UDP port.
      type: int
      sample: 4789
    local:
      description: The local underlay address.
      type: str
      sample: 192.0.2.11
    dev:
      description: The underlay device.
      type: str
      sample: eth1
    mtu:
      description: The MTU of the VXLAN interface.
      type: int
      sample: 1450
    up:
      description: Whether the link is up.
      type: bool
      sample: true
    remotes:
      description: The peers, one all-zeros-MAC FDB entry each, in address order.
      type: list
      elements: str
      sample: [198.51.100.12, 203.0.113.13]
underlay_mtu:
  description: The MTU of the underlay device, from which the default O(mtu) is computed.
  returned: when O(state=present)
  type: int
  sample: 1500
actions:
  description: What the module did (in check mode, would do), in order.
  returned: always
  type: list
  elements: str
  sample: ["create VXLAN vxlab100 (vni 100, port 4789, local 192.0.2.11, dev eth1, mtu 1450)", "set vxlab100 up",
           "add FDB entry 00:00:00:00:00:00 dst 198.51.100.12"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.vxlan_link import VxlanLink


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            vni=dict(type="int"),
            local=dict(type="str"),
            remotes=dict(type="list", elements="str", default=[]),
            port=dict(type="int", default=4789),
            mtu=dict(type="int"),
            dev=dict(type="str"),
            force=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            netns=dict(type="str"),
        ),
        required_if=[("state", "present", ("vni", "local"))],
        supports_check_mode=True,
    )
    module.exit_json(**VxlanLink(module).run())


if __name__ == "__main__":
    main()
