#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: linked_containers
short_description: Converge a set of linked containers, in link order and in parallel
version_added: 0.1.0
description:
  - Manages a set of containers as one unit - the web server, the client linked to it by alias, the
    containers at fixed addresses on a macvlan network - the way a lab is written down.
  - Validates the whole set before the first change. Every problem is reported at once, each naming
    the container, the field and the value. A refused task changes nothing.
  - Converges the containers in link order, in waves. The containers of one wave do not link to each other
    and are created and started side by side, at most O(parallel) engine operations at a time.
  - A container is recreated when any compared setting differs (image id, command, environment, host name,
    networks with their addresses and aliases, links, published ports, restart policy, labels, O(containers[].etc_hosts)).
    Lists whose order means nothing are compared as sets; V(80) and V(80/tcp) are one port, and a range is its ports.
  - When a link target is created or recreated, every container of the set that links to it is recreated too,
    so that its C(/etc/hosts) points to the target's new address. A container records the ids of its link
    targets in the label C(labnet.docker.link_targets), so a target recreated outside this module is noticed too.
  - If a container fails to be created or started (a host port already taken, a command that does not exist),
    the module removes what this run created for it, finishes the containers already under way, starts no
    further wave, and fails with the engine's message and the fix. The result lists which containers converged.
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._docker
attributes:
  check_mode:
    support: full
    description: Validates, plans and reports C(changed), C(actions) and the diff; creates, pulls and starts nothing.
  diff_mode:
    support: full
    description: Shows the compared settings of each container that changes, before and after.
  idempotent:
    support: full
    description: A second run of the same task reports no change.
options:
  containers:
    description:
      - The containers of the set. Their order does not matter; links decide the order of work.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The container's name, unique in the set. Two or more of C(a-z A-Z 0-9 _ . -), starting with a letter or digit.
        type: str
        required: true
      image:
        description:
          - The image, as V(repository[:tag]) or an image id. Compared by image id, so a re-tagged image recreates the container.
          - Required unless O(containers[].state=absent).
        type: str
      command:
        description:
          - The command, as a string (split like a shell would, without running one) or as a list.
          - When not set, the image's own command is used, and a container made with another command is recreated.
        type: raw
      env:
        description:
          - Environment variables. Values are strings; numbers are turned into strings, booleans are refused (quote them).
          - Compared together with the image's own environment.
        type: dict
        default: {}
      hostname:
        description:
          - The container's host name. When not set, the engine's default (the short container id) is used.
        type: str
      networks:
        description:
          - The networks to attach, in order; the first is the one the container is created on.
          - When not set, the container is attached to the default bridge V(bridge) only.
          - Every network must exist. The networks V(host) and V(none) are not supported.
        type: list
        elements: dict
        suboptions:
          name:
            description:
              - The network's name.
            type: str
            required: true
          ipv4_address:
            description:
              - A static IPv4 address. It must lie inside one of the network's subnets and not be its gateway.
              - Only on user-defined networks created with a subnet; the default bridge assigns addresses itself.
            type: str
          aliases:
            description:
              - Network-scoped aliases (extra DNS names on this network). Only on user-defined networks.
            type: list
            elements: str
            default: []
      links:
        description:
          - Links to other containers, as V(target) or V(target:alias); the alias defaults to the target's name.
          - The target is a container of the set (then it is converged first) or a container that already runs.
          - On the default bridge a link is a legacy link (C(--link)); the engine writes the alias and the target's
            address into this container's C(/etc/hosts).
          - On a user-defined network (bridge, macvlan, ...) the same link is made as a network-scoped link of the
            endpoint; the engine's DNS server (127.0.0.11) resolves the alias for this container only, and
            C(/etc/hosts) is not written.
          - A link is made on every network the two containers share; a target that shares no network is refused.
        type: list
        elements: str
        default: []
      published_ports:
        description:
          - Ports to publish, as V([host_ip:][host_port:]container_port[/protocol]) with protocol V(tcp) (the
            default), V(udp) or V(sctp), such as V(8080:80), V(127.0.0.1:8080:80/tcp), V([::1]:8080:80) or
            V(8000-8009:80-89). A missing host port lets the engine choose one.
          - Ports are 1-65535; the same host port may not be published twice in the set.
        type: list
        elements: str
        default: []
      restart_policy:
        description:
          - The engine's restart policy.
        type: str
        choices: ["no", always, on-failure, unless-stopped]
        default: "no"
      labels:
        description:
          - Labels of this container, added to (and overriding) the task's O(labels).
        type: dict
        default: {}
      etc_hosts:
        description:
          - Extra C(/etc/hosts) entries, a dict of host name to IPv4 address, such as the name of a linked
            container that runs on another lab host.
        type: dict
        default: {}
      state:
        description:
          - V(started) - the container exists and runs.
          - V(stopped) - the container exists and does not run.
          - V(absent) - the container does not exist. A container of the set may not link to an absent one.
        type: str
        choices: [started, stopped, absent]
        default: started
      pull:
        description:
          - V(missing) - pull the image when the engine does not have it.
          - V(never) - never pull; an image the engine does not have is refused before any change.
          - V(always) - pull before converging (not in check mode), and recreate if the image id changed.
        type: str
        choices: [missing, never, always]
        default: missing
  labels:
    description:
      - Labels applied to every container of the set, such as V(labnet.lab=NAME).
    type: dict
    default: {}
  parallel:
    description:
      - The most engine operations (pulls, creations, starts, removals) at once.
    type: int
    default: 4
