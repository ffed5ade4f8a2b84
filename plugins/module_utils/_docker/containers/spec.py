# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading the user's set into :class:`ContainerSpec` records, and every check of it.

Plain functions: :func:`read_set` needs only the task's options, :func:`check_with_snapshot`
only a :class:`Snapshot` of the engine. Problems are collected, never raised one by one, so that
a refused task names all of them at once.
"""

from __future__ import annotations

import ipaddress
import shlex

from ansible_collections.labnet.docker.plugins.module_utils._docker.container_spec import DEFAULT_BRIDGE
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.records import (
    ContainerSpec,
    NetworkSpec,
    Options,
    RuntimeSpec,
    Snapshot,
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
from ansible_collections.labnet.docker.plugins.module_utils._docker import runtime_options as rt
from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import (
    PortSpecError,
    binding_text,
    host_port_collisions,
    parse_published_port,
)

UNSUPPORTED_NETWORKS = ("host", "none")


class SetRefused(Exception):
    """The set cannot be converged as asked; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


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


def normalise_string_dict(value: dict | None, field: str, place: str, problems: list) -> dict:
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
        return [{"name": DEFAULT_BRIDGE, "ipv4_address": None, "ipv6_address": None, "mac_address": None, "aliases": []}]
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
        address6 = checked(rt.parse_ipv6, net.get("ipv6_address"), "%s: networks[%s].ipv6_address" % (place, name), problems)
        mac = checked(rt.parse_mac, net.get("mac_address"), "%s: networks[%s].mac_address" % (place, name), problems)
        if name == DEFAULT_BRIDGE and (address or address6):
            problems.append(
                "%s: networks[bridge].ipv4_address/ipv6_address %s: the default bridge assigns addresses itself; "
                "use a user-defined network for a static address" % (place, address or address6)
            )
        if name == DEFAULT_BRIDGE and aliases:
            problems.append(
                "%s: networks[bridge].aliases %s: the default bridge has no network-scoped aliases; "
                "use links (target:alias) or a user-defined network" % (place, aliases)
            )
        networks.append({"name": name, "ipv4_address": address or None, "ipv6_address": address6, "mac_address": mac,
                         "aliases": aliases})
    return networks


def checked(parse, value, what: str, problems: list, default=None):
    """``parse(value)``, or ``default`` with the problem appended; None stays ``default``."""
    if value is None:
        return default
    try:
        return parse(value)
    except rt.OptionError as exc:
        problems.append("%s: %s" % (what, exc))
        return default


def checked_list(parse, values, what: str, problems: list) -> list:
    result = []
    for value in values or []:
        item = checked(parse, value, what, problems)
        if item is not None:
            result.append(item)
    return result


def normalise_healthcheck(raw: dict, place: str, problems: list):
    health = checked(rt.parse_healthcheck, raw.get("healthcheck"), "%s: healthcheck" % place, problems)
    wait = raw.get("wait") or "started"
    if wait == "healthy" and raw["state"] != "started":
        problems.append("%s: wait is healthy but state is %s; only a started container becomes healthy" % (place, raw["state"]))
    if wait == "healthy" and health and health["test"] == ["NONE"]:
        problems.append("%s: wait is healthy but healthcheck.test is NONE; give a test or set wait: started" % place)
    timeout = raw.get("wait_timeout")
    if timeout is not None and timeout < 1:
        problems.append("%s: wait_timeout %d is less than 1; give 1 or more seconds" % (place, timeout))
    return health


def normalise_runtime(raw: dict, place: str, problems: list) -> RuntimeSpec:
    """The runtime options of one container, checked, in the normal form of ``runtime_options``."""
    tmpfs = checked_list(rt.parse_tmpfs, raw.get("tmpfs"), "%s: tmpfs" % place, problems)
    return RuntimeSpec(
        entrypoint=checked(lambda v: rt.parse_words(v, "entrypoint"), raw.get("entrypoint"), place, problems),
        user=str(raw["user"]) if raw.get("user") not in (None, "") else None,
        working_dir=checked(lambda v: rt.absolute_path(str(v), "the directory"), raw.get("working_dir") or None,
                            "%s: working_dir" % place, problems),
        capabilities=checked(rt.capability_set, raw.get("capabilities"), "%s: capabilities" % place, problems, []),
        cap_drop=checked(rt.capability_set, raw.get("cap_drop"), "%s: cap_drop" % place, problems, []),
        privileged=bool(raw.get("privileged")),
        sysctls=checked(rt.parse_sysctls, raw.get("sysctls"), "%s: sysctls" % place, problems, {}),
        devices=sorted(checked_list(rt.parse_device, raw.get("devices"), "%s: devices" % place, problems)),
        volumes=sorted(checked_list(rt.parse_volume, raw.get("volumes"), "%s: volumes" % place, problems)),
        tmpfs=dict(tmpfs),
        memory=checked(rt.parse_memory, raw.get("memory"), "%s: memory" % place, problems, 0),
        cpus=checked(rt.parse_cpus, raw.get("cpus"), "%s: cpus" % place, problems, 0),
        dns=checked_list(rt.parse_dns_server, raw.get("dns"), "%s: dns" % place, problems),
        dns_search=[str(domain) for domain in raw.get("dns_search") or []],
        healthcheck=normalise_healthcheck(raw, place, problems),
        wait=raw.get("wait") or "started",
        wait_timeout=raw.get("wait_timeout") or 60,
        post_start=checked_list(lambda v: rt.parse_words(v, "command"), raw.get("post_start"), "%s: post_start" % place,
                                problems),
    )


