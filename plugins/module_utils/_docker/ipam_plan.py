# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""IPAM plans for Docker networks: validated CIDRs and a normalised, order-insensitive comparison.

Pure functions over plain data. A *pool* is a dict ``{'subnet', 'gateway', 'ip_range', 'aux_addresses'}``
of normalised strings (``gateway`` and ``ip_range`` may be ``None``, ``aux_addresses`` is a dict),
the same whether it was built from a task's options or read from ``docker network inspect``.
"""

from __future__ import annotations

import ipaddress


class IpamError(ValueError):
    """A task's addressing options are wrong; the message names the field, the value and the fix."""


def parse_subnet(field: str, value: str, version: int):
    """``value`` as an ``ip_network`` of IP version ``version``, or :class:`IpamError`."""
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise IpamError(
                "%s=%r is not a network in CIDR notation (%s). Write it as an address and a prefix length, "
                "for example %s." % (field, value, exc, "192.168.50.0/24" if version == 4 else "fd00:50::/64")
            ) from None
        raise IpamError(
            "%s=%r has host bits set. Use the network address: %s." % (field, value, loose)
        ) from None
    if network.version != version:
        raise IpamError(
            "%s=%r is an IPv%d network; %s takes an IPv%d network%s."
            % (field, value, network.version, field, version,
               " (put IPv6 networks in subnet_v6)" if version == 4 else " (put IPv4 networks in subnet)")
        )
    return network


def parse_host_address(field: str, value: str, subnet):
    """``value`` as an address that is a usable host of ``subnet``, or :class:`IpamError`."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise IpamError(
            "%s=%r is not an IP address. Give a single address inside %s, without a prefix length."
            % (field, value, subnet)
        ) from None
    if address.version != subnet.version or address not in subnet:
        raise IpamError(
            "%s=%r is outside the subnet %s. Choose an address inside %s, or change the subnet."
            % (field, value, subnet, subnet)
        )
    if subnet.version == 4 and subnet.prefixlen < 31 and address in (subnet.network_address, subnet.broadcast_address):
        raise IpamError(
            "%s=%r is the %s address of %s, which no host can use. Choose an address between %s and %s."
            % (field, value, "network" if address == subnet.network_address else "broadcast", subnet,
               subnet.network_address + 1, subnet.broadcast_address - 1)
        )
    return address


def parse_ip_range(field: str, value: str, subnet):
    """``value`` as a network inside ``subnet``, or :class:`IpamError`."""
    ip_range = parse_subnet(field, value, subnet.version)
    if not ip_range.subnet_of(subnet):
        raise IpamError(
            "%s=%r is not inside the subnet %s. Choose a range inside %s (for example %s), or widen the subnet."
            % (field, value, subnet, subnet, next(subnet.subnets(prefixlen_diff=1)))
        )
    return ip_range


def build_pool(subnet: str, gateway: str | None, ip_range: str | None, aux_addresses: dict | None,
               suffix: str = "", version: int = 4) -> dict:
    """Validate one family's options (named with ``suffix``, such as ``_v6``) and return its pool.

    Raises :class:`IpamError` on the first wrong value.
    """
    network = parse_subnet("subnet" + suffix, subnet, version)
    gateway_address = parse_host_address("gateway" + suffix, gateway, network) if gateway else None
    range_network = parse_ip_range("ip_range" + suffix, ip_range, network) if ip_range else None
    aux = {}
    for aux_name, aux_value in sorted((aux_addresses or {}).items()):
        if not aux_name:
            raise IpamError("aux_addresses has an empty name for %r. Give every reserved address a name." % aux_value)
        aux[aux_name] = parse_host_address("aux_addresses.%s" % aux_name, str(aux_value), network)
    if gateway_address is not None:
        for aux_name, aux_address in aux.items():
            if aux_address == gateway_address:
                raise IpamError(
                    "gateway%s=%r is also reserved as aux_addresses.%s. A reserved address cannot be the "
                    "gateway: remove it from aux_addresses or choose another gateway." % (suffix, gateway, aux_name)
                )
    return dict(
        subnet=str(network),
        gateway=str(gateway_address) if gateway_address is not None else None,
        ip_range=str(range_network) if range_network is not None else None,
        aux_addresses={k: str(v) for k, v in aux.items()},
    )


def pools_from_inspect(ipam: dict | None) -> list[dict]:
    """The normalised pools of a ``docker network inspect`` ``IPAM`` section."""
    pools = []
    for entry in (ipam or {}).get("Config") or []:
        subnet = entry.get("Subnet")
        if not subnet:
            continue
        network = ipaddress.ip_network(subnet, strict=False)
        gateway = entry.get("Gateway") or None
        ip_range = entry.get("IPRange") or None
        pools.append(dict(
            subnet=str(network),
            gateway=str(ipaddress.ip_address(gateway.split("/")[0])) if gateway else None,
            ip_range=str(ipaddress.ip_network(ip_range, strict=False)) if ip_range else None,
            aux_addresses={k: str(ipaddress.ip_address(v)) for k, v in sorted((entry.get("AuxiliaryAddresses") or {}).items())},
        ))
    return sorted(pools, key=lambda pool: (ipaddress.ip_network(pool["subnet"]).version, pool["subnet"]))


def pools_to_ipam_config(pools: list[dict]) -> list[dict]:
    """Pools as the Engine API's ``IPAM.Config`` entries (what ``docker.types.IPAMPool`` makes)."""
    configs = []
    for pool in pools:
        config = dict(Subnet=pool["subnet"])
        if pool["gateway"]:
            config["Gateway"] = pool["gateway"]
        if pool["ip_range"]:
            config["IPRange"] = pool["ip_range"]
        if pool["aux_addresses"]:
            config["AuxiliaryAddresses"] = dict(pool["aux_addresses"])
        configs.append(config)
    return configs