notes:
  - Removal of an existing container that needs recreating happens just before its replacement is created. If the
    replacement fails, the old container is gone; the result says so and the next run creates it.
  - RV(containers.hosts_entries) in the result is read from the container's hosts file on the engine host when the
    module runs there, else with C(cat /etc/hosts) inside the running container.
seealso:
  - name: Docker legacy container links
    description: How C(--link) works on the default bridge.
    link: https://docs.docker.com/engine/network/links/
"""

EXAMPLES = r"""
- name: The tutorial's web server and a client that reaches it by alias
  labnet.docker.linked_containers:
    labels:
      labnet.lab: tutorial
    containers:
      - name: web
        image: labnet/box:latest
        command: /bin/labnet-web
        published_ports:
          - 127.0.0.1:8080:80
      - name: client
        image: labnet/box:latest
        command: [sleep, infinity]
        links:
          - web:webserver
  register: lab

- name: Show the client's /etc/hosts line for the alias
  ansible.builtin.debug:
    var: lab.containers.client.hosts_entries

- name: Two containers at fixed addresses on a macvlan network, with a name for a server on another host
  labnet.docker.linked_containers:
    parallel: 2
    containers:
      - name: lab-a
        image: labnet/box:latest
        command: sleep infinity
        networks:
          - name: lab-macvlan
            ipv4_address: 192.168.50.10
        etc_hosts:
          db: 192.168.50.99
      - name: lab-b
        image: labnet/box:latest
        command: sleep infinity
        networks:
          - name: lab-macvlan
            ipv4_address: 192.168.50.11
            aliases: [b]
        links:
          - lab-a:peer

- name: Remove the client, keep the web server but stop it
  labnet.docker.linked_containers:
    containers:
      - name: client
        state: absent
      - name: web
        image: labnet/box:latest
        command: /bin/labnet-web
        state: stopped
"""

RETURN = r"""
containers:
  description:
    - Each container of the set, keyed by its name, as it is after the run (in check mode, as it is now).
    - Each value has the keys below.
  returned: always
  type: dict
  contains:
    id:
      description: The container id; null when the container does not exist.
      type: str
      sample: 4f1c0a6a9e1b8f...
    status:
      description: The engine's status (V(running), V(created), V(exited), ...), or V(absent).
      type: str
      sample: running
    action:
      description: What the run did (in check mode, would do) - V(create), V(recreate), V(start), V(stop), V(remove) or V(none).
      type: str
      sample: recreate
    changed:
      description: Whether the run changed (in check mode, would change) this container.
      type: bool
      sample: true
    networks:
      description: The networks the container is attached to, by name.
      type: dict
      sample:
        bridge:
          ipv4_address: 172.17.0.3
          mac_address: "02:42:ac:11:00:03"
          aliases: []
          links: [web:webserver]
    links:
      description: The container's links, as V(target:alias), on all its networks.
      type: list
      elements: str
      sample: [web:webserver]
    hosts_entries:
      description: The lines of the container's C(/etc/hosts) for its links and its O(containers[].etc_hosts).
      type: list
      elements: str
      sample: ["172.17.0.2\twebserver 4f1c0a6a9e1b web"]
    ports:
      description: The published ports as the engine bound them.
      type: list
      elements: dict
      sample:
        - container_port: 80
          protocol: tcp
          host_ip: 127.0.0.1
          host_port: 8080
actions:
  description: What the run did (in check mode, would do), in order, one line each.
  returned: always
  type: list
  elements: str
  sample: ["recreate web (changed: env)", "recreate client (link target web is recreated)"]
converged:
  description: The containers that reached their wanted state. On failure, the ones that did before it.
  returned: always
  type: list
  elements: str
  sample: [web, client]