def normalise_etc_hosts(value: dict | None, place: str, problems: list) -> dict:
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


def normalise_container(index: int, raw: dict, task_labels: dict, problems: list) -> ContainerSpec:
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
    return ContainerSpec(
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
        **normalise_runtime(raw, place, problems),
    )


def check_set(containers: list, problems: list) -> None:
    """Checks across the set that need no engine: duplicate names and ports, links to absent members, cycles."""
    by_name: dict = {}
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


def present(containers: list[ContainerSpec]) -> list[ContainerSpec]:
    return [c for c in containers if c["state"] != "absent"]


def read_options(params: dict, problems: list) -> Options:
    if params["parallel"] < 1:
        problems.append("parallel: %d is less than 1; give 1 or more" % params["parallel"])
    stop_timeout = params.get("stop_timeout")
    if stop_timeout is not None and stop_timeout < 0:
        problems.append("stop_timeout: %d is less than 0; give 0 or more seconds" % stop_timeout)
    return Options(
        parallel=params["parallel"],
        labels=normalise_string_dict(params["labels"], "labels", "task", problems),
        adopt=bool(params.get("adopt")),
        stop_timeout=10 if stop_timeout is None else stop_timeout,
        show_env_values=bool(params.get("show_env_values")),
        timeout=params.get("timeout") or 60,
    )


def read_set(params: dict) -> tuple[Options, list[ContainerSpec]]:
    """The task's options and containers in checked form; raises :class:`SetRefused`."""
    problems: list = []
    options = read_options(params, problems)
    containers = [normalise_container(index, raw, options.labels, problems) for index, raw in enumerate(params["containers"])]
    if not containers:
        problems.append("containers: the list is empty; give at least one container")
    check_set(containers, problems)
    if problems:
        raise SetRefused(problems)
    return options, containers


# Checks against a snapshot of the engine ------------------------------------------------------------------


def use_network_names(containers: list[ContainerSpec], snapshot: Snapshot) -> None:
    """A network given by id is compared by its name: rewrite it in place."""
    for container in present(containers):
        for net in container["networks"]:
            info = snapshot.networks.get(net["name"])
            if info and info.get("Name"):
                net["name"] = info["Name"]


# The first engine API that honours a MAC address per endpoint; older ones only the container's own (first network).
ENDPOINT_MAC_API = (1, 44)


def api_at_least(version: str, wanted: tuple) -> bool:
    try:
        return tuple(int(part) for part in version.split(".")[:2]) >= wanted
    except ValueError:
        return True


def check_networks(containers: list[ContainerSpec], snapshot: Snapshot, problems: list) -> None:
    missing = set()
    for container in present(containers):
        for position, net in enumerate(container["networks"]):
            info = snapshot.networks.get(net["name"])
            if info is None and net["name"] not in missing:
                missing.add(net["name"])
                problems.append(
                    "%s: networks: network %r does not exist on the engine; create it first "
                    "(docker network create, or the collection's network modules)" % (container["place"], net["name"])
                )
            for field in ("ipv4_address", "ipv6_address"):
                if info and net[field]:
                    check_address(container, net, field, info, problems)
            if position and net["mac_address"] and not api_at_least(snapshot.api_version, ENDPOINT_MAC_API):
                problems.append(
                    "%s: networks[%s].mac_address %s: this engine (API %s) sets a MAC address on the first network only; "
                    "list %s first, or use Docker 25 or later" % (container["place"], net["name"], net["mac_address"],
                                                                  snapshot.api_version, net["name"])
                )


