# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker import ipam_plan as plan


def pool(subnet, gateway=None, ip_range=None, aux=None):
    return dict(subnet=subnet, gateway=gateway, ip_range=ip_range, aux_addresses=aux or {})


def test_build_pool_normalises():
    assert plan.build_pool("192.168.50.0/24", "192.168.50.1", "192.168.50.128/25", {"r": "192.168.50.2"}) == pool(
        "192.168.50.0/24", "192.168.50.1", "192.168.50.128/25", {"r": "192.168.50.2"})
    assert plan.build_pool("fd00:50:0:0::/64", "fd00:50::0001", None, None, suffix="_v6", version=6) == pool(
        "fd00:50::/64", "fd00:50::1")


@pytest.mark.parametrize("args, message", [
    (("10.0.0.0/33", None, None, None), "subnet='10.0.0.0/33' is not a network in CIDR notation"),
    (("ten/8", None, None, None), "subnet='ten/8' is not a network in CIDR notation"),
    (("10.0.0.5/24", None, None, None), "subnet='10.0.0.5/24' has host bits set. Use the network address: 10.0.0.0/24."),
    (("fd00::/64", None, None, None), "subnet='fd00::/64' is an IPv6 network; subnet takes an IPv4 network"),
    (("10.0.0.0/24", "10.0.1.1", None, None), "gateway='10.0.1.1' is outside the subnet 10.0.0.0/24"),
    (("10.0.0.0/24", "10.0.0.0", None, None), "gateway='10.0.0.0' is the network address of 10.0.0.0/24"),
    (("10.0.0.0/24", "10.0.0.255", None, None), "Choose an address between 10.0.0.1 and 10.0.0.254"),
    (("10.0.0.0/24", "gw", None, None), "gateway='gw' is not an IP address"),
    (("10.0.0.0/24", "fd00::1", None, None), "gateway='fd00::1' is outside the subnet 10.0.0.0/24"),
    (("10.0.0.0/24", None, "10.0.0.0/23", None), "ip_range='10.0.0.0/23' is not inside the subnet 10.0.0.0/24"),
    (("10.0.0.0/24", None, "10.0.0.1/25", None), "ip_range='10.0.0.1/25' has host bits set"),
    (("10.0.0.0/24", None, None, {"r": "10.0.9.2"}), "aux_addresses.r='10.0.9.2' is outside the subnet 10.0.0.0/24"),
    (("10.0.0.0/24", None, None, {"": "10.0.0.2"}), "aux_addresses has an empty name"),
    (("10.0.0.0/24", "10.0.0.2", None, {"r": "10.0.0.2"}), "gateway='10.0.0.2' is also reserved as aux_addresses.r"),
])
def test_build_pool_errors_name_field_value_and_fix(args, message):
    with pytest.raises(plan.IpamError) as err:
        plan.build_pool(*args)
    assert message in str(err.value)


def test_v6_errors_use_the_v6_field_names():
    with pytest.raises(plan.IpamError) as err:
        plan.build_pool("10.0.0.0/24", None, None, None, suffix="_v6", version=6)
    assert "subnet_v6='10.0.0.0/24' is an IPv4 network; subnet_v6 takes an IPv6 network" in str(err.value)


def test_point_to_point_subnets_have_no_network_or_broadcast_address():
    assert plan.build_pool("10.0.0.0/31", "10.0.0.0", None, None)["gateway"] == "10.0.0.0"


def test_pools_from_inspect_normalise_and_sort():
    ipam = {"Config": [
        {"Subnet": "fd00:50:0::/64", "Gateway": "fd00:50::0001"},
        {"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1/24", "IPRange": "10.0.0.128/25", "AuxiliaryAddresses": {"b": "10.0.0.3", "a": "10.0.0.2"}},
        {"Gateway": "ignored without subnet"},
    ]}
    assert plan.pools_from_inspect(ipam) == [
        pool("10.0.0.0/24", "10.0.0.1", "10.0.0.128/25", {"a": "10.0.0.2", "b": "10.0.0.3"}),
        pool("fd00:50::/64", "fd00:50::1"),
    ]
    assert plan.pools_from_inspect(None) == [] and plan.pools_from_inspect({"Config": None}) == []


def test_pools_to_ipam_config_round_trips():
    pools = [pool("10.0.0.0/24", "10.0.0.1", "10.0.0.128/25", {"a": "10.0.0.2"}), pool("fd00::/64")]
    config = plan.pools_to_ipam_config(pools)
    assert config == [
        {"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1", "IPRange": "10.0.0.128/25", "AuxiliaryAddresses": {"a": "10.0.0.2"}},
        {"Subnet": "fd00::/64"},
    ]
    assert plan.pools_from_inspect({"Config": config}) == pools


@pytest.mark.parametrize("wanted, current, differences", [
    ([pool("10.0.0.0/24", "10.0.0.1")], [pool("10.0.0.0/24", "10.0.0.1")], []),
    ([pool("10.0.0.0/24")], [pool("10.0.0.0/24", "10.0.0.254")], []),
    ([pool("10.0.0.0/24", "10.0.0.1")], [pool("10.0.0.0/24")], ["gateway of 10.0.0.0/24 is None, wanted 10.0.0.1"]),
    ([pool("10.0.0.0/24")], [pool("10.0.0.0/24", ip_range="10.0.0.0/25")], ["ip_range of 10.0.0.0/24 is 10.0.0.0/25, wanted None"]),
    ([pool("10.0.0.0/24", aux={"a": "10.0.0.2"})], [pool("10.0.0.0/24")], ["aux_addresses of 10.0.0.0/24 are {}, wanted {'a': '10.0.0.2'}"]),
    ([pool("10.0.1.0/24")], [pool("10.0.0.0/24")], ["subnet 10.0.0.0/24 is configured but not wanted", "subnet 10.0.1.0/24 is wanted but not configured"]),
    ([pool("10.0.0.0/24"), pool("fd00::/64")], [pool("fd00::/64"), pool("10.0.0.0/24")], []),
])
def test_pool_differences(wanted, current, differences):
    assert plan.pool_differences(wanted, current) == differences


def test_overlapping_networks_names_each_overlap_of_the_same_family():
    others = [("a", ["10.0.0.128/25"]), ("b", ["10.0.1.0/24"]), ("c", ["fd00::/48", "garbage"]), ("d", [])]
    found = plan.overlapping_networks([pool("10.0.0.0/24"), pool("fd00::/64")], others)
    assert found == [("a", "10.0.0.128/25", "10.0.0.0/24"), ("c", "fd00::/48", "fd00::/64")]


@pytest.mark.parametrize("address, reason", [
    ("10.0.0.9", None),
    ("10.0.1.9", "10.0.1.9 is outside the new subnet 10.0.0.0/24"),
    ("10.0.0.1", "10.0.0.1 is the new gateway"),
    ("10.0.0.2", "10.0.0.2 is reserved as aux_addresses.r"),
])
def test_address_fits_pool(address, reason):
    assert plan.address_fits_pool(address, pool("10.0.0.0/24", "10.0.0.1", None, {"r": "10.0.0.2"})) == reason