"""

import ipaddress
import os
import shlex
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker.container_spec import (
    DEFAULT_BRIDGE,
    LINK_TARGETS_LABEL,
    current_spec,
    link_targets_label,
    spec_differences,
    wanted_spec,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    DOCKER_COMMON_ARGUMENT_SPEC,
    DockerException,
    NotFound,
    api_error_text,
    docker_client,
    resolve_docker_host,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.link_order import (
    NAME_PATTERN,
    NAME_RULE,
    LinkCycleError,
    LinkSpecError,
    link_waves,
    parse_link,
    place_links,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import (
    PortSpecError,
    binding_text,
    bindings_from_engine,
    engine_port_bindings,
    host_port_collisions,
    parse_published_port,
)

UNSUPPORTED_NETWORKS = ("host", "none")
CREATING_ACTIONS = ("create", "recreate")
ACTION_DOING = dict(remove="removing", start="starting", stop="stopping", create="creating", recreate="recreating", none="checking")
STOP_TIMEOUT = 10


class SetRefused(Exception):
    """The set cannot be converged as asked; ``problems`` lists every reason."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = problems


class ContainerFailed(Exception):
    """One container could not be converged; the message has the engine's words and the fix."""


def where(index: int, name) -> str:
    return "containers[%d] (%s)" % (index, name)


# Normalising and checking the options, without the engine ----------------------------------------------------


def normalise_command(value, place: str, problems: list):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            problems.append("%s: command %r cannot be split into words (%s); give it as a list" % (place, value, exc))
            return None
    if isinstance(value, list) and value:
        return [str(word) for word in value]
    problems.append("%s: command %r is neither a string nor a non-empty list" % (place, value))
    return None


def normalise_string_dict(value: dict, field: str, place: str, problems: list) -> dict:
    result = {}
    for key, item in (value or {}).items():
        if isinstance(item, bool):
            problems.append("%s: %s.%s is the boolean %s; quote it (\"%s\") if a string is meant" % (place, field, key, item, str(item).lower()))
        elif item is None:
            result[str(key)] = ""
        else:
            result[str(key)] = str(item)
    return result


def normalise_networks(value, place: str, problems: list) -> list:
    if not value:
        return [{"name": DEFAULT_BRIDGE, "ipv4_address": None, "aliases": []}]
    seen = set()
    networks = []
    for net in value:
        name = net["name"]
        if name in seen:
            problems.append("%s: networks lists %r twice; give each network once" % (place, name))
        seen.add(name)
        if name in UNSUPPORTED_NETWORKS:
            problems.append("%s: networks: %r is not supported; use the default bridge or a user-defined network" % (place, name))
        address = net.get("ipv4_address")
        if address:
            try:
                address = str(ipaddress.IPv4Address(address))
            except ValueError:
                problems.append("%s: networks[%s].ipv4_address %r is not an IPv4 address" % (place, name, address))
        aliases = [str(alias) for alias in net.get("aliases") or []]
        if name == DEFAULT_BRIDGE and address:
            problems.append(
                "%s: networks[bridge].ipv4_address %s: the default bridge assigns addresses itself; "
                "use a user-defined network for a static address" % (place, address)
            )
        if name == DEFAULT_BRIDGE and aliases:
            problems.append(
                "%s: networks[bridge].aliases %s: the default bridge has no network-scoped aliases; "
                "use links (target:alias) or a user-defined network" % (place, aliases)
            )
        networks.append({"name": name, "ipv4_address": address or None, "aliases": aliases})
    return networks


def normalise_etc_hosts(value: dict, place: str, problems: list) -> dict:
    result = {}
    for host, address in (value or {}).items():
        host = str(host)
        if not host or any(c.isspace() or c == ":" for c in host):
            problems.append("%s: etc_hosts: %r is not a host name" % (place, host))
            continue
        try:
            result[host] = str(ipaddress.IPv4Address(str(address)))
        except ValueError:
            problems.append("%s: etc_hosts.%s %r is not an IPv4 address" % (place, host, address))
    return result


def normalise_container(index: int, raw: dict, task_labels: dict, problems: list) -> dict:
    """One container's options in plain, checked form; problems are appended, not raised."""
    name = raw["name"]
    place = where(index, name)
    if not NAME_PATTERN.match(name or ""):
        problems.append("%s: name %r is not a container name (%s)" % (place, name, NAME_RULE))
    if raw["state"] != "absent" and not raw.get("image"):
        problems.append("%s: image is required unless state is absent" % place)
    links = []
    for spec in raw.get("links") or []:
        try:
            links.append(parse_link(spec))
        except LinkSpecError as exc:
            problems.append("%s: links: %s" % (place, exc))
    bindings = []
    for spec in raw.get("published_ports") or []:
        try:
            bindings.extend(parse_published_port(spec))
        except PortSpecError as exc:
            problems.append("%s: published_ports: %s" % (place, exc))
    labels = dict(task_labels)
    labels.update(normalise_string_dict(raw.get("labels"), "labels", place, problems))
    return dict(
        index=index,
        name=name,
        place=place,
        image=raw.get("image"),
        command=normalise_command(raw.get("command"), place, problems),
        env=normalise_string_dict(raw.get("env"), "env", place, problems),
        hostname=raw.get("hostname") or None,
        networks=normalise_networks(raw.get("networks"), place, problems),
        links=links,
        published_ports=bindings,
        restart_policy=raw["restart_policy"],
        labels=labels,
        etc_hosts=normalise_etc_hosts(raw.get("etc_hosts"), place, problems),
        state=raw["state"],
        pull=raw["pull"],
    )


