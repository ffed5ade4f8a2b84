#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: port_forward_info
short_description: Audit every published port against its DNAT rule, docker-proxy, listening socket and a real connection
version_added: 0.1.0
description:
  - Reads, in one pass, Docker's view of every published port (container, address, network, port
    bindings), the kernel's NAT and filter rules, the C(docker-proxy) processes and the listening sockets,
    and reports each binding with what carries it, and every piece that has drifted.
  - Docker carries a published port (C(-p 8080:80)) two ways. A DNAT rule in the nat table's C(DOCKER)
    chain (plus a C(MASQUERADE) rule for the network's subnet) carries traffic that arrives from other
    hosts, and from this host's own non-loopback addresses. A C(docker-proxy) process per binding
    (when dockerd runs with C(userland-proxy) on, the default) carries what NAT cannot, above all
    connections to C(127.0.0.1). Killing the proxy breaks only the loopback path.
  - Rules are read from every backend that may hold them (C(iptables-nft), C(iptables-legacy), their
    C(ip6tables) twins, and Docker's own nftables tables C(ip docker-bridges) and C(ip6 docker-bridges)),
    with the wait flag, and matched by meaning (target, protocol, port, destination), never by position or
    chain name. So the layouts of Docker 20.10 to 27 (C(DOCKER), C(DOCKER-USER),
    C(DOCKER-ISOLATION-STAGE-1) and C(-2)), of Docker 28.0.0 (the ipset C(docker-ext-bridges-v4)), of
    Docker 28.0.1 and later (C(DOCKER-FORWARD), C(DOCKER-BRIDGE), C(DOCKER-CT), C(DOCKER-INTERNAL)) and of
    Docker's nftables backend all parse, as do the print formats of iptables 1.8.10 and later. Rules in
    more than one backend give a warning. RV(firewall_layout) says which layout was found.
  - "IPv6: a binding on an IPv6 host address (C([::]), C([::1])) of a container that has an IPv6 address on
    its network is checked against the ip6tables nat rules, like IPv4, when dockerd runs with C(ip6tables)
    on (set explicitly, or the default from Docker 27). Otherwise docker-proxy carries it to the container's
    IPv4 address, and only the proxy and the listener are checked."
  - Since Docker 28, dockerd binds the published host port itself and hands the socket to C(docker-proxy)
    (C(-use-listen-fd)); with C(userland-proxy=false) dockerd keeps the socket. A listener held by
    C(dockerd) is therefore no drift.
  - "Drift codes: V(dnat_missing) (no DNAT rule for a published binding), V(proxy_missing) (userland-proxy
    is on but no C(docker-proxy) serves the binding), V(listener_missing) (a proxy runs but nothing
    listens on the port), V(stale_dnat) (a DNAT rule to an address that no running container holds),
    V(orphan_proxy) (a C(docker-proxy) for a binding that no running container publishes),
    V(ip_forward_off) (C(net.ipv4.ip_forward) is 0 while ports are published on bridge networks) and
    V(unreachable) (with O(probe), no probe path reached the port)."
  - Ports published by a container that sits only on macvlan or ipvlan networks get no NAT and no proxy
    from Docker; they are reported with RV(ports[].status=no_nat) and a note, never as drift.
  - Never changes anything.
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._docker
attributes:
  check_mode:
    support: full
    description: The module only reads (and, with O(probe), connects), so it runs the same in check mode.
  diff_mode:
    support: none
    description: The module changes nothing, so there is nothing to show.
  idempotent:
    support: full
    description: The module only reads; it never reports a change.
options:
  containers:
    description:
      - Report only these running containers, by name or by the start of their id.
      - Host-wide findings (V(stale_dnat), V(orphan_proxy)) are then reported only for the host ports that
        these containers publish; V(ip_forward_off) is always reported.
      - A name that no running container has fails the task, naming the running containers.
      - When not set, every running container of the engine is reported.
    type: list
    elements: str
  probe:
    description:
      - Also try a TCP connection to each TCP binding, from this host, by two paths. V(loopback) connects
        to C(127.0.0.1:<host port>), which only C(docker-proxy) serves (unless dockerd runs with
        C(userland-proxy=false)), or to C([::1]:<host port>) for an IPv6 binding when userland-proxy is on
        (IPv6 has no C(route_localnet), so no NAT serves C(::1)). V(nat) connects to a non-loopback address of
        this host (the IPv4 or, where the engine NATs IPv6, the IPv6 gateway address of the container's
        network, or the binding's own host address), which the nat table's C(OUTPUT) chain DNATs to the
        container.
      - A connection that is accepted and then closed at once without a byte counts as a failure; that is
        what C(docker-proxy) does when it cannot reach the container. So does a connection to a binding that
        neither a DNAT rule nor a C(docker-proxy) forwards, whose socket dockerd holds, since dockerd (with
        C(userland-proxy=false)) keeps one per published port and never accepts on it.
      - Only addresses of this host are contacted, and UDP bindings are not probed.
    type: bool
    default: false
  probe_timeout:
    description:
      - Seconds each probe connection may take. The probes run side by side.
    type: float
    default: 2.0
  fail_on_drift:
    description:
      - Fail the task when any drift is found, with the drift list in the message and in RV(drift).
    type: bool
    default: false
  netns:
    description:
      - The network namespace whose firewall rules, sockets, sysctls and connections are audited, by name
        (a file under C(/var/run/netns), as C(ip netns add) makes) or by path (such as C(/proc/1234/ns/net)).
      - Use it for an engine that runs in its own network namespace (for example one started with
        C(nsenter --net=/var/run/netns/NAME dockerd --host unix:///run/NAME/docker.sock ...)), together with
        O(docker_host) pointing at that engine's socket.
      - The module reads the Engine API first, then moves its own process into this namespace (C(setns))
        for everything else. Files, such as a Unix Docker socket and C(/proc), are the same in every
        namespace, so give O(docker_host) as a Unix socket here. Only processes in this namespace count as
        proxies and listeners.
      - The namespace must exist; the module never creates one. Needs root (C(CAP_SYS_ADMIN)).
      - When not set, the managed host's own network namespace is audited.
    type: str
notes:
  - The engine's C(userland-proxy) and C(iptables) settings are read from the command line of the local
    dockerd that listens on O(docker_host) (and from its C(daemon.json)); with an engine on another host
    they are the defaults, and the kernel side is this host's, which is rarely what you want.
  - The container list is read before and after the kernel side. Containers that start or stop in between
    are left out of the report, and their rules and proxies are not drift, so a busy host gives no false
    alarms.
  - V(ip_forward_off) is read from C(net.ipv4.ip_forward) only; IPv6 forwarding is not audited.
  - Reading the rules needs root, or C(CAP_NET_ADMIN).
requirements:
  - iptables (C(iptables-nft) and/or C(iptables-legacy)), and C(nft) where Docker's nftables backend is used,
    on the managed host.
seealso:
  - module: labnet.docker.lab_host_info
"""

EXAMPLES = r"""
- name: Audit every published port of the lab host
  labnet.docker.port_forward_info:
  register: port_audit

- name: Show what drifted
  ansible.builtin.debug:
    msg: "{{ port_audit.drift | map(attribute='message') | list }}"

- name: Prove that the web container is served by NAT and by docker-proxy, and fail on any drift
  labnet.docker.port_forward_info:
    containers:
      - web
    probe: true
    fail_on_drift: true

- name: Audit an engine that runs in its own network namespace
  labnet.docker.port_forward_info:
    docker_host: unix:///run/lab2/docker.sock
    netns: lab2
    probe: true
  register: lab2_ports

- name: Every published port of web has its docker-proxy
  ansible.builtin.assert:
    that:
      - port_audit.ports | selectattr('container', 'equalto', 'web') | selectattr('proxy', 'none') | list | length == 0
"""

RETURN = r"""
engine:
  description: The engine and kernel facts the audit rests on.
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
    pid:
      description: The process id of the local dockerd that listens on RV(engine.docker_host); null when none was found.
      type: int
      sample: 3474
    userland_proxy:
      description: Whether dockerd starts a C(docker-proxy) for each published port.
      type: bool
      sample: true
    iptables:
      description: Whether dockerd writes firewall rules.
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
    backend:
      description:
        - The backend that holds Docker's rules, V(iptables-nft), V(iptables-legacy) or V(nftables); null when none does.
        - When several do, the first of RV(engine.docker_backends).
      type: str
      sample: iptables-nft
    docker_backends:
      description: Every backend that holds Docker's rules. More than one means drift between backends.
      type: list
      elements: str
      sample: [iptables-nft]
    backends:
      description: The number of nat and filter rules (IPv4 and IPv6 together) read from each backend found on the host.
      type: dict
      sample: {"iptables-nft": 24, "iptables-legacy": 0}
    ip_forward:
      description: Whether C(net.ipv4.ip_forward) is on in the audited namespace.
      type: bool
      sample: true
    route_localnet:
      description: C(net.ipv4.conf.<bridge>.route_localnet) for each bridge with published ports (on when dockerd
        DNATs loopback itself, with C(userland-proxy=false)).
      type: dict
      sample: {"docker0": false}
    netns:
      description: The network namespace audited, as given in O(netns); null for the host's own.
      type: str
      sample: null
ports:
  description: One entry per published binding (a container port on one host address), of the containers reported.
  returned: success
  type: list
  elements: dict
  contains:
    container:
      description: The container's name.
      type: str
      sample: web
    container_id:
      description: The first 12 characters of the container's id.
      type: str
      sample: 7c95bed71e3f
    network:
      description: The container's network that carries the port (the first bridge network it is on).
      type: str
      sample: bridge
    network_driver:
      description: That network's driver.
      type: str
      sample: bridge
    container_ip:
      description:
        - The container's address that the binding's traffic goes to, on that network.
        - For a binding on an IPv6 host address, the container's IPv6 address when it has one, else its IPv4
          address (docker-proxy then carries IPv6 to IPv4).
      type: str
      sample: 172.17.0.2
    container_port:
      description: The port inside the container.
      type: int
      sample: 80
    proto:
      description: V(tcp), V(udp) or V(sctp).
      type: str
      sample: tcp
    host_ip:
      description: The host address the port is published on (V(0.0.0.0) for all).
      type: str
      sample: 0.0.0.0
    host_port:
      description: The host port.
      type: int
      sample: 8080
    nat:
      description: Whether Docker carries this binding with NAT and docker-proxy (false on macvlan and ipvlan networks).
      type: bool
      sample: true
    dnat:
      description: The text of the DNAT rule (IPv4 or IPv6) that forwards the binding, or null.
      type: str
      sample: "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"
    dnat_backend:
      description: The backend that holds that rule, or null.
      type: str
      sample: iptables-nft
    masquerade:
      description: Whether a MASQUERADE rule covers the container network's subnet.
      type: bool
      sample: true
    hairpin:
      description: Whether a MASQUERADE rule covers traffic from the container back to itself through the published port.
      type: bool
      sample: true
    filter_accept:
      description: Whether a filter rule accepts forwarded traffic to the container's address and port.
      type: bool
      sample: true
    proxy:
      description: The pid of the C(docker-proxy) that serves the binding, or null.
      type: int
      sample: 8877
    listener:
      description: The socket that listens on the host address and port, or null.
      type: dict
      sample: {"pid": 8877, "process": "docker-proxy", "address": "0.0.0.0"}
    reachable:
      description:
        - With O(probe), whether a connection got through by each path (V(loopback), V(nat)); null for a path
          that does not apply (UDP, an IPv6 binding the engine does not NAT, a loopback-only binding's NAT path,
          C(::1) without userland-proxy).
        - Null without O(probe).
      type: dict
      sample: {"loopback": true, "nat": true}
    status:
      description: V(ok), V(drift), or V(no_nat) for a binding Docker does not NAT.
      type: str
      sample: ok
    problems:
      description: The drift codes of this binding.
      type: list
      elements: str
      sample: []
    note:
      description: Why a binding gets no NAT, or null.
      type: str
      sample: null
firewall_layout:
  description: Docker's firewall layout as the rules show it, so that a user sees what the audit assumed.
  returned: success
  type: dict
  contains:
    layout:
      description:
        - V(docker-chain) (Docker 20.10 to 27), V(ipset) (Docker 28.0.0, the ipset C(docker-ext-bridges-v4)),
          V(docker-forward) (Docker 28.0.1 and later, C(DOCKER-FORWARD)), V(nftables) (Docker's nftables
          backend), or null when no Docker rules were found.
      type: str
      sample: docker-forward
    engines:
      description: The engine releases that write this layout, or null.
      type: str
      sample: Docker 28.0.1 and later
    chains:
      description: Every Docker chain found, in any table, backend and family.
      type: list
      elements: str
      sample: [DOCKER, DOCKER-BRIDGE, DOCKER-CT, DOCKER-FORWARD, DOCKER-ISOLATION-STAGE-1, DOCKER-ISOLATION-STAGE-2, DOCKER-USER]
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
      sample: true
    docker_user:
      description: Whether the C(DOCKER-USER) chain exists.
      type: bool
      sample: true
    backend:
      description: The first backend that holds Docker's rules, or null.
      type: str
      sample: iptables-nft
    backends:
      description: Every backend that holds Docker's rules.
      type: list
      elements: str
      sample: [iptables-nft]
    problems:
      description: Reads of the rules that failed; the summary is partial when there are any.
      type: list
      elements: str
      sample: []
drift:
  description: Every problem found, each with a sentence that says what is wrong and what to do.
  returned: success, and in the failure with O(fail_on_drift)
  type: list
  elements: dict
  contains:
    problem:
      description:
        - V(dnat_missing), V(proxy_missing), V(listener_missing), V(stale_dnat), V(orphan_proxy),
          V(ip_forward_off) or V(unreachable).
      type: str
      sample: proxy_missing
    container:
      description: The container concerned, or null for a host-wide problem.
      type: str
      sample: web
    proto:
      description: The protocol of the binding or rule concerned.
      type: str
      sample: tcp
    host_ip:
      description: The host address of the binding or rule concerned.
      type: str
      sample: 0.0.0.0
    host_port:
      description: The host port of the binding or rule concerned.
      type: int
      sample: 8080
    container_ip:
      description: The container address of the binding, or the address a stale rule points at.
      type: str
      sample: 172.17.0.2
    container_port:
      description: The container port concerned.
      type: int
      sample: 80
    message:
      description: What is wrong, and how to put it right.
      type: str
      sample: "Container web publishes 0.0.0.0:8080/tcp and dockerd runs with userland-proxy on, but no docker-proxy serves it ..."
counts:
  description: Totals of the audit.
  returned: success
  type: dict
  contains:
    containers:
      description: Containers reported.
      type: int
    ports:
      description: Bindings reported.
      type: int
    ports_ok:
      description: Bindings with no drift.
      type: int
    ports_with_drift:
      description: Bindings with at least one drift entry.
      type: int
    ports_without_nat:
      description: Bindings that Docker does not NAT (macvlan, ipvlan).
      type: int
    drift:
      description: Drift entries.
      type: int
    by_problem:
      description: Drift entries by code (every code is present, most with 0).
      type: dict
    dnat_rules:
      description: DNAT rules read, in every backend.
      type: int
    proxies:
      description: docker-proxy processes in the audited namespace.
      type: int
    listeners:
      description: Listening TCP and bound UDP sockets in the audited namespace.
      type: int
  sample: {"containers": 1, "ports": 2, "ports_ok": 2, "ports_with_drift": 0, "ports_without_nat": 0, "drift": 0,
           "dnat_rules": 2, "proxies": 2, "listeners": 9,
           "by_problem": {"dnat_missing": 0, "proxy_missing": 0, "listener_missing": 0, "stale_dnat": 0,
                          "orphan_proxy": 0, "ip_forward_off": 0, "unreachable": 0}}
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    DOCKER_COMMON_ARGUMENT_SPEC,
    ENGINE_ERRORS,
    NotFound,
    api_error_text,
    docker_client,
    resolve_docker_host,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import NetnsNotFound, netns_path
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netns_enter import NetnsEnterError, enter_netns
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.engine_settings import engine_settings, ip6tables_enabled
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.firewall_layout import layout_of
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.nat_rules import classify_rules, read_rules
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.port_drift import analyse_ports, binding_key
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.port_probe import probe_bindings
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.proc_sockets import PROXY_NAME, read_proc, read_sysctl
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.published_ports import (
    PublishedBinding,
    bindings_from_containers,
    container_addresses,
    container_name,
    is_selected,
    names_container,
    needs_inspect,
)


class PortForwardAudit:
    """Reads Docker's, the kernel's and /proc's views of published ports once; changes nothing."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.docker_host = resolve_docker_host(self.params["docker_host"])

    def validate(self) -> str | None:
        """Check the options before reading anything; returns the namespace path."""
        if self.params["probe_timeout"] <= 0:
            self.module.fail_json(
                msg="probe_timeout must be more than 0 seconds, got %s. Give the seconds one probe may take, "
                "such as 2." % self.params["probe_timeout"]
            )
        try:
            return netns_path(self.params["netns"])
        except NetnsNotFound as exc:
            self.module.fail_json(msg="netns: %s" % exc)
        return None  # not reached

    def docker_view(self) -> dict:
        client = self.client = docker_client(self.module)
        try:
            version = client.version()
            summaries = client.api.containers()
            networks = client.api.networks()
            inspected = {}
            for summary in summaries:
                if needs_inspect(summary):
                    try:
                        inspected[summary["Id"]] = client.api.inspect_container(summary["Id"])
                    except NotFound:
                        continue  # removed since it was listed; the second listing leaves it out
        except ENGINE_ERRORS as exc:  # timeouts and dropped connections too: a clean failure, never a traceback
            self.module.fail_json(
                msg="Could not read the containers and networks of the Docker engine at %s: %s"
                % (self.docker_host, api_error_text(exc))
            )
        self.check_selection(summaries)
        return dict(version=version, summaries=summaries, networks=networks, inspected=inspected)

    def containers_again(self) -> list[dict] | None:
        """The running containers once more, after the kernel was read; None when the engine did not answer.

        Containers come and go on a busy host while the rules are read: the audit keeps the containers
        that ran before and after, and counts the addresses of both lists as held, so that neither a
        container that just started nor one that just stopped shows up as drift.
        """
        try:
            return self.client.api.containers()
        except ENGINE_ERRORS:
            return None  # the first list stands alone; the audit still holds

    def check_selection(self, summaries: list[dict]) -> None:
        selected = self.params["containers"] or []
        names = [container_name(summary) for summary in summaries]
        ids = [summary.get("Id", "") for summary in summaries]
        missing = [
            wanted for wanted in selected
            if not any(names_container(wanted, name, container_id) for name, container_id in zip(names, ids))
        ]
        if missing:
            shown = ", ".join(sorted(names)[:30]) or "(none)"
            self.module.fail_json(
                msg="containers: no running container on %s is named %s (or has an id that starts so). "
                "Running containers: %s. Start the container first, or fix the name."
                % (self.docker_host, ", ".join(repr(name) for name in missing), shown)
            )

    def warn_about_rules(self, rules: dict, settings: dict) -> None:
        busy = [backend for backend, count in rules["backends"].items() if count]
        if len(busy) > 1:
            self.module.warn(
                "Firewall rules are in more than one backend: %s. The kernel applies all of them, but each "
                "iptables command shows only its own, so rules written by one are invisible to the other. "
                "Keep one backend (update-alternatives --config iptables) and remove the other's rules."
                % ", ".join("%s (%d rules)" % (backend, rules["backends"][backend]) for backend in busy)
            )
        for problem in rules["problems"]:
            self.module.warn("Could not read every firewall rule: %s" % problem)
        if settings["pid"] is None:
            self.module.warn(
                "No local dockerd process listens on %s: the userland-proxy and iptables settings are taken "
                "from %s and the defaults, and the kernel side is this host's." % (self.docker_host, settings["config-file"])
            )

    def enter_audited_netns(self, netns: str | None) -> None:
        if not netns:
            return
        try:
            enter_netns(netns)
        except (OSError, NetnsEnterError) as exc:
            self.module.fail_json(
                msg="netns: could not enter the network namespace %r: %s. Run the task as root."
                % (self.params["netns"], exc)
            )

    def kernel_view(self, settings: dict) -> dict:
        """One read of the rules of every backend, of /proc and of the sysctls that matter."""
        proxy_names = {PROXY_NAME}
        if settings.get("userland-proxy-path"):
            proxy_names.add(os.path.basename(settings["userland-proxy-path"]))
        return dict(
            rules=read_rules(self.module),
            proc=read_proc(proxy_names=tuple(proxy_names)),
            ip_forward=read_sysctl("net.ipv4.ip_forward"),
        )

    def settled_containers(self, docker: dict) -> dict:
        """The containers that ran before and after the kernel was read, and those that came or went."""
        first = docker["summaries"]
        later = self.containers_again()
        if later is None:
            return dict(steady=first, transient=[], addresses=container_addresses(first))
        before = {summary.get("Id") for summary in first}
        after = {summary.get("Id") for summary in later}
        return dict(
            steady=[summary for summary in first if summary.get("Id") in after],
            transient=[summary for summary in first if summary.get("Id") not in after]
            + [summary for summary in later if summary.get("Id") not in before],
            addresses=container_addresses(first + later),
        )

    def engine_facts(self, docker: dict, settings: dict, kernel: dict, bindings: list[PublishedBinding]) -> dict:
        rules = kernel["rules"]
        bridges = sorted({binding["bridge"] for binding in bindings if binding["bridge"]})
        return dict(
            version=docker["version"].get("Version"),
            api_version=docker["version"].get("ApiVersion"),
            docker_host=self.docker_host,
            pid=settings["pid"],
            userland_proxy=bool(settings["userland-proxy"]),
            iptables=bool(settings["iptables"]),
            ip6tables=ip6tables_enabled(settings, docker["version"].get("Version")),
            settings_source=settings["source"],
            backend=rules["docker_backends"][0] if rules["docker_backends"] else None,
            docker_backends=rules["docker_backends"],
            backends=rules["backends"],
            ip_forward=None if kernel["ip_forward"] is None else kernel["ip_forward"] == "1",
            route_localnet={
                bridge: read_sysctl("net.ipv4.conf.%s.route_localnet" % bridge) == "1" for bridge in bridges
            },
            netns=self.params["netns"],
        )

    def run(self) -> dict:
        netns = self.validate()
        docker = self.docker_view()
        settings = engine_settings(docker_host=self.docker_host)
        self.enter_audited_netns(netns)  # everything below reads the audited namespace
        kernel = self.kernel_view(settings)
        containers = self.settled_containers(docker)
        bindings = bindings_from_containers(containers["steady"], docker["networks"], docker["inspected"])
        engine = self.engine_facts(docker, settings, kernel, bindings)
        self.warn_about_rules(kernel["rules"], settings)

        selected = self.params["containers"]
        probes = None
        if self.params["probe"]:
            in_scope = [binding for binding in bindings if is_selected(binding, selected)]
            probes = probe_bindings(in_scope, binding_key, self.params["probe_timeout"], engine)

        audit = analyse_ports(
            bindings,
            classify_rules(kernel["rules"]["rules"]),
            kernel["proc"]["proxies"],
            kernel["proc"]["listeners"],
            engine,
            container_addresses=containers["addresses"],
            transient_bindings=bindings_from_containers(containers["transient"], docker["networks"]),
            probes=probes,
            selected=selected,
            rule_sources=", ".join(kernel["rules"]["backends"]) or "no firewall backend",
        )
        return dict(changed=False, engine=engine, firewall_layout=layout_of(kernel["rules"]), **audit)


def main():
    argument_spec = dict(DOCKER_COMMON_ARGUMENT_SPEC)
    argument_spec.update(
        containers=dict(type="list", elements="str"),
        probe=dict(type="bool", default=False),
        probe_timeout=dict(type="float", default=2.0),
        fail_on_drift=dict(type="bool", default=False),
        netns=dict(type="str"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    result = PortForwardAudit(module).run()
    if module.params["fail_on_drift"] and result["drift"]:
        module.fail_json(
            msg="%d port forwarding problem(s) found: %s"
            % (len(result["drift"]), " | ".join("%s: %s" % (d["problem"], d["message"]) for d in result["drift"])),
            **result
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