def check_address(container: ContainerSpec, net: NetworkSpec, field: str, info: dict, problems: list) -> None:
    """A static address must lie in one of the network's subnets of its family, and not be its gateway."""
    address = ipaddress.ip_address(net[field])  # type: ignore[literal-required]
    subnets = []
    for pool in (info.get("IPAM") or {}).get("Config") or []:
        try:
            subnet = ipaddress.ip_network(pool.get("Subnet") or "", strict=False)
        except ValueError:
            continue
        if subnet.version != address.version:
            continue
        subnets.append(str(subnet))
        if address in subnet:
            if pool.get("Gateway") and pool["Gateway"].split("/")[0] == str(address):
                problems.append(
                    "%s: networks[%s].%s %s is the network's gateway; choose another address in %s"
                    % (container["place"], net["name"], field, address, subnet)
                )
            return
    problems.append(
        "%s: networks[%s].%s %s is outside the network's subnets (%s); choose an address inside%s"
        % (container["place"], net["name"], field, address, ", ".join(subnets) or "no IPv%d subnet" % address.version,
           "" if subnets else ", or create the network with such a subnet (docker network create --ipv6 --subnet ...)")
    )


def check_duplicate_addresses(containers: list[ContainerSpec], problems: list) -> None:
    taken: dict = {}
    for container in present(containers):
        for net in container["networks"]:
            for field in ("ipv4_address", "ipv6_address", "mac_address"):
                value = net[field]  # type: ignore[literal-required]
                if not value:
                    continue
                key = (net["name"], field, value)
                if key in taken:
                    problems.append(
                        "%s: networks[%s].%s %s is also given to %s; give each container its own address"
                        % (container["place"], net["name"], field, value, taken[key])
                    )
                taken.setdefault(key, container["place"])


def check_health_source(containers: list[ContainerSpec], snapshot: Snapshot, problems: list) -> None:
    """``wait: healthy`` needs a health check, the container's own or its image's."""
    for container in present(containers):
        if container["wait"] != "healthy" or container["healthcheck"]:
            continue
        image = snapshot.images.get(container["image"] or "")
        if image is not None and not ((image.get("Config") or {}).get("Healthcheck") or {}).get("Test"):
            problems.append(
                "%s: wait is healthy but neither healthcheck nor the image %s defines a health check; give healthcheck"
                % (container["place"], container["image"])
            )


def running(info) -> bool:
    return bool(((info or {}).get("State") or {}).get("Running"))


def check_outside_targets(containers: list[ContainerSpec], snapshot: Snapshot, problems: list) -> None:
    names = {c["name"] for c in containers}
    for container in present(containers):
        for target, _alias in container["links"]:
            if target in names:
                continue
            info = snapshot.outside.get(target)
            if info is None:
                problems.append(
                    "%s: links: target %r is neither a container of the set nor a container on the engine; "
                    "add it to containers or start it first" % (container["place"], target)
                )
            elif not running(info):
                problems.append(
                    "%s: links: target %r exists but is not running (%s); start it or add it to containers"
                    % (container["place"], target, (info.get("State") or {}).get("Status"))
                )


def target_networks(target: str, by_name: dict, snapshot: Snapshot) -> list:
    if target in by_name:
        return [net["name"] for net in by_name[target]["networks"]]
    info = snapshot.outside.get(target) or {}
    return list(((info.get("NetworkSettings") or {}).get("Networks") or {}).keys())


def links_by_network(container: ContainerSpec, by_name: dict, snapshot: Snapshot) -> tuple[dict, list]:
    """The container's links placed on the networks it shares with each target."""
    targets = {target: target_networks(target, by_name, snapshot) for target, _alias in container["links"]}
    return place_links(container["links"], [net["name"] for net in container["networks"]], targets)


def check_links_share_a_network(containers: list[ContainerSpec], snapshot: Snapshot, problems: list) -> None:
    by_name = {c["name"]: c for c in containers}
    for container in present(containers):
        _placed, unplaced = links_by_network(container, by_name, snapshot)
        for target in unplaced:
            if target in by_name or running(snapshot.outside.get(target)):
                problems.append(
                    "%s: links: target %r shares no network with this container (it is on %s); attach both to one network"
                    % (container["place"], target, ", ".join(target_networks(target, by_name, snapshot)) or "none")
                )


def check_images(containers: list[ContainerSpec], snapshot: Snapshot, problems: list) -> None:
    for container in present(containers):
        ref = container["image"] or ""
        if snapshot.images.get(ref) is None and container["pull"] == "never":
            problems.append(
                "%s: image %r is not on the engine and pull is never; load or build it there first "
                "(docker load, docker build), or set pull: missing" % (container["place"], ref)
            )


def check_with_snapshot(containers: list[ContainerSpec], snapshot: Snapshot, more: list | None = None) -> None:
    """The checks that need the engine's networks, link targets and images; raises :class:`SetRefused`.

    ``more`` are problems found elsewhere (the plan's ownership check), reported together.
    """
    problems: list = list(more or [])
    check_networks(containers, snapshot, problems)
    check_duplicate_addresses(containers, problems)
    check_outside_targets(containers, snapshot, problems)
    check_links_share_a_network(containers, snapshot, problems)
    check_images(containers, snapshot, problems)
    check_health_source(containers, snapshot, problems)
    if problems:
        raise SetRefused(problems)
