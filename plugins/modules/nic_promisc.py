#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nic_promisc
short_description: Put a network interface into promiscuous mode, or take it out again
version_added: 0.1.0
description:
  - Sets or clears the C(IFF_PROMISC) flag of a network interface through netlink (pyroute2), as
    C(ip link set NIC promisc on) does, in the managed host's own network namespace or in another one.
  - A macvlan parent must accept frames for every container's MAC address, so this is the first step of
    every macvlan lab.
  - The kernel also keeps a promiscuity counter, which C(tcpdump) and other packet sockets raise while they
    run. The module manages the flag only; it reports the counter in RV(promiscuity) and never mistakes it
    for the flag.
  - With O(persistent=true) the module also writes the setting into the network configuration that brings
    the interface up at boot, for systemd-networkd, NetworkManager or ifupdown, whichever configures it.
    It does not restart or reload that network manager; the running interface is changed through netlink.
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._netns
attributes:
  check_mode:
    support: full
    description: In check mode the module reports what it would change, and changes nothing.
  diff_mode:
    support: full
    description:
      - Shows the flag before and after, and each configuration file written with O(persistent=true), with secrets
        masked unless O(show_secrets=true).
  idempotent:
    support: full
    description: A second run with the same options changes nothing and reports no change.
options:
  name:
    description:
      - The network interface, for example C(eth1) or C(enp3s0).
      - It must exist in the namespace; the module never creates it.
    type: str
    required: true
  state:
    description:
      - V(enabled) sets the C(IFF_PROMISC) flag, V(disabled) clears it.
      - Clearing the flag does not end promiscuity that a packet socket (such as C(tcpdump)) holds on its own.
    type: str
    choices: [enabled, disabled]
    default: enabled
  persistent:
    description:
      - Also write the setting into the network configuration under O(persistent_root), so that it survives
        a reboot. With O(state=disabled), remove the setting the module wrote there.
      - "systemd-networkd (248 or later): a drop-in C(90-labnet-promisc.conf) with C([Link] Promiscuous=yes) for the first
        C(.network) file that matches the interface, which must name this interface alone; when no file
        matches, a file C(90-labnet-promisc-NIC.network) of its own. C(Name=), C(MACAddress=) and C(Kind=) of
        C([Match]) are evaluated, other conditions are assumed to hold."
      - "NetworkManager (1.32 or later): C([ethernet] accept-all-mac-addresses=1) in every keyfile
        profile bound to the interface by C(interface-name) or C(mac-address); when none is, a profile
        C(labnet-promisc-NIC.nmconnection) of its own, without IP configuration."
      - "ifupdown: an C(up ip link set dev $IFACE promisc on) line in the interface's C(iface) stanza; when there
        is none, a stanza of its own in C(/etc/network/interfaces.d/labnet-promisc-NIC) if the interfaces file
        sources that directory, else at the end of C(/etc/network/interfaces)."
    type: bool
    default: false
  persistent_root:
    description:
      - The root directory of the system whose network configuration O(persistent) writes. The default V(/) is
        the managed host itself.
      - Set it to the root file system of another system, such as a container's, whose namespace O(netns)
        names, or to a scratch directory to see what would be written.
      - With O(netns) set, it must not be V(/), because the managed host's own configuration does not bring up
        interfaces in other namespaces.
    type: path
    default: /
  persistent_manager:
    description:
      - The network manager whose configuration O(persistent) writes.
      - V(auto) picks the one whose files configure the interface; when none does, the one enabled under
        O(persistent_root) (by its systemd unit, or for ifupdown by C(ifup) and C(/etc/network/interfaces)).
        The task fails, naming what it found, when that is not exactly one.
    type: str
    choices: [auto, networkd, networkmanager, ifupdown]
    default: auto
  show_secrets:
    description:
      - Show secrets in the diff of the configuration files that O(persistent) writes.
      - A NetworkManager keyfile can hold Wi-Fi keys, 802.1X and VPN passwords, PINs and WireGuard keys, and
        an ifupdown stanza wpa_supplicant's; by default their values are shown as C(********). The files
        themselves are written with their secrets as they were.
    type: bool
    default: false