def check_set(containers: list, problems: list) -> None:
    """Checks across the set that need no engine: duplicate names and ports, links to absent members, cycles."""
    by_name = {}
    for container in containers:
        if container["name"] in by_name:
            problems.append(
                "%s: name %r is also containers[%d]; give every container its own name"
                % (container["place"], container["name"], by_name[container["name"]]["index"])
            )
        by_name.setdefault(container["name"], container)
    present = [c for c in containers if c["state"] != "absent"]
    owners = {c["name"]: c["published_ports"] for c in present}
    for owner, binding, other_owner, other in host_port_collisions(owners):
        problems.append(
            "%s: published_ports: host port %s/%s (%s) is also published by %s (%s); give each a different host port"
            % (by_name[owner]["place"], binding.host_port, binding.protocol, binding_text(binding),
               by_name[other_owner]["place"] if other_owner != owner else "the same container", binding_text(other))
        )
    for container in present:
        for target, _alias in container["links"]:
            member = by_name.get(target)
            if member is None:
                continue
            if member["state"] == "absent":
                problems.append(
                    "%s: links: target %r is in the set with state absent; keep it or drop the link" % (container["place"], target)
                )
            elif member["state"] == "stopped" and container["state"] == "started":
                problems.append(
                    "%s: links: target %r has state stopped, and the engine starts no container linked to a stopped one; "
                    "start the target or stop this container" % (container["place"], target)
                )
    try:
        link_waves(dependencies(present))
    except LinkCycleError as exc:
        problems.append("containers: links: %s; links must point one way, so drop one of these links" % exc)


def dependencies(present: list) -> dict:
    return {c["name"]: [target for target, _alias in c["links"]] for c in present}


# The manager ---------------------------------------------------------------------------------------------------


