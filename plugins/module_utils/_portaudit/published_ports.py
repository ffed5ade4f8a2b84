# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Docker's view of published ports: one binding per container port and host address.

Built from the Engine API's container list (``GET /containers/json``, one call for every running
container) and network list (``GET /networks``). A container that asked for published ports but
sits only on networks that Docker does not NAT (macvlan, ipvlan) shows them in its
``HostConfig.PortBindings`` alone; those are read with one inspect each and reported as bindings
that get no NAT, which is how Docker treats them. Pure functions over the API's plain data.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Mapping, TypedDict

# Network drivers whose published ports Docker carries with DNAT rules and docker-proxy.
NAT_DRIVERS = ("bridge",)

NO_NAT_NOTE = (
    "Docker publishes no ports on %s networks: the container is reached at its own address %s, "
    "with no DNAT rule and no docker-proxy."
)


def names_container(wanted: str, name: str, container_id: str) -> bool:
    """Whether ``wanted`` (from a task's ``containers`` list) is this container's name or id start."""
    if wanted == name:
        return True
    if len(wanted) < 4:
        return False
    return container_id.startswith(wanted) or (len(wanted) > len(container_id) and wanted.startswith(container_id))


def is_selected(binding: Mapping[str, Any], selected: list[str] | None) -> bool:
    """Whether a binding belongs to one of the ``selected`` containers (all, when none is given)."""
    return not selected or any(names_container(w, binding["container"], binding["container_id"]) for w in selected)


def container_name(summary: dict) -> str:
    """The container's own name: ``Names`` also lists link aliases (``/client/web``), which say
    nothing about this container's name."""
    names = [name.lstrip("/") for name in summary.get("Names") or []]
    own = [name for name in names if "/" not in name]
    if own:
        return own[0]
    return names[0] if names else (summary.get("Id") or "")[:12]


def bridge_name(network: dict) -> str | None:
    """The Linux bridge of a bridge network: its option, else Docker's ``br-<id>`` name."""
    if network.get("Driver") not in NAT_DRIVERS:
        return None
    options = network.get("Options") or {}
    return options.get("com.docker.network.bridge.name") or "br-%s" % (network.get("Id") or "")[:12]


def _subnet(address: str | None, prefix_len) -> str | None:
    """``172.17.0.2`` and 16 as ``172.17.0.0/16``; None without both."""
    if not address or not prefix_len:
        return None
    return str(ipaddress.ip_interface("%s/%s" % (address, prefix_len)).network)


def _endpoints(summary: dict, networks_by_id: dict) -> list[dict]:
    """The container's network endpoints, NAT networks first, each with its driver and subnet."""
    endpoints = []
    for name, settings in sorted(((summary.get("NetworkSettings") or {}).get("Networks") or {}).items()):
        network = networks_by_id.get(settings.get("NetworkID")) or {}
        ip = settings.get("IPAddress") or None
        ipv6 = settings.get("GlobalIPv6Address") or None
        endpoints.append(
            dict(
                network=name,
                driver=network.get("Driver") or ("bridge" if name == "bridge" else None),
                bridge=bridge_name(network) if network else ("docker0" if name == "bridge" else None),
                ip=ip,
                gateway=settings.get("Gateway") or None,
                subnet=_subnet(ip, settings.get("IPPrefixLen")),
                ipv6=ipv6,
                gateway_v6=settings.get("IPv6Gateway") or None,
                subnet_v6=_subnet(ipv6, settings.get("GlobalIPv6PrefixLen")),
            )
        )
    endpoints.sort(key=lambda endpoint: endpoint["driver"] not in NAT_DRIVERS)
    return endpoints


def needs_inspect(summary: dict) -> bool:
    """Whether a container may have port bindings that the list call does not show.

    That is a container on no NAT network (only macvlan, ipvlan ...), whose bindings Docker
    keeps in ``HostConfig.PortBindings`` without publishing them.
    """
    networks = ((summary.get("NetworkSettings") or {}).get("Networks") or {})
    mode = (summary.get("HostConfig") or {}).get("NetworkMode") or ""
    if mode in ("host", "none") or mode.startswith("container:"):
        return False
    return bool(networks) and not any(name == "bridge" for name in networks) and not summary.get("Ports")