def pool_differences(wanted: list[dict], current: list[dict]) -> list[str]:
    """How ``current`` differs from ``wanted``, as sentences; empty when they match.

    Order does not matter. A wanted gateway of ``None`` means "the engine's choice" and is not compared.
    """
    differences = []
    wanted_by_subnet = {pool["subnet"]: pool for pool in wanted}
    current_by_subnet = {pool["subnet"]: pool for pool in current}
    for subnet in sorted(set(current_by_subnet) - set(wanted_by_subnet)):
        differences.append("subnet %s is configured but not wanted" % subnet)
    for subnet in sorted(set(wanted_by_subnet) - set(current_by_subnet)):
        differences.append("subnet %s is wanted but not configured" % subnet)
    for subnet in sorted(set(wanted_by_subnet) & set(current_by_subnet)):
        want, have = wanted_by_subnet[subnet], current_by_subnet[subnet]
        if want["gateway"] is not None and want["gateway"] != have["gateway"]:
            differences.append("gateway of %s is %s, wanted %s" % (subnet, have["gateway"], want["gateway"]))
        if want["ip_range"] != have["ip_range"]:
            differences.append("ip_range of %s is %s, wanted %s" % (subnet, have["ip_range"], want["ip_range"]))
        if want["aux_addresses"] != have["aux_addresses"]:
            differences.append("aux_addresses of %s are %s, wanted %s" % (subnet, have["aux_addresses"], want["aux_addresses"]))
    return differences


def overlapping_networks(pools: list[dict], others: list[tuple[str, list[str]]]) -> list[tuple[str, str, str]]:
    """``(network name, its subnet, our subnet)`` for each of ``others`` whose subnets overlap ours.

    ``others`` is a list of ``(name, [subnet, ...])``.
    """
    found = []
    ours = [ipaddress.ip_network(pool["subnet"]) for pool in pools]
    for name, subnets in others:
        for subnet in subnets:
            try:
                theirs = ipaddress.ip_network(subnet, strict=False)
            except ValueError:
                continue
            for mine in ours:
                if mine.version == theirs.version and mine.overlaps(theirs):
                    found.append((name, str(theirs), str(mine)))
    return found


def address_fits_pool(address: str, pool: dict) -> str | None:
    """Why a container's ``address`` cannot be kept in ``pool``, or ``None`` when it can."""
    ip = ipaddress.ip_address(address)
    network = ipaddress.ip_network(pool["subnet"])
    if ip.version != network.version or ip not in network:
        return "%s is outside the new subnet %s" % (address, network)
    if pool["gateway"] and ip == ipaddress.ip_address(pool["gateway"]):
        return "%s is the new gateway" % address
    for aux_name, aux_address in pool["aux_addresses"].items():
        if ip == ipaddress.ip_address(aux_address):
            return "%s is reserved as aux_addresses.%s" % (address, aux_name)
    return None