notes:
  - Promiscuous mode set only through netlink is lost when the interface is deleted or the host reboots;
    use O(persistent=true) to keep it.
seealso:
  - name: ip-link(8)
    description: The C(promisc) setting of C(ip link set).
    link: https://man7.org/linux/man-pages/man8/ip-link.8.html
  - name: systemd.network(5)
    description: The C(Promiscuous=) setting of the C([Link]) section.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.network.html
  - name: NetworkManager 802-3-ethernet settings
    description: The C(accept-all-mac-addresses) property.
    link: https://networkmanager.dev/docs/api/latest/settings-802-3-ethernet.html
"""

EXAMPLES = r"""
- name: Let the macvlan parent accept frames for every container's MAC address
  labnet.docker.nic_promisc:
    name: eth1
    state: enabled
  register: parent

- name: Show the flag and the kernel's counter
  ansible.builtin.debug:
    msg: "promisc={{ parent.promisc }} promiscuity={{ parent.promiscuity }}"

- name: Keep it after a reboot, in whichever network manager configures eth1
  labnet.docker.nic_promisc:
    name: eth1
    persistent: true
  become: true

- name: Set it on a veth end inside a named namespace
  labnet.docker.nic_promisc:
    name: veth-lab
    netns: lab1

- name: Set it inside a container's namespace, given by path
  labnet.docker.nic_promisc:
    name: eth0
    netns: "/proc/{{ container_pid }}/ns/net"

- name: Take the NIC out of promiscuous mode, and out of the ifupdown configuration
  labnet.docker.nic_promisc:
    name: eth1
    state: disabled
    persistent: true
    persistent_manager: ifupdown
"""

RETURN = r"""
name:
  description: The interface's name.
  returned: success
  type: str
  sample: eth1
ifindex:
  description: The interface's index in its namespace.
  returned: success
  type: int
  sample: 3
promisc:
  description:
    - Whether the C(IFF_PROMISC) flag, the setting this module manages, is set after the task.
    - In check mode, what it would be.
  returned: success
  type: bool
  sample: true
promiscuity:
  description:
    - The kernel's promiscuity counter after the task. The flag counts as one; each packet socket that asked
      for promiscuous mode (C(tcpdump), for example) counts as one more. It can be above 0 while RV(promisc) is
      false.
    - In check mode, what it would be.
  returned: success
  type: int
  sample: 1
operstate:
  description: The interface's operational state.
  returned: success
  type: str
  sample: UP
netns:
  description: The namespace file the module worked in; null for the managed host's own namespace.
  returned: success
  type: str
  sample: /var/run/netns/lab1
persistent_manager:
  description: The network manager whose configuration was written.
  returned: when O(persistent=true)
  type: str
  sample: networkd
persistent_path:
  description:
    - The configuration file that holds the setting (with O(state=enabled)) or held it (with O(state=disabled)).
    - When several NetworkManager profiles are bound to the interface, the first; the diff shows each file.
  returned: when O(persistent=true)
  type: str
  sample: /etc/systemd/network/10-eth1.network.d/90-labnet-promisc.conf
persistent_changed:
  description: Whether configuration files were (or in check mode would be) written or removed.
  returned: when O(persistent=true)
  type: bool
  sample: true
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.nic_promisc import NicPromisc


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["enabled", "disabled"], default="enabled"),
            netns=dict(type="str"),
            persistent=dict(type="bool", default=False),
            persistent_root=dict(type="path", default="/"),
            persistent_manager=dict(type="str", choices=["auto", "networkd", "networkmanager", "ifupdown"],
                                    default="auto"),
            show_secrets=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**NicPromisc(module).run())


if __name__ == "__main__":
    main()
