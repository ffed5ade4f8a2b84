#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: macvlan_network
short_description: Manage a Docker macvlan network exactly, keeping its containers when it must be recreated
version_added: 0.1.0
description:
  - Creates, updates and removes a Docker network of the C(macvlan) driver, as
    C(docker network create -d macvlan --subnet ... --gateway ... --ip-range ... -o parent=...) does.
  - Validates every option before it changes anything, so that a refused task leaves no network behind. The
    addressing options must be valid CIDRs and addresses inside the subnet; the O(parent) must exist on the
    managed host (checked with netlink), or be a VLAN sub-interface such as V(eth1.50) of an existing NIC
    which the Docker driver creates (this needs the kernel's 802.1q support, which is checked too);
    no other Docker network may use the same parent or an overlapping subnet.
  - A network whose driver, parent, mode, addressing or labels differ from the task is removed and made again,
    as a transaction. Every container attached to it is recorded in full first (IPv4 and IPv6 addresses,
    aliases, network-scoped links, MAC address, driver options), disconnected, and connected to the new
    network as it was; a container that cannot be reconnected does not stop the others.
  - When any step fails (a disconnect, the removal, the create, a reconnect, an engine that stops answering
    within O(timeout)), the old network is made again as it was and every container is connected to it as
    it was. The result names each container's outcome in RV(outcomes), and the failure message names every
    container that could not be put back, with the reason and the command that reconnects it by hand.
  - An existing network of this name that is not the task's is refused before any change, with a message that
    names what it lacks. Such a network is one of another driver (for example a bridge network), or, when
    O(labels) is set, one that lacks any of those labels. O(force=true) replaces it anyway.
  - Every engine error, timeouts and dropped connections included, fails the task with what was being
    attempted and what had been done; never a traceback.
  - The parent is checked on the managed host, so the Docker engine must run there, as it does when
    O(docker_host) is a local socket (the usual case).
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._docker
attributes:
  check_mode:
    support: full
    description: In check mode the module validates everything and reports what it would do, and changes nothing.
  diff_mode:
    support: full
    description: Shows the network's settings before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change.
options:
  name:
    description:
      - The name of the Docker network.
    type: str
    required: true
  state:
    description:
      - V(present) makes sure the network exists with exactly these settings.
      - V(absent) removes it. A network with containers attached is removed only with O(force=true).
    type: str
    choices: [present, absent]
    default: present
  parent:
    description:
      - The host interface the macvlan endpoints sit on, such as V(eth1), a veth end, or a VLAN
        sub-interface V(eth1.50).
      - A VLAN sub-interface that does not exist yet is created by the Docker driver, on the NIC before the
        dot, with the VLAN id after it (1 to 4094).
      - Required with O(state=present).
    type: str
  subnet:
    description:
      - The IPv4 subnet of the lab network, in CIDR notation, such as V(192.168.50.0/24).
      - Required with O(state=present).
    type: str
  gateway:
    description:
      - The IPv4 gateway of the subnet, the lab network's router. It must be a host address inside O(subnet).
      - When not set, the engine picks one and the module does not compare it.
    type: str
  ip_range:
    description:
      - The part of O(subnet), in CIDR notation, from which the engine gives addresses to containers that
        do not ask for one. Static addresses may lie anywhere in O(subnet).
      - When not set, the whole subnet.
    type: str
  aux_addresses:
    description:
      - Addresses inside O(subnet) that the engine must never give to a container (other hosts of the lab
        network), as a mapping of a name to an address.
    type: dict
    default: {}
  mode:
    description:
      - The macvlan mode. V(bridge) lets the macvlan endpoints on one parent talk to each other.
    type: str
    choices: [bridge, private, vepa, passthru]
    default: bridge
  subnet_v6:
    description:
      - An IPv6 subnet for the network, in CIDR notation. Setting it enables IPv6 on the network.
    type: str
  gateway_v6:
    description:
      - The IPv6 gateway, a host address inside O(subnet_v6).
    type: str
  labels:
    description:
      - Labels of the network. When set, the network's labels must be exactly these; when not set, they are
        not compared.
    type: dict
  force:
    description:
      - With O(state=absent), disconnect the attached containers first, then remove the network.
      - With O(state=present), replace an existing network of this name that is not the task's, that is one
        of another driver, or one that lacks any of O(labels). Without it, such a network is refused and left
        as it is.
      - With O(state=absent) and O(labels) set, remove a network that lacks any of those labels.
    type: bool
    default: false
notes:
  - A macvlan network keeps the host from talking to its own containers; add a host-side macvlan with
    M(labnet.docker.macvlan_shim) for that.
  - Containers are reconnected with the addresses they had, which makes them their static addresses.
  - Engines before API version 1.44 ignore a MAC address given on connect; they give a macvlan endpoint
    the container's own C(--mac-address), or one derived from its IPv4 address, so the MAC comes back too.
seealso:
  - module: labnet.docker.macvlan_shim
  - name: Docker macvlan network driver
    description: The driver's options.
    link: https://docs.docker.com/engine/network/drivers/macvlan/
"""

EXAMPLES = r"""
- name: Make the lab network on the lab NIC
  labnet.docker.macvlan_network:
    name: labnet
    parent: eth1
    subnet: 192.168.50.0/24
    gateway: 192.168.50.1
    ip_range: 192.168.50.128/25
    aux_addresses:
      router: 192.168.50.2
    labels:
      lab: tutorial

- name: Make a lab network on VLAN 50 of eth1 (the driver creates eth1.50)
  labnet.docker.macvlan_network:
    name: labnet50
    parent: eth1.50
    subnet: 192.168.150.0/24
    gateway: 192.168.150.1

- name: Remove the lab network, disconnecting its containers first
  labnet.docker.macvlan_network:
    name: labnet
    state: absent
    force: true
"""

RETURN = r"""
network:
  description:
    - The network as it is after the task (in check mode, as it would be). Empty after O(state=absent).
  returned: success
  type: dict
  contains:
    id:
      description: The network's id; null in check mode before it is made.
      type: str
      sample: 0c5e2f8a3b1d...
    name:
      description: The network's name.
      type: str
      sample: labnet
    driver:
      description: The network driver.
      type: str
      sample: macvlan
    parent:
      description: The parent interface.
      type: str
      sample: eth1
    mode:
      description: The macvlan mode.
      type: str
      sample: bridge
    subnet:
      description: The IPv4 subnet.
      type: str
      sample: 192.168.50.0/24
    gateway:
      description: The IPv4 gateway; null when the engine chose it.
      type: str
      sample: 192.168.50.1
    ip_range:
      description: The IPv4 range for addresses the engine gives out; null for the whole subnet.
      type: str
      sample: 192.168.50.128/25
    aux_addresses:
      description: The reserved IPv4 addresses by name.
      type: dict
      sample: {router: 192.168.50.2}
    subnet_v6:
      description: The IPv6 subnet, or null.
      type: str
      sample: fd00:50::/64
    gateway_v6:
      description: The IPv6 gateway, or null.
      type: str
      sample: fd00:50::1
    labels:
      description: The network's labels.
      type: dict
      sample: {lab: tutorial}
    containers:
      description: The containers attached to the network, running or not.
      type: list
      elements: dict
      contains:
        name:
          description: The container's name.
          type: str
        id:
          description: The container's id.
          type: str
        ipv4_address:
          description: The container's IPv4 address on the network, without prefix length.
          type: str
        aliases:
          description: The container's aliases on the network.
          type: list
          elements: str
        ipv6_address:
          description: The container's IPv6 address on the network, or null.
          type: str
        links:
          description: The container's network-scoped links, as C(target:alias).
          type: list
          elements: str
        mac_address:
          description: The container's MAC address on the network, or null.
          type: str
actions:
  description: What the module did (in check mode, would do), in order.
  returned: always
  type: list
  elements: str
  sample:
    - "remove network labnet (ip_range of 192.168.50.0/24 is 192.168.50.128/25, wanted 192.168.50.192/26)"
    - create network labnet
    - connect container web to labnet at 192.168.50.130 with aliases www
reconnected:
  description: The containers that were connected again to the new network after it was made again.
  returned: always
  type: list
  elements: dict
  sample: [{name: web, ipv4_address: 192.168.50.130, aliases: [www]}]
outcomes:
  description:
    - What became of each container attached to the network when it was recreated (in check mode, what
      would), in the order they were connected; empty when the network was not recreated.
    - Also returned when the task fails.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The container's name.
      type: str
    id:
      description: The container's id.
      type: str
    ipv4_address:
      description: The container's IPv4 address on the network.
      type: str
    outcome:
      description:
        - V(converged) - attached to the new network as it was attached to the old one.
        - V(restored) - the recreation failed; attached again, as it was, to the old network, made again.
        - V(untouched) - the recreation failed before this container was disconnected; still attached.
        - V(stranded) - attached to no network of this name; RV(outcomes[].reason) says why.
      type: str
      choices: [converged, restored, untouched, stranded]
    reason:
      description: Why a V(stranded) container could not be put back; null otherwise.
      type: str
  sample:
    - {name: web, id: 3f2a..., ipv4_address: 192.168.50.130, outcome: converged, reason: null}
differences:
  description: Why the existing network did not match the task; empty when it did or did not exist.
  returned: always
  type: list
  elements: str
  sample: ["mode is bridge, wanted vepa"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import DOCKER_COMMON_ARGUMENT_SPEC
from ansible_collections.labnet.docker.plugins.module_utils._docker.macvlan_network import MacvlanNetwork
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import DEFAULT_MACVLAN_MODE, MACVLAN_MODES


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        parent=dict(type="str"),
        subnet=dict(type="str"),
        gateway=dict(type="str"),
        ip_range=dict(type="str"),
        aux_addresses=dict(type="dict", default={}),
        mode=dict(type="str", choices=list(MACVLAN_MODES), default=DEFAULT_MACVLAN_MODE),
        subnet_v6=dict(type="str"),
        gateway_v6=dict(type="str"),
        labels=dict(type="dict"),
        force=dict(type="bool", default=False),
    )
    argument_spec.update(DOCKER_COMMON_ARGUMENT_SPEC)
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ("parent", "subnet"))],
        required_by={"gateway_v6": ("subnet_v6",)},
        supports_check_mode=True,
    )
    module.exit_json(**MacvlanNetwork(module).run())


if __name__ == "__main__":
    main()