class LinkedContainers:
    """Validates the set, plans the work per container, and converges it wave by wave."""

    def __init__(self, module):
        self.module = module
        self.check_mode = module.check_mode
        self.parallel = module.params["parallel"]
        self.client = None
        self.containers = []  # normalised, in input order
        self.by_name = {}
        self.images = {}  # image ref -> inspect data, or None when missing
        self.network_info = {}  # name -> inspect data
        self.outside_targets = {}  # link targets not in the set -> inspect data
        self.current = {}  # name -> inspect data, or None
        self.plan = {}  # name -> dict(action, reasons, before, after)
        self.ids = {}  # name -> container id after the run (or now)
        self.pulls = []  # image refs this run pulls (in check mode, would pull)
        self.acting = False  # planning reads planned ids of link targets, acting the real ones
        self.actions = []
        self.converged = []

    # -- validation -----------------------------------------------------------------------------------------

    def normalise(self) -> None:
        problems: list = []
        params = self.module.params
        if params["parallel"] < 1:
            problems.append("parallel: %d is less than 1; give 1 or more" % params["parallel"])
        task_labels = normalise_string_dict(params["labels"], "labels", "task", problems)
        self.containers = [
            normalise_container(index, raw, task_labels, problems) for index, raw in enumerate(params["containers"])
        ]
        if not self.containers:
            problems.append("containers: the list is empty; give at least one container")
        check_set(self.containers, problems)
        if problems:
            raise SetRefused(problems)
        self.by_name = {c["name"]: c for c in self.containers}

    def present(self) -> list:
        return [c for c in self.containers if c["state"] != "absent"]

    def inspect_or_none(self, kind: str, key: str):
        method = getattr(self.client.api, "inspect_" + kind)
        try:
            return method(key)
        except NotFound:
            return None

    def check_with_engine(self) -> None:
        """The checks that read the engine: networks, addresses, outside link targets, images."""
        problems: list = []
        for container in self.present():
            for net in container["networks"]:
                info = self.network(net["name"], container, problems)
                if info:
                    net["name"] = info.get("Name") or net["name"]  # a network given by id: compare by name
                if info and net["ipv4_address"]:
                    self.check_address(container, net, info, problems)
        self.check_duplicate_addresses(problems)
        for container in self.present():
            self.check_outside_targets(container, problems)
        for container in self.present():
            self.check_links_share_a_network(container, problems)
        for container in self.present():
            ref = container["image"]
            if ref not in self.images:
                self.images[ref] = self.inspect_or_none("image", ref)
            if self.images[ref] is None and container["pull"] == "never":
                problems.append(
                    "%s: image %r is not on the engine and pull is never; load or build it there first "
                    "(docker load, docker build), or set pull: missing" % (container["place"], ref)
                )
        if problems:
            raise SetRefused(problems)

    def network(self, name: str, container: dict, problems: list):
        if name not in self.network_info:
            self.network_info[name] = self.inspect_or_none("network", name)
            if self.network_info[name] is None:
                problems.append(
                    "%s: networks: network %r does not exist on the engine; create it first "
                    "(docker network create, or the collection's network modules)" % (container["place"], name)
                )
        return self.network_info[name]

    @staticmethod
    def check_address(container: dict, net: dict, info: dict, problems: list) -> None:
        address = ipaddress.IPv4Address(net["ipv4_address"])
        subnets = []
        for pool in (info.get("IPAM") or {}).get("Config") or []:
            try:
                subnet = ipaddress.ip_network(pool.get("Subnet") or "", strict=False)
            except ValueError:
                continue
            if subnet.version != 4:
                continue
            subnets.append(str(subnet))
            if address in subnet:
                if pool.get("Gateway") and pool["Gateway"].split("/")[0] == str(address):
                    problems.append(
                        "%s: networks[%s].ipv4_address %s is the network's gateway; choose another address in %s"
                        % (container["place"], net["name"], address, subnet)
                    )
                return
        problems.append(
            "%s: networks[%s].ipv4_address %s is outside the network's subnets (%s); choose an address inside"
            % (container["place"], net["name"], address, ", ".join(subnets) or "none")
        )

    def check_duplicate_addresses(self, problems: list) -> None:
        taken = {}
        for container in self.present():
            for net in container["networks"]:
                key = (net["name"], net["ipv4_address"])
                if not net["ipv4_address"]:
                    continue
                if key in taken:
                    problems.append(
                        "%s: networks[%s].ipv4_address %s is also given to %s; give each container its own address"
                        % (container["place"], net["name"], net["ipv4_address"], taken[key])
                    )
                taken.setdefault(key, container["place"])

    def check_outside_targets(self, container: dict, problems: list) -> None:
        for target, _alias in container["links"]:
            if target in self.by_name or target in self.outside_targets:
                continue
            info = self.inspect_or_none("container", target)
            if info is None:
                problems.append(
                    "%s: links: target %r is neither a container of the set nor a container on the engine; "
                    "add it to containers or start it first" % (container["place"], target)
                )
            elif not (info.get("State") or {}).get("Running"):
                problems.append(
                    "%s: links: target %r exists but is not running (%s); start it or add it to containers"
                    % (container["place"], target, (info.get("State") or {}).get("Status"))
                )
            else:
                self.outside_targets[target] = info

    def target_networks(self, target: str) -> list:
        if target in self.by_name:
            return [net["name"] for net in self.by_name[target]["networks"]]
        info = self.outside_targets.get(target) or {}
        return list(((info.get("NetworkSettings") or {}).get("Networks") or {}).keys())

    def links_by_network(self, container: dict) -> tuple[dict, list]:
        targets = {target: self.target_networks(target) for target, _alias in container["links"]}
        return place_links(container["links"], [net["name"] for net in container["networks"]], targets)

    def check_links_share_a_network(self, container: dict, problems: list) -> None:
        _placed, unplaced = self.links_by_network(container)
        for target in unplaced:
            if target in self.by_name or target in self.outside_targets:
                problems.append(
                    "%s: links: target %r shares no network with this container (it is on %s); "
                    "attach both to one network" % (container["place"], target, ", ".join(self.target_networks(target)) or "none")
                )

    # -- planning -------------------------------------------------------------------------------------------

    def waves(self) -> list:
        return link_waves(dependencies(self.present()))

    def target_ids(self, container: dict) -> dict:
        """The id of each link target: the one it has, or ``(new)`` while planning one that is to be made."""
        ids = {}
        for target, _alias in container["links"]:
            if target not in self.by_name:
                ids[target] = self.outside_targets[target]["Id"]
            elif not self.acting and self.plan.get(target, {}).get("action") in CREATING_ACTIONS:
                ids[target] = "(new)"
            else:
                ids[target] = self.ids.get(target) or "(new)"
        return ids

    def wanted(self, container: dict) -> dict:
        image = self.images.get(container["image"]) or {"Id": None, "Config": {}}
        placed, _unplaced = self.links_by_network(container)
        return wanted_spec(container, image, placed, self.target_ids(container))

    def plan_container(self, container: dict) -> None:
        name = container["name"]
        current = self.current.get(name)
        before = current_spec(current) if current else None
        if current:
            self.ids[name] = current["Id"]
        if container["state"] == "absent":
            self.plan[name] = dict(action="remove" if current else "none", reasons=[], before=before, after=None)
            return
        after = self.wanted(container)
        reasons = []
        if current is None:
            action = "create"
        else:
            remade = ["%s is %sd" % (t, self.plan[t]["action"]) for t, _a in container["links"]
                      if self.plan.get(t, {}).get("action") in CREATING_ACTIONS]
            differences = spec_differences(after, before)
            own = [field for field in differences if field != "labels" or not self.only_link_label_differs(after, before)]
            if remade:
                reasons.append("link target %s" % ", ".join(remade))
            elif len(own) < len(differences):
                reasons.append("a link target was recreated since this container was made")
            if own:
                reasons.append("changed: %s" % ", ".join(own))
            running = bool((current.get("State") or {}).get("Running"))
            if reasons:
                action = "recreate"
            elif container["state"] == "started" and not running:
                action = "start"
            elif container["state"] == "stopped" and running:
                action = "stop"
            else:
                action = "none"
        if self.images.get(container["image"]) is None and action in CREATING_ACTIONS:
            reasons.append("image %s is pulled first" % container["image"])
        self.plan[name] = dict(action=action, reasons=reasons, before=before, after=after)

    @staticmethod
    def only_link_label_differs(after: dict, before: dict) -> bool:
        left = {k: v for k, v in after["labels"].items() if k != LINK_TARGETS_LABEL}
        right = {k: v for k, v in before["labels"].items() if k != LINK_TARGETS_LABEL}
        return left == right

    def make_plan(self) -> None:
        for container in self.containers:
            self.current[container["name"]] = self.inspect_or_none("container", container["name"])
        for container in self.containers:
            if container["state"] == "absent":
                self.plan_container(container)
        for wave in self.waves():
            for name in wave:
                self.plan_container(self.by_name[name])

    def action_line(self, name: str) -> str:
        step = self.plan[name]
        line = "%s %s" % (step["action"], name)
        if step["reasons"]:
            line += " (%s)" % "; ".join(step["reasons"])
        return line

    # -- acting ---------------------------------------------------------------------------------------------

    def run_parallel(self, function, items: list) -> list:
        """``function(item)`` for each item, at most ``parallel`` at once; returns (item, error) pairs."""
        if not items:
            return []

        def guarded(item):
            try:
                function(item)
                return item, None
            except ContainerFailed as exc:
                return item, str(exc)
            except DockerException as exc:
                return item, api_error_text(exc)
            except Exception as exc:  # requests' timeouts and connection errors are not DockerException
                return item, "%s: %s" % (type(exc).__name__, exc)

        with ThreadPoolExecutor(max_workers=min(self.parallel, len(items))) as pool:
            return list(pool.map(guarded, items))

    def pull_images(self) -> None:
        """Pull before the first container change, so that a failed pull leaves the set as it was.

        ``self.pulls`` lists the images that changed: the missing ones (in check mode, those that
        would be pulled) and, with pull always, those whose id the pull changed.
        """
        wanted = []
        for container in self.present():
            ref = container["image"]
            if ref in wanted:
                continue
            if container["pull"] == "always" or (container["pull"] == "missing" and self.images.get(ref) is None):
                wanted.append(ref)
        if self.check_mode:
            self.pulls = [ref for ref in wanted if self.images.get(ref) is None]
            return

        def pull(ref):
            before = (self.images.get(ref) or {}).get("Id")
            repository, tag = split_image_ref(ref)
            self.client.api.pull(repository, tag=tag)
            self.images[ref] = self.client.api.inspect_image(ref)
            if self.images[ref].get("Id") != before:
                self.pulls.append(ref)

        failures = [(ref, error) for ref, error in self.run_parallel(pull, wanted) if error]
        if failures:
            raise SetRefused(
                ["image %r could not be pulled: %s; make the image available to the engine (docker load, a registry "
                 "mirror) or set pull: never for a local image" % (ref, error) for ref, error in failures]
            )

    def remove(self, name: str) -> None:
        try:
            self.client.api.remove_container(name, force=True)
        except NotFound:
            pass

    def create(self, container: dict) -> str:
        api = self.client.api
        placed, _unplaced = self.links_by_network(container)
        first, *others = container["networks"]
        labels = dict(container["labels"])
        if container["links"]:
            labels[LINK_TARGETS_LABEL] = link_targets_label(self.target_ids(container))
        host_config = api.create_host_config(
            network_mode=first["name"],
            port_bindings=engine_port_bindings(container["published_ports"]) or None,
            links=link_pairs(placed.get(DEFAULT_BRIDGE)),
            restart_policy={"Name": container["restart_policy"]},
            extra_hosts=container["etc_hosts"] or None,
        )
        networking_config = None
        if first["name"] != DEFAULT_BRIDGE:
            networking_config = api.create_networking_config({first["name"]: self.endpoint_config(first, placed)})
        created = api.create_container(
            container["image"],
            command=container["command"],
            name=container["name"],
            hostname=container["hostname"],
            environment=["%s=%s" % item for item in sorted(container["env"].items())],
            labels=labels,
            ports=sorted({(b.container_port, b.protocol) for b in container["published_ports"]}) or None,
            host_config=host_config,
            networking_config=networking_config,
        )
        container_id = created["Id"]
        try:
            for net in others:
                endpoint = {} if net["name"] == DEFAULT_BRIDGE else self.endpoint_args(net, placed)
                api.connect_container_to_network(container_id, net["name"], **endpoint)
        except DockerException:
            self.remove(container_id)
            raise
        return container_id

    @staticmethod
    def endpoint_args(net: dict, placed: dict) -> dict:
        return dict(
            ipv4_address=net["ipv4_address"],
            aliases=net["aliases"] or None,
            links=link_pairs(placed.get(net["name"])),
        )

    def endpoint_config(self, net: dict, placed: dict):
        return self.client.api.create_endpoint_config(**self.endpoint_args(net, placed))

    def converge(self, name: str) -> None:
        """Bring one container to its planned state; any engine error becomes :class:`ContainerFailed`."""
        action = self.plan[name]["action"]
        try:
            self.converge_step(name, action)
        except DockerException as exc:
            raise ContainerFailed(failure_text(name, ACTION_DOING[action], api_error_text(exc), removed=False)) from exc

    def converge_step(self, name: str, action: str) -> None:
        container = self.by_name[name]
        api = self.client.api
        if action == "remove":
            self.remove(name)
            self.ids.pop(name, None)
            return
        if action == "start":
            self.start(name, name, created=False)
        elif action == "stop":
            api.stop(name, timeout=STOP_TIMEOUT)
        elif action in CREATING_ACTIONS:
            if action == "recreate":
                self.remove(name)
                self.ids.pop(name, None)
            container_id = self.create(container)
            self.ids[name] = container_id
            if container["state"] == "started":
                self.start(name, container_id, created=True)

    def start(self, name: str, container_id: str, created: bool) -> None:
        try:
            self.client.api.start(container_id)
        except DockerException as exc:
            if created:
                self.remove(container_id)
                self.ids.pop(name, None)
            raise ContainerFailed(failure_text(name, "starting", api_error_text(exc), removed=created)) from exc

    def execution_order(self) -> list:
        """The waves of work: first the removals, then the rest in link order."""
        removals = [c["name"] for c in self.containers if self.plan[c["name"]]["action"] == "remove"]
        return [removals] + self.waves()

    def execute(self) -> list:
        """Converge wave by wave; returns the failure messages (empty when all converged)."""
        for wave in self.execution_order():
            failures = []
            for name, error in self.run_parallel(self.converge, wave):
                if error:
                    failures.append(error)
                else:
                    self.converged.append(name)
                if self.plan[name]["action"] != "none":
                    self.actions.append(self.action_line(name) + (" - failed" if error else ""))
            if failures:
                return failures
        return []

    # -- reporting ------------------------------------------------------------------------------------------

    def hosts_lines(self, info: dict) -> list:
        path = info.get("HostsPath")
        if path and resolve_docker_host(self.module.params["docker_host"]).startswith("unix://") and os.access(path, os.R_OK):
            with open(path) as hosts:
                return hosts.read().splitlines()
        if (info.get("State") or {}).get("Running"):
            exec_id = self.client.api.exec_create(info["Id"], ["cat", "/etc/hosts"])
            return self.client.api.exec_start(exec_id).decode(errors="replace").splitlines()
        return []

    def report(self, name: str) -> dict:
        step = self.plan.get(name) or dict(action="none")
        changed = step["action"] != "none"
        info = self.current.get(name) if self.check_mode else self.inspect_or_none("container", name)
        if info is None:
            return dict(id=None, status="absent", action=step["action"], changed=changed, networks={}, links=[], hosts_entries=[], ports=[])
        spec = current_spec(info)
        links = sorted({link for net_links in spec["links"].values() for link in net_links})
        names = set(spec["etc_hosts"])
        for link in links:
            names.update(link.split(":"))
        hosts_entries = [line for line in self.hosts_lines(info) if names & set(line.split()[1:])]
        networks = {}
        for net_name, endpoint in ((info.get("NetworkSettings") or {}).get("Networks") or {}).items():
            networks[net_name] = dict(
                ipv4_address=endpoint.get("IPAddress") or None,
                mac_address=endpoint.get("MacAddress") or None,
                aliases=spec["networks"].get(net_name, {}).get("aliases", []),
                links=spec["links"].get(net_name, []),
            )
        ports = [
            dict(container_port=b.container_port, protocol=b.protocol, host_ip=b.host_ip, host_port=b.host_port)
            for b in sorted(bindings_from_engine((info.get("NetworkSettings") or {}).get("Ports")), key=binding_text)
        ]
        return dict(
            id=info["Id"],
            status=(info.get("State") or {}).get("Status"),
            action=step["action"],
            changed=changed,
            networks=networks,
            links=links,
            hosts_entries=hosts_entries,
            ports=ports,
        )

    def diff(self) -> dict:
        before, after = {}, {}
        for container in self.containers:
            name = container["name"]
            step = self.plan[name]
            if step["action"] == "none":
                continue
            current = self.current.get(name)
            before[name] = dict(step["before"] or {}, state=state_word(current))
            after[name] = dict(step["after"] or {}, state=container["state"])
        return dict(before=before, after=after)

    def result(self) -> dict:
        changed = bool(self.pulls) or any(step["action"] != "none" for step in self.plan.values())
        result = dict(
            changed=changed,
            actions=self.actions,
            converged=self.converged,
            containers={c["name"]: self.report(c["name"]) for c in self.containers},
        )
        if self.module._diff:
            result["diff"] = self.diff()
        return result

    def run(self) -> dict:
        try:
            self.normalise()
            self.client = docker_client(self.module)
            self.check_with_engine()
            self.pull_images()
            self.make_plan()
        except SetRefused as exc:
            self.module.fail_json(msg="The container set was refused, nothing was changed: %s" % "; ".join(exc.problems), problems=exc.problems)
        except DockerException as exc:
            self.module.fail_json(msg="Could not read the engine's containers, networks and images: %s" % api_error_text(exc))
        self.actions = ["pull %s" % ref for ref in self.pulls]
        if self.check_mode:
            self.actions += [self.action_line(name) for wave in self.execution_order() for name in wave
                             if self.plan[name]["action"] != "none"]
            self.converged = [c["name"] for c in self.containers if self.plan[c["name"]]["action"] == "none"]
            return self.result()
        self.acting = True
        failures = self.execute()
        result = self.result()
        if failures:
            pending = [c["name"] for c in self.containers if c["name"] not in self.converged]
            result["msg"] = "%s Converged: %s. Not converged: %s." % (
                " ".join(failures), ", ".join(self.converged) or "none", ", ".join(pending))
            self.module.fail_json(**result)
        return result


