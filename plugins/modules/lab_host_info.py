#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lab_host_info
short_description: Report what a lab host's Docker engine and kernel offer a Docker networking lab
version_added: 0.1.0
description:
  - Reads the Docker engine's version, API version, cgroup driver and version, and network drivers.
  - Reads the settings that the Engine API does not report (C(userland-proxy), C(iptables)) from the running
    C(dockerd) command line and its C(daemon.json).
  - Reads which iptables backend (nf_tables or legacy) the host's C(iptables) command drives, and the
    C(net.ipv4.ip_forward) setting.
  - Reads the firewall rules (IPv4 and IPv6, every backend, with the wait flag) and reports Docker's firewall
    layout as they show it (RV(firewall_layout)), that is the chains found, the ipsets matched, whether IPv6 is
    NATed, and the backend. That is what M(labnet.docker.port_forward_info) audits against, and it returns the same
    summary.
  - Never changes anything.
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
    description: The module only reads.
options: {}
"""

EXAMPLES = r"""
- name: Read the lab host's engine and firewall facts
  labnet.docker.lab_host_info:
  register: lab_host

- name: Refuse to run a NAT lab where Docker does not manage iptables
  ansible.builtin.assert:
    that:
      - lab_host.engine.iptables
    fail_msg: "dockerd runs with --iptables=false on {{ inventory_hostname }}"

- name: Ask a remote engine
  labnet.docker.lab_host_info:
    docker_host: tcp://192.0.2.10:2375
"""

RETURN = r"""
engine:
  description: The Docker engine's facts.
  returned: success
  type: dict
  contains:
    version:
      description: The engine's version.
      type: str
      sample: 20.10.24+dfsg1
    api_version:
      description: The Engine API version the engine speaks.
      type: str
      sample: "1.41"
    docker_host:
      description: The address the module talked to.
      type: str
      sample: unix:///var/run/docker.sock
    cgroup_driver:
      description: The engine's cgroup driver.
      type: str
      sample: cgroupfs
    cgroup_version:
      description: The cgroup version the engine sees.
      type: str
      sample: "1"
    network_drivers:
      description: The network drivers the engine offers.
      type: list
      elements: str
      sample: [bridge, host, ipvlan, macvlan, null, overlay]
    userland_proxy:
      description: Whether dockerd starts a C(docker-proxy) for each published port.
      type: bool
      sample: true
    iptables:
      description: Whether dockerd writes iptables rules.
      type: bool
      sample: true
    ip6tables:
      description:
        - Whether dockerd writes IPv6 NAT and filter rules, as set on its command line or in its C(daemon.json),
          else the engine's default (on from Docker 27, off before).
      type: bool
      sample: false
    settings_source:
      description: Where the two settings above were read.
      type: str
      sample: cmdline+daemon.json
firewall:
  description: The host's iptables command.
  returned: success
  type: dict
  contains:
    backend:
      description: The backend the C(iptables) command drives, V(nf_tables) or V(legacy); null without iptables.
      type: str
      sample: nf_tables
    version:
      description: The iptables version.
      type: str
      sample: 1.8.9
    path:
      description: The path of the iptables command.
      type: str
      sample: /usr/sbin/iptables
firewall_layout:
  description: Docker's firewall layout as the host's rules show it.
  returned: success
  type: dict
  contains:
    layout:
      description:
        - V(docker-chain) (Docker 20.10 to 27), V(ipset) (Docker 28.0.0, the ipset C(docker-ext-bridges-v4)),
          V(docker-forward) (Docker 28.0.1 and later, C(DOCKER-FORWARD)), V(nftables) (Docker's nftables
          backend), or null when no Docker rules were found.
      type: str
      sample: docker-chain
    engines:
      description: The engine releases that write this layout, or null.
      type: str
      sample: Docker 20.10 to 27
    chains:
      description: Every Docker chain found, in any table, backend and family.
      type: list
      elements: str
      sample: [DOCKER, DOCKER-ISOLATION-STAGE-1, DOCKER-ISOLATION-STAGE-2, DOCKER-USER]
    ipsets:
      description: The Docker ipsets that rules match (C(docker-ext-bridges-v4) on Docker 28.0.0).
      type: list
      elements: str
      sample: []
    ipv4_nat:
      description: Whether the IPv4 nat table holds Docker's chain or rules.
      type: bool
      sample: true
    ipv6_nat:
      description: Whether the IPv6 nat table holds Docker's chain or rules (dockerd with C(ip6tables) on).
      type: bool
      sample: false
    docker_user:
      description: Whether the C(DOCKER-USER) chain exists.
      type: bool
      sample: true
    backend:
      description: The first backend that holds Docker's rules, or null.
      type: str
      sample: iptables-nft
    backends:
      description: Every backend that holds Docker's rules; more than one means rules in two backends.
      type: list
      elements: str
      sample: [iptables-nft]
    problems:
      description: Reads of the rules that failed (without root, for one); the summary is partial when there are any.
      type: list
      elements: str
      sample: []
kernel:
  description: Kernel facts that matter to a Docker networking lab.
  returned: success
  type: dict
  contains:
    release:
      description: The kernel release.
      type: str
      sample: 6.1.0-18-amd64
    ip_forward:
      description: Whether C(net.ipv4.ip_forward) is on.
      type: bool
      sample: true
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    DOCKER_COMMON_ARGUMENT_SPEC,
    ENGINE_ERRORS,
    api_error_text,
    docker_client,
    resolve_docker_host,
)
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.engine_settings import engine_settings, ip6tables_enabled
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.firewall_backend import iptables_backend
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.firewall_layout import layout_of
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.nat_rules import read_rules


def read_sysctl(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


class LabHostInfo:
    """Reads the engine, firewall and kernel facts; changes nothing."""

    def __init__(self, module):
        self.module = module

    def engine_facts(self) -> dict:
        client = docker_client(self.module)
        try:
            version = client.version()
            info = client.info()
        except ENGINE_ERRORS as exc:  # timeouts and dropped connections too: a clean failure, never a traceback
            self.module.fail_json(msg="Could not read the Docker engine's version and info at %s: %s. Nothing was "
                                  "changed." % (resolve_docker_host(self.module.params["docker_host"]),
                                                api_error_text(exc)))
        settings = engine_settings()
        return dict(
            version=version.get("Version"),
            api_version=version.get("ApiVersion"),
            docker_host=resolve_docker_host(self.module.params["docker_host"]),
            cgroup_driver=info.get("CgroupDriver"),
            cgroup_version=str(info.get("CgroupVersion") or ""),
            network_drivers=sorted((info.get("Plugins") or {}).get("Network") or []),
            userland_proxy=bool(settings["userland-proxy"]),
            iptables=bool(settings["iptables"]),
            ip6tables=ip6tables_enabled(settings, version.get("Version")),
            settings_source=settings["source"],
        )

    def kernel_facts(self) -> dict:
        return dict(
            release=os.uname().release,
            ip_forward=read_sysctl("/proc/sys/net/ipv4/ip_forward") == "1",
        )

    def run(self) -> dict:
        return dict(
            changed=False,
            engine=self.engine_facts(),
            firewall=iptables_backend(self.module),
            firewall_layout=layout_of(read_rules(self.module)),
            kernel=self.kernel_facts(),
        )


def main():
    argument_spec = dict(DOCKER_COMMON_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    module.exit_json(**LabHostInfo(module).run())


if __name__ == "__main__":
    main()