class PublishedBinding(TypedDict):
    """One published port as the engine sees it: the record the audit reads, compares and reports."""

    container: str
    container_id: str
    network: str | None
    network_driver: str | None
    bridge: str | None
    container_ip: str | None
    container_ipv6: str | None
    container_ips: list[str]
    subnet: str | None
    subnet_v6: str | None
    gateway: str | None
    gateway_v6: str | None
    container_port: int
    proto: str
    host_ip: str
    host_port: int
    nat: bool
    note: str | None


def _binding(summary, endpoint, proto, container_port, host_ip, host_port, all_ips) -> PublishedBinding:
    nat = endpoint is not None and endpoint["driver"] in NAT_DRIVERS
    note = None
    if endpoint is not None and not nat:
        note = NO_NAT_NOTE % (endpoint["driver"] or "non-bridge", endpoint["ip"])
    return PublishedBinding(
        container=container_name(summary),
        container_id=(summary.get("Id") or "")[:12],
        network=endpoint["network"] if endpoint else None,
        network_driver=endpoint["driver"] if endpoint else None,
        bridge=endpoint["bridge"] if endpoint else None,
        container_ip=endpoint["ip"] if endpoint else None,
        container_ipv6=endpoint["ipv6"] if endpoint else None,
        container_ips=all_ips,
        subnet=endpoint["subnet"] if endpoint else None,
        subnet_v6=endpoint["subnet_v6"] if endpoint else None,
        gateway=endpoint["gateway"] if endpoint else None,
        gateway_v6=endpoint["gateway_v6"] if endpoint else None,
        container_port=int(container_port),
        proto=proto,
        host_ip=host_ip or "0.0.0.0",
        host_port=int(host_port),
        nat=nat,
        note=note,
    )


def bindings_from_containers(
    summaries: list[dict], networks: list[dict], inspected: dict | None = None
) -> list[PublishedBinding]:
    """Every published port binding of ``summaries`` (``GET /containers/json`` items).

    ``inspected`` maps a container id to its inspect data, for the containers
    :func:`needs_inspect` named.
    """
    networks_by_id = {network.get("Id"): network for network in networks or []}
    bindings: list[PublishedBinding] = []
    for summary in summaries:
        endpoints = _endpoints(summary, networks_by_id)
        all_ips = [ip for endpoint in endpoints for ip in (endpoint["ip"], endpoint["ipv6"]) if ip]
        endpoint = endpoints[0] if endpoints else None
        seen = set()
        for port in summary.get("Ports") or []:
            if not port.get("PublicPort"):
                continue  # exposed, not published
            key = (port.get("Type", "tcp"), port.get("IP") or "0.0.0.0", port["PublicPort"])
            if key in seen:
                continue
            seen.add(key)
            bindings.append(_binding(summary, endpoint, key[0], port["PrivatePort"], key[1], key[2], all_ips))
        details = (inspected or {}).get(summary.get("Id"))
        if details:
            requested = ((details.get("HostConfig") or {}).get("PortBindings") or {})
            for spec, host_bindings in sorted(requested.items()):
                container_port, _sep, proto = spec.partition("/")
                for host in host_bindings or []:
                    if str(host.get("HostPort") or "").isdigit():
                        bindings.append(
                            _binding(summary, endpoint, proto or "tcp", container_port, host.get("HostIp"),
                                     host["HostPort"], all_ips)
                        )
    return bindings


def container_addresses(summaries: list[dict]) -> set:
    """Every address a running container holds, on any network."""
    addresses = set()
    for summary in summaries:
        for settings in ((summary.get("NetworkSettings") or {}).get("Networks") or {}).values():
            if settings.get("IPAddress"):
                addresses.add(settings["IPAddress"])
            if settings.get("GlobalIPv6Address"):
                addresses.add(settings["GlobalIPv6Address"])
    return addresses
