# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.ifname import IFNAME_MAX, is_interface_name
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.underlay import (
    CHAIN_MAX,
    UnderlayError,
    chain_name,
    check_settings,
    firewall_rules,
    link_name,
    pick_address,
    probe_name,
)


@pytest.mark.parametrize("candidates, address, source", [
    ({"address": "192.0.2.7", "ansible_host": "198.51.100.1", "default_route": "203.0.113.1"}, "192.0.2.7", "lab_underlay_address"),
    ({"address": "", "ansible_host": "198.51.100.1", "default_route": "203.0.113.1"}, "198.51.100.1", "ansible_host"),
    ({"ansible_host": "labhost1", "default_route": "203.0.113.1"}, "203.0.113.1", "the address of the default-route NIC"),
    ({"ansible_host": "127.0.0.1", "default_route": "203.0.113.1"}, "203.0.113.1", "the address of the default-route NIC"),
    ({"ansible_host": "2001:db8::5"}, "2001:db8::5", "ansible_host"),
])
def test_pick_address_order(candidates, address, source):
    assert pick_address("h1", candidates) == (address, source)


def test_pick_address_refuses_a_name_as_lab_underlay_address():
    with pytest.raises(UnderlayError, match=r"lab_underlay_address='labhost1' of host h1 is not an IP address"):
        pick_address("h1", {"address": "labhost1", "default_route": "203.0.113.1"})


@pytest.mark.parametrize("candidates", [None, {}, {"ansible_host": "box.example", "default_route": ""}])
def test_pick_address_without_any_names_the_host_and_the_fix(candidates):
    with pytest.raises(UnderlayError, match=r"host h2 has no underlay address.*Set lab_underlay_address for h2"):
        pick_address("h2", candidates)


@pytest.mark.parametrize("vni, port, mtu, message", [
    (None, None, None, r"vni=None is not a VXLAN network identifier"),
    (0, None, None, r"vni=0"),
    (16777216, None, None, r"vni=16777216"),
    (True, None, None, r"vni=True"),
    ("100", None, None, r"vni='100'"),
    (100, 0, None, r"port=0 is not a UDP port"),
    (100, 70000, None, r"port=70000"),
    (100, 4789, 60, r"mtu=60 is not an MTU of 68 or more"),
])
def test_check_settings_refuses(vni, port, mtu, message):
    with pytest.raises(UnderlayError, match=r"^network 'lan': " + message):
        check_settings("network 'lan'", vni, port, mtu)


def test_check_settings_defaults_the_port():
    assert check_settings("n", 100, None, None) == (100, 4789, None)
    assert check_settings("n", 16777215, 8472, 1400) == (16777215, 8472, 1400)


@pytest.mark.parametrize("lab, vni", [("lab", 100), ("molvx", 4242), ("a-very-long-lab-name", 16777215), ("x" * 40, 1)])
def test_link_name_fits_an_interface_name_and_keeps_the_vni(lab, vni):
    name = link_name(lab, vni)
    assert len(name) <= IFNAME_MAX and is_interface_name(name)
    assert name.endswith("-vx%d" % vni) or name.endswith("-vx%x" % vni)


def test_link_name_is_plain_when_it_fits_and_unique_per_lab_when_hashed():
    assert link_name("lab", 100) == "lab-vx100"
    assert link_name("longlabname-one", 100) != link_name("longlabname-two", 100)
    assert link_name("a-very-long-lab-name", 16777215).endswith("-vxffffff")


def test_chain_name():
    assert chain_name("molvx") == "LABVX-molvx"
    long_names = {chain_name("lab-%s-%s" % ("x" * 30, i)) for i in range(3)}
    assert len(long_names) == 3 and all(len(n) <= CHAIN_MAX for n in long_names)


def test_firewall_rules_are_written_as_iptables_prints_them():
    rules = firewall_rules("LABVX-lab", [4789, 8472, 4789], ["192.0.2.2", "2001:db8::3", "192.0.2.3"])
    assert rules == dict(
        chain="LABVX-lab", ports=[4789, 8472], peers=["192.0.2.2", "192.0.2.3"],
        jumps=["-A INPUT -p udp -m udp --dport 4789 -j LABVX-lab", "-A INPUT -p udp -m udp --dport 8472 -j LABVX-lab"],
        rules=["-A LABVX-lab -s 192.0.2.2/32 -j ACCEPT", "-A LABVX-lab -s 192.0.2.3/32 -j ACCEPT", "-A LABVX-lab -j DROP"],
    )


def test_probe_name():
    assert probe_name("lab", 0) == "lab-pb0"
    long_name = probe_name("a-very-long-lab-name", 12)
    assert len(long_name) <= IFNAME_MAX and long_name.endswith("-pb12") and is_interface_name(long_name)
