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
  - A network whose driver, parent, mode, addressing or labels differ from the task is removed and made again;
    every container that was attached to it is connected again with its IPv4 address and its aliases.
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
    type: bool
    default: false
notes:
  - A macvlan network keeps the host from talking to its own containers; add a host-side macvlan with
    M(labnet.docker.macvlan_shim) for that.
  - Containers are reconnected with the IPv4 address they had, which makes it their static address.
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
  description: The containers that were connected again after the network was made again.
  returned: always
  type: list
  elements: dict
  sample: [{name: web, ipv4_address: 192.168.50.130, aliases: [www]}]
differences:
  description: Why the existing network did not match the task; empty when it did or did not exist.
  returned: always
  type: list
  elements: str
  sample: ["mode is bridge, wanted vepa"]
"""

from typing import Any, NoReturn

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    DOCKER_COMMON_ARGUMENT_SPEC,
    DockerException,
    NotFound,
    api_error_text,
    docker_client,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.ipam_plan import (
    IpamError,
    address_fits_pool,
    build_pool,
    overlapping_networks,
    pool_differences,
    pools_from_inspect,
    pools_to_ipam_config,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import DEFAULT_MACVLAN_MODE, MACVLAN_MODES
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import (
    NetlinkError,
    make_iproute,
    netlink_error_text,
    require_pyroute2,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.vlan_parent import ParentError, resolve_parent

DRIVER = "macvlan"


def network_config(name: str | None, driver: str | None, parent: str | None, mode: str | None, pools: list[dict], labels: dict) -> dict:
    """The comparable settings of a network, as shown in results and diffs."""
    v4 = next((p for p in pools if ":" not in p["subnet"]), None)
    v6 = next((p for p in pools if ":" in p["subnet"]), None)
    return dict(
        name=name,
        driver=driver,
        parent=parent,
        mode=mode,
        subnet=v4["subnet"] if v4 else None,
        gateway=v4["gateway"] if v4 else None,
        ip_range=v4["ip_range"] if v4 else None,
        aux_addresses=dict(v4["aux_addresses"]) if v4 else {},
        subnet_v6=v6["subnet"] if v6 else None,
        gateway_v6=v6["gateway"] if v6 else None,
        labels=dict(labels or {}),
    )


def config_from_inspect(attrs: dict) -> dict:
    options = attrs.get("Options") or {}
    driver = attrs.get("Driver")
    return network_config(
        name=attrs.get("Name"),
        driver=driver,
        parent=options.get("parent"),
        mode=options.get("macvlan_mode", DEFAULT_MACVLAN_MODE) if driver == DRIVER else None,
        pools=pools_from_inspect(attrs.get("IPAM")),
        labels=attrs.get("Labels") or {},
    )


class MacvlanNetwork:
    """Reads the named network, compares it with the task, and creates, recreates or removes it."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.check_mode = module.check_mode
        self.client: Any = None  # the SDK's DockerClient, made when the task needs the engine
        self.actions: list[str] = []
        self.reconnected: list[dict] = []
        self.differences: list[str] = []

    # ---- input -------------------------------------------------------------------------------

    def fail(self, msg: str, **extra) -> NoReturn:
        self.module.fail_json(msg=msg, actions=self.actions, reconnected=self.reconnected, **extra)
        raise AssertionError("fail_json returned")

    def wanted_pools(self) -> list[dict]:
        """The task's IPAM pools, validated; fails the task on the first wrong value."""
        p = self.params
        try:
            pools = [build_pool(p["subnet"], p["gateway"], p["ip_range"], p["aux_addresses"])]
            if p["subnet_v6"]:
                pools.append(build_pool(p["subnet_v6"], p["gateway_v6"], None, None, suffix="_v6", version=6))
        except IpamError as exc:
            self.fail(str(exc))
        return pools

    def check_parent(self) -> dict:
        """The parent, checked with netlink on the managed host."""
        require_pyroute2(self.module)
        try:
            with make_iproute() as ipr:
                return resolve_parent(ipr, self.params["parent"])
        except ParentError as exc:
            self.fail(str(exc))
        except NetlinkError as exc:
            self.fail("Could not read the host's interfaces to check parent=%r: %s."
                      % (self.params["parent"], netlink_error_text(exc)))
        return {}  # not reached

    # ---- engine reads ------------------------------------------------------------------------

    def engine(self, what: str, call, *args, **kwargs):
        """Run an SDK call; fail the task naming ``what`` was attempted."""
        try:
            return call(*args, **kwargs)
        except DockerException as exc:
            self.fail("Could not %s: %s" % (what, api_error_text(exc)))
        return None  # not reached

    def find_network(self) -> dict | None:
        """The full inspect of the network with exactly this name, or ``None``."""
        for summary in self.engine("list the Docker networks", self.client.api.networks, names=[self.name]):
            if summary.get("Name") == self.name:
                try:
                    return self.client.api.inspect_network(summary["Id"])
                except NotFound:
                    return None
                except DockerException as exc:
                    self.fail("Could not inspect network %s: %s" % (self.name, api_error_text(exc)))
        return None

    def attachments(self, network: dict) -> list[dict]:
        """The containers attached to ``network``, running or stopped, with address and aliases.

        The engine matches running containers by network id and stopped ones by network name.
        """
        found = []
        listed = self.engine("list the containers of network %s" % self.name, self.client.api.containers,
                             all=True, filters={"network": [network["Id"], network["Name"]]})
        for summary in listed:
            try:
                attrs = self.client.api.inspect_container(summary["Id"])
            except NotFound:
                continue  # removed meanwhile
            except DockerException as exc:
                self.fail("Could not inspect container %s: %s" % (summary["Id"][:12], api_error_text(exc)))
            endpoint = ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).get(network["Name"])
            if endpoint is None or endpoint.get("NetworkID") not in (None, "", network["Id"]):
                continue
            ipam = endpoint.get("IPAMConfig") or {}
            address = ipam.get("IPv4Address") or endpoint.get("IPAddress") or None
            short_id = attrs["Id"][:12]
            aliases = [a for a in (endpoint.get("Aliases") or []) if a != short_id and not attrs["Id"].startswith(a)]
            found.append(dict(
                id=attrs["Id"],
                name=attrs.get("Name", "").lstrip("/"),
                ipv4_address=address,
                aliases=aliases,
            ))
        return sorted(found, key=lambda c: c["name"])

    def check_conflicts(self, parent: str, pools: list[dict], own_id: str | None) -> None:
        """Fail when another network uses the same parent or an overlapping subnet."""
        others = []
        for summary in self.engine("list the Docker networks", self.client.api.networks):
            if summary.get("Id") == own_id or summary.get("Name") == self.name:
                continue
            options = summary.get("Options") or {}
            if summary.get("Driver") in ("macvlan", "ipvlan") and options.get("parent") == parent:
                self.fail(
                    "parent=%r is already the parent of the %s network %r. A parent carries one macvlan "
                    "network: use another parent (for example a VLAN sub-interface %s.N), or remove network %r first."
                    % (parent, summary.get("Driver"), summary.get("Name"), parent, summary.get("Name"))
                )
            subnets = [c.get("Subnet") for c in ((summary.get("IPAM") or {}).get("Config") or []) if c.get("Subnet")]
            others.append((summary.get("Name"), subnets))
        for other_name, theirs, mine in overlapping_networks(pools, others):
            field = "subnet_v6" if ":" in mine else "subnet"
            self.fail(
                "%s=%r overlaps the subnet %s of the Docker network %r. Choose a subnet that does not overlap it, "
                "or remove network %r first." % (field, mine, theirs, other_name, other_name)
            )

    # ---- results ---------------------------------------------------------------------------

    def network_result(self, config: dict, network_id: str | None, containers: list[dict]) -> dict:
        result = dict(config)
        result["id"] = network_id
        result["containers"] = [
            dict(name=c["name"], id=c["id"], ipv4_address=c["ipv4_address"], aliases=c["aliases"]) for c in containers
        ]
        return result

    def finish(self, before: dict, after: dict, network: dict) -> dict:
        changed = before != after or bool(self.actions)
        result = dict(
            changed=changed,
            actions=self.actions,
            reconnected=self.reconnected,
            differences=self.differences,
            network=network,
        )
        if self.module._diff:
            result["diff"] = dict(before=before, after=after)
        return result

    # ---- state: present --------------------------------------------------------------------

    def differences_from(self, wanted: dict, pools: list[dict], current_attrs: dict) -> list[str]:
        current = config_from_inspect(current_attrs)
        found = []
        for key in ("driver", "parent", "mode"):
            if current[key] != wanted[key]:
                found.append("%s is %s, wanted %s" % (key, current[key], wanted[key]))
        found.extend(pool_differences(pools, pools_from_inspect(current_attrs.get("IPAM"))))
        if self.params["labels"] is not None and current["labels"] != wanted["labels"]:
            found.append("labels are %s, wanted %s" % (current["labels"], wanted["labels"]))
        return found

    def check_reconnectable(self, containers: list[dict], pools: list[dict]) -> None:
        """Fail, before any change, when an attached container could not keep its address."""
        v4_pool = pools[0]
        for container in containers:
            if not container["ipv4_address"]:
                continue
            reason = address_fits_pool(container["ipv4_address"], v4_pool)
            if reason:
                self.fail(
                    "Container %r is attached to network %s at %s and could not be reconnected after the change: "
                    "%s. Change the task so that %s stays usable, or disconnect the container first."
                    % (container["name"], self.name, container["ipv4_address"], reason, container["ipv4_address"])
                )

    def create(self, parent: str, mode: str, pools: list[dict], labels: dict, enable_ipv6: bool,
               previous: dict | None = None, containers: list[dict] | None = None) -> str | None:
        """Create the network; when it replaces ``previous`` and cannot be made, put ``previous`` back."""
        self.actions.append("create network %s" % self.name)
        if self.check_mode:
            return None
        try:
            created = self.client.api.create_network(
                self.name,
                driver=DRIVER,
                options={"parent": parent, "macvlan_mode": mode},
                ipam={"Driver": "default", "Config": pools_to_ipam_config(pools), "Options": {}},
                enable_ipv6=enable_ipv6,
                labels=labels,
                check_duplicate=True,
            )
        except DockerException as exc:
            msg = "Could not create the macvlan network %s on parent %s: %s." % (self.name, parent, api_error_text(exc))
            if previous is not None:
                msg += " " + self.restore(previous, containers or [])
            self.fail(msg)
        return created["Id"]

    def restore(self, previous: dict, containers: list[dict]) -> str:
        """Make the removed network ``previous`` again as it was and reconnect ``containers``; say how it went."""
        try:
            restored = self.client.api.create_network(
                previous["Name"],
                driver=previous.get("Driver"),
                options=previous.get("Options") or {},
                ipam=previous.get("IPAM"),
                enable_ipv6=bool(previous.get("EnableIPv6")),
                labels=previous.get("Labels") or {},
                check_duplicate=True,
            )
            for container in containers:
                self.client.api.connect_container_to_network(container["id"], restored["Id"],
                                                             ipv4_address=container["ipv4_address"],
                                                             aliases=container["aliases"] or None)
        except DockerException as exc:
            return ("Putting the previous network back failed too (%s): recreate it by hand and reconnect %s."
                    % (api_error_text(exc), ", ".join(c["name"] for c in containers) or "no containers"))
        self.actions.append("restore the previous network %s and its containers" % self.name)
        return "The previous network was put back as it was, with its containers; nothing else changed."

    def connect(self, network_id: str | None, container: dict) -> None:
        self.actions.append("connect container %s to %s at %s%s" % (
            container["name"], self.name, container["ipv4_address"] or "(an address from the pool)",
            " with aliases %s" % ", ".join(container["aliases"]) if container["aliases"] else ""))
        if not self.check_mode:
            try:
                self.client.api.connect_container_to_network(
                    container["id"], network_id,
                    ipv4_address=container["ipv4_address"],
                    aliases=container["aliases"] or None,
                )
            except DockerException as exc:
                self.fail(
                    "Network %s was made again, but container %r could not be reconnected at %s: %s. Connect it by "
                    "hand (docker network connect --ip %s %s %s) or fix the cause and run the task again."
                    % (self.name, container["name"], container["ipv4_address"], api_error_text(exc),
                       container["ipv4_address"], self.name, container["name"])
                )
        self.reconnected.append(dict(name=container["name"], ipv4_address=container["ipv4_address"],
                                     aliases=container["aliases"]))

    def disconnect(self, network: dict, container: dict) -> None:
        self.actions.append("disconnect container %s from %s" % (container["name"], self.name))
        if not self.check_mode:
            self.engine("disconnect container %s from network %s" % (container["name"], self.name),
                        self.client.api.disconnect_container_from_network, container["id"], network["Id"], force=True)

    def remove(self, network: dict, reason: str = "") -> None:
        self.actions.append("remove network %s%s" % (self.name, " (%s)" % reason if reason else ""))
        if not self.check_mode:
            self.engine("remove network %s" % self.name, self.client.api.remove_network, network["Id"])

    def present(self) -> dict:
        p = self.params
        pools = self.wanted_pools()
        parent = self.check_parent()
        labels = {str(k): str(v) for k, v in (p["labels"] or {}).items()}
        wanted = network_config(self.name, DRIVER, parent["name"], p["mode"], pools, labels)
        self.client = docker_client(self.module)
        current = self.find_network()
        self.check_conflicts(parent["name"], pools, current["Id"] if current else None)

        if current is None:
            network_id = self.create(parent["name"], p["mode"], pools, labels, bool(p["subnet_v6"]))
            return self.finish({}, wanted, self.read_back(self.network_result(wanted, network_id, [])))

        containers = self.attachments(current)
        before = config_from_inspect(current)
        self.differences = self.differences_from(wanted, pools, current)
        if not self.differences:
            return self.finish(before, before, self.network_result(before, current["Id"], containers))
        if p["labels"] is None:
            wanted["labels"] = before["labels"]  # not managed: carried over to the new network

        self.check_reconnectable(containers, pools)
        for container in containers:
            self.disconnect(current, container)
        self.remove(current, "; ".join(self.differences))
        network_id = self.create(parent["name"], p["mode"], pools, wanted["labels"], bool(p["subnet_v6"]),
                                 previous=current, containers=containers)
        for container in containers:
            self.connect(network_id, container)
        return self.finish(before, wanted, self.read_back(self.network_result(wanted, network_id, containers)))

    def read_back(self, predicted: dict) -> dict:
        """The network as the engine reports it after a change; ``predicted`` in check mode."""
        if self.check_mode:
            return predicted
        network = self.find_network()
        if network is None:
            self.fail("Network %s was made but the engine does not list it." % self.name)
        return self.network_result(config_from_inspect(network), network["Id"], self.attachments(network))

    # ---- state: absent ---------------------------------------------------------------------

    def absent(self) -> dict:
        self.client = docker_client(self.module)
        current = self.find_network()
        if current is None:
            return self.finish({}, {}, {})
        before = config_from_inspect(current)
        containers = self.attachments(current)
        if containers and not self.params["force"]:
            self.fail(
                "Network %s has containers attached: %s. Stop using it first, or set force=true to disconnect "
                "them and remove the network." % (self.name, ", ".join(c["name"] for c in containers))
            )
        for container in containers:
            self.disconnect(current, container)
        self.remove(current)
        return self.finish(before, {}, {})

    def run(self) -> dict:
        if self.params["state"] == "present":
            return self.present()
        return self.absent()


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
