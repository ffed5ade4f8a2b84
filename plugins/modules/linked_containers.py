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
    networks with their addresses, MAC addresses and aliases, links, published ports, restart policy, labels,
    O(containers[].etc_hosts), and the runtime options from O(containers[].entrypoint) to O(containers[].healthcheck)).
    Each is compared in the engine's terms - capabilities without their C(CAP_) prefix, memory in bytes, CPUs as
    nanoCPUs, health check durations in nanoseconds - and shown so in the diff.
    Lists whose order means nothing are compared as sets; V(80) and V(80/tcp) are one port, and a range is its ports.
  - When a link target is created or recreated, every container of the set that links to it is recreated too,
    so that its C(/etc/hosts) points to the target's new address. A container records the ids of its link
    targets in the label C(labnet.docker.link_targets), so a target recreated outside this module is noticed too.
  - A container is replaced as a transaction. The old container is stopped gracefully (SIGTERM, then SIGKILL after
    O(stop_timeout) seconds, as C(docker stop)) and renamed aside; the new one is created and started under the name;
    only when it runs is the old one removed. If anything fails (a host port already taken, a command that does
    not exist, an engine that does not answer within O(timeout)), the new container is removed and the old one
    gets its name back, its networks and addresses, and is started again if it ran; its writable layer is kept.
  - Before acting on a container the module reads it again; a container whose id changed since the plan was made
    (something else replaced it meanwhile) is left untouched and the task fails.
  - If a container fails to be created or started, the module removes what this run created for it, finishes the
    containers already under way, starts no further wave, and fails with the engine's message and the fix. The
    result says what became of every container (RV(outcomes)).
  - When the task has O(labels), a container with a set member's name that lacks any of them is not the set's
    (a user's own container, say). The task is refused, naming it and the label it lacks, unless O(adopt=true).
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._docker
attributes:
  check_mode:
    support: full
    description:
      - Validates, plans and reports C(changed), C(actions) and the diff; creates, pulls and starts nothing.
      - Makes no changing engine call and runs nothing inside containers (RV(containers.hosts_entries) is read
        from the engine host's disk there, or left empty).
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
          ipv6_address:
            description:
              - A static IPv6 address. It must lie inside one of the network's IPv6 subnets (a network created with
                C(--ipv6 --subnet fd..::/64)) and not be its gateway.
            type: str
          mac_address:
            description:
              - A fixed unicast MAC address on this network, such as V(02:42:c0:a8:32:0a); a multicast one (odd first
                octet) is refused.
              - Engines before Docker 25 (API 1.44) take a MAC address on the container's first network only; one on
                another network is refused there.
              - When not set, the MAC address the engine chose is not compared.
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
      entrypoint:
        description:
          - The entrypoint, as a string (split like a shell would) or as a list. When not set, the image's.
          - When it is set and O(containers[].command) is not, the container has no command (the engine drops the
            image's).
        type: raw
      user:
        description:
          - The user (and group) the container's processes run as, V(name), V(uid) or V(uid:gid). When not set, the image's.
        type: str
      working_dir:
        description:
          - The absolute working directory. When not set, the image's.
        type: str
      capabilities:
        description:
          - Linux capabilities to add, such as V(NET_ADMIN) or V(SYS_TIME); V(CAP_NET_ADMIN) and V(net_admin) are the same.
          - An unknown name is refused.
        type: list
        elements: str
        default: []
      cap_drop:
        description:
          - Linux capabilities to drop from the engine's default set, named as in O(containers[].capabilities).
        type: list
        elements: str
        default: []
      privileged:
        description:
          - Give the container all capabilities and all host devices. Prefer O(containers[].capabilities).
        type: bool
        default: false
      sysctls:
        description:
          - Kernel parameters set in the container's namespaces, such as V(net.ipv4.ip_forward=1).
          - Only namespaced ones are allowed - V(net.*), V(fs.mqueue.*), and of V(kernel.*) only V(kernel.msgmax),
            V(kernel.msgmnb), V(kernel.msgmni), V(kernel.sem), V(kernel.shmall), V(kernel.shmmax), V(kernel.shmmni)
            and V(kernel.shm_rmid_forced). Any other is the host's and refused.
        type: dict
        default: {}
      devices:
        description:
          - Host devices, as V(host_path[:container_path[:permissions]]) with permissions of V(r), V(w) and V(m)
            (default V(rwm)), such as V(/dev/net/tun).
        type: list
        elements: str
        default: []
      volumes:
        description:
          - Mounts as V(source:target[:ro|rw]) (default V(rw)). The source is an absolute host path (a bind mount) or
            a volume name (created by the engine when missing, kept when the container is removed).
        type: list
        elements: str
        default: []
      tmpfs:
        description:
          - tmpfs mounts, as V(path[:options]), such as V(/run:size=16m).
        type: list
        elements: str
        default: []
      memory:
        description:
          - The memory limit, a number with an optional unit V(b), V(k), V(m), V(g) or V(t) (powers of 1024), such as
            V(256m); at least V(6m). V(0) or not set is no limit.
        type: str
      cpus:
        description:
          - The number of CPUs the container may use, such as V(0.5) or V(2). V(0) or not set is no limit.
        type: raw
      dns:
        description:
          - DNS servers, as IP addresses. On a user-defined network the engine's resolver (127.0.0.11) forwards to them.
        type: list
        elements: str
        default: []
      dns_search:
        description:
          - DNS search domains.
        type: list
        elements: str
        default: []
      healthcheck:
        description:
          - The container's health check. When not set, the image's (if any); fields not set take the image's too.
          - Durations are written as V(30s), V(1m30s) or V(500ms) (a plain number is seconds), and compared in nanoseconds.
        type: dict
        suboptions:
          test:
            description:
              - The check - a string is run by the container's shell (C(CMD-SHELL)), a list as it is (C(CMD)); a
                list may start with V(CMD) or V(CMD-SHELL) itself. V(NONE) turns off the image's check.
            type: raw
          interval:
            description:
              - Time between two checks.
            type: str
          timeout:
            description:
              - Time a check may take.
            type: str
          retries:
            description:
              - Consecutive failures that make the container unhealthy.
            type: int
          start_period:
            description:
              - Time after the start during which failures do not count.
            type: str
      wait:
        description:
          - V(started) - the next wave starts as soon as this container runs (and its O(containers[].post_start) ran).
          - V(healthy) - the next wave waits until the engine reports this container healthy, for at most
            O(containers[].wait_timeout) seconds. A container that is not healthy by then fails with the last health
            check's output; a replacement that is not healthy is rolled back (the old container is put back).
          - Acts only when this run creates or recreates the container; needs a health check (the container's or the image's).
        type: str
        choices: [started, healthy]
        default: started
      wait_timeout:
        description:
          - Seconds to wait for O(containers[].wait=healthy).
        type: int
        default: 60
      post_start:
        description:
          - Commands run in order inside the container after this run created or recreated and started it (not when
            it is unchanged, only started, or in check mode). Each is a string (split like a shell would, without
            running one; use V(sh -c '...') for a shell) or a list.
          - A command that exits with a code other than 0 fails the container, with its output; a new container is
            removed again, a replacement rolled back. They are not compared, so changing them alone recreates nothing.
        type: list
        elements: raw
        default: []
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
  stop_timeout:
    description:
      - Seconds a container is given to stop after SIGTERM, before SIGKILL, when it is stopped or replaced
        (as C(docker stop --time)).
    type: int
    default: 10
  adopt:
    description:
      - Take over a container that has a set member's name but lacks one of the task's O(labels). It is replaced
        (transactionally, as any replacement) by the set's container, which carries the labels.
      - When V(false), such a container is refused and left untouched. Without task O(labels) every container of a
        member's name is the set's.
    type: bool
    default: false
  show_env_values:
    description:
      - Show the values of O(containers[].env) in the diff. By default each value is masked as V(********), and a
        value that differs before and after as V(******** (changed\)), since they often hold passwords and tokens.
      - The values still appear in the task's C(invocation); use C(no_log) on the task to hide them there too.
    type: bool
    default: false
notes:
  - If the old container of a failed replacement cannot be put back (the engine stays unreachable for three times
    O(timeout)), it is kept under the name V(<name>-old-<short id>) and the message says how to rename it back.
  - O(timeout) applies to every engine call, pulls included (to each read of the answer); a stop waits
    O(stop_timeout) seconds more.
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

- name: Replace a container of the set's name that was made by hand, giving containers 30 s to stop
  labnet.docker.linked_containers:
    labels:
      labnet.lab: tutorial
    adopt: true
    stop_timeout: 30
    containers:
      - name: web
        image: labnet/box:latest
        command: /bin/labnet-web

- name: A router node - NET_ADMIN, forwarding on, a fixed MAC and IPv6 address, routes added once it starts
  labnet.docker.linked_containers:
    containers:
      - name: r1
        image: labnet/box:latest
        command: sleep infinity
        capabilities: [NET_ADMIN]
        sysctls:
          net.ipv4.ip_forward: 1
        networks:
          - name: lab-dual
            ipv4_address: 10.0.12.1
            ipv6_address: fd00:12::1
            mac_address: "02:42:0a:00:0c:01"
        healthcheck:
          test: [ip, route, show, 10.0.34.0/24]
          interval: 2s
        wait: healthy
        post_start:
          - ip route add 10.0.34.0/24 via 10.0.12.3
      - name: h1
        image: labnet/box:latest
        command: sleep infinity
        memory: 64m
        cpus: 0.5
        volumes:
          - lab-data:/data
          - /srv/lab/config:/etc/lab:ro
        networks:
          - name: lab-dual
        links:
          - r1:router

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
          ipv6_address: null
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
outcomes:
  description:
    - What became of each container, keyed by its name.
    - V(converged) - it reached its wanted state (in check mode, it is there already).
    - V(kept_old) - its replacement failed; the old container is back under its name, as it was.
    - V(failed) - it failed and is not as it was (the message says where the old container is, if any).
    - V(untouched) - nothing was done to it (a failure stopped the run first, it changed since planning, or check mode).
  returned: always
  type: dict
  sample:
    web: kept_old
    client: untouched
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import DOCKER_COMMON_ARGUMENT_SPEC
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.task import CONTAINER_OPTIONS, SET_OPTIONS, run


def main():
    argument_spec = dict(
        containers=dict(type="list", elements="dict", required=True, options=CONTAINER_OPTIONS),
        **SET_OPTIONS,
    )
    argument_spec.update(DOCKER_COMMON_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