def link_pairs(links) -> list | None:
    """``["target:alias", ...]`` as the SDK's ``[(target, alias), ...]``; None for no links."""
    return [tuple(link.split(":", 1)) for link in links or []] or None


def state_word(info) -> str:
    """An inspected container's state in the words of the option: started, stopped or absent."""
    if not info:
        return "absent"
    return "started" if (info.get("State") or {}).get("Running") else "stopped"


def split_image_ref(ref: str) -> tuple[str, str]:
    """``repository, tag`` of an image reference; a digest stays in the repository part."""
    if "@" in ref:
        return ref, None
    repository, sep, tag = ref.rpartition(":")
    if sep and "/" not in tag:
        return repository, tag
    return ref, "latest"


def failure_fix(engine_message: str) -> str:
    text = engine_message.lower()
    if "address already in use" in text or "port is already allocated" in text:
        return "Free that host port or publish the container on another one (published_ports)."
    if "executable file not found" in text or "no such file or directory" in text:
        return "Check the command: the program must exist in the image (command, image)."
    if "already in use" in text or "conflict" in text:
        return "Choose another address or name, or remove what holds it (networks[].ipv4_address, name)."
    return "Fix the container's settings and run the task again."


def failure_text(name: str, doing: str, engine_message: str, removed: bool) -> str:
    text = "Container %r failed while %s: %s. %s" % (name, doing, engine_message.rstrip("."), failure_fix(engine_message))
    if removed:
        text += " The container this run created for %r was removed." % name
    return text


def main():
    network_options = dict(
        name=dict(type="str", required=True),
        ipv4_address=dict(type="str"),
        aliases=dict(type="list", elements="str", default=[]),
    )
    container_options = dict(
        name=dict(type="str", required=True),
        image=dict(type="str"),
        command=dict(type="raw"),
        env=dict(type="dict", default={}),
        hostname=dict(type="str"),
        networks=dict(type="list", elements="dict", options=network_options),
        links=dict(type="list", elements="str", default=[]),
        published_ports=dict(type="list", elements="str", default=[]),
        restart_policy=dict(type="str", choices=["no", "always", "on-failure", "unless-stopped"], default="no"),
        labels=dict(type="dict", default={}),
        etc_hosts=dict(type="dict", default={}),
        state=dict(type="str", choices=["started", "stopped", "absent"], default="started"),
        pull=dict(type="str", choices=["missing", "never", "always"], default="missing"),
    )
    argument_spec = dict(
        containers=dict(type="list", elements="dict", required=True, options=container_options),
        labels=dict(type="dict", default={}),
        parallel=dict(type="int", default=4),
    )
    argument_spec.update(DOCKER_COMMON_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    module.exit_json(**LinkedContainers(module).run())


if __name__ == "__main__":
    main()
