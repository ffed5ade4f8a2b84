# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os
import stat

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import promisc_persistence as pp

try:  # ansible-core 2.19 and later
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # pragma: no cover
    patch_module_args = None

LINK = dict(name="eth1", address="02:00:00:00:00:01", kind="veth")


def write(root, relative, text, mode=0o644):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def module(monkeypatch):
    if patch_module_args is None:
        pytest.skip("needs ansible-core 2.19")
    with patch_module_args({}):
        yield AnsibleModule(argument_spec={})


def plan(root, manager, enabled=True, link=None):
    link = link or LINK
    config = pp.read_config(str(root))
    return pp.plan_change(config, link, manager, enabled)


def apply(root, manager, module, enabled=True, link=None):
    path, changes = plan(root, manager, enabled, link)
    pp.apply_changes(module, changes)
    return path, changes


# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("[Match]\nName=eth1\n", "exact"),
    ("[Match]\nName=eth*\n", "pattern"),
    ("[Match]\nName=eth0 eth1\n", "pattern"),
    ("[Match]\nName=eth0\n", None),
    ("[Match]\nName=!eth1\n", None),
    ("[Match]\nName=!eth0\n", "pattern"),
    ("[Match]\nName=eth0\nName=\nName=eth1\n", "exact"),
    ("[Match]\nName=eth0\nName=eth1\n", "pattern"),
    ("[Match]\nMACAddress=02-00-00-00-00-01\n", "exact"),
    ("[Match]\nMACAddress=02:00:00:00:00:02\n", None),
    ("[Match]\nName=eth1\nKind=vlan\n", None),
    ("[Match]\nName=eth1\nKind=veth\n", "exact"),
    ("[Match]\nType=ether\n", "pattern"),
    ("[Network]\nDHCP=yes\n", "pattern"),
    ("# [Match]\n[Network]\nName=eth1\n", "pattern"),
])
def test_networkd_match(text, expected):
    assert pp.networkd_match(text, LINK) == expected


@pytest.mark.parametrize("text, expected", [
    ("[connection]\nid=a\ninterface-name=eth1\n", True),
    ("[connection]\nid=a\ninterface-name=eth10\n", False),
    ("[connection]\nid=a\n[ethernet]\nmac-address=02:00:00:00:00:01\n", True),
    ("[connection]\nid=a\n[802-3-ethernet]\nmac-address=02:00:00:00:00:01\n", True),
    ("[connection]\nid=a\n[ethernet]\nmac-address=02:00:00:00:00:09\n", False),
    ("[ipv4]\ninterface-name=eth1\n", False),
])
def test_nm_profile_binds(text, expected):
    assert pp.nm_profile_binds(text, LINK) is expected


INTERFACES = """\
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

# the lab NIC
allow-hotplug eth1
iface eth1 inet static
\taddress 192.0.2.1/24

iface eth1 inet6 auto
auto eth2
iface eth2 inet dhcp
"""


def test_ifupdown_stanzas_and_sources():
    assert pp.ifupdown_stanzas(INTERFACES, "eth1") == [(7, 8), (10, 10)]
    assert pp.ifupdown_stanzas(INTERFACES, "eth2") == [(12, 12)]
    assert pp.ifupdown_stanzas(INTERFACES, "eth3") == []
    assert pp.ifupdown_sources(INTERFACES) == [("source", "/etc/network/interfaces.d/*")]


def test_ifupdown_up_line_added_in_stanza_with_its_indent_and_removed():
    added = pp.ifupdown_add_up_line(INTERFACES, (7, 8))
    assert "iface eth1 inet static\n\taddress 192.0.2.1/24\n\tup ip link set dev $IFACE promisc on\n\n" in added
    assert pp.ifupdown_has_up_line(added, pp.ifupdown_stanzas(added, "eth1")[0])
    assert pp.ifupdown_remove_up_line(added) == INTERFACES


def test_ifupdown_append_keeps_one_blank_line():
    assert pp.ifupdown_append("", "X\n") == "X\n"
    assert pp.ifupdown_append("a\n\n\n", "X\n") == "a\n\nX\n"
    assert pp.ifupdown_append("a", "X\n") == "a\n\nX\n"


@pytest.mark.parametrize("text, expected", [
    ("[ethernet]\nmtu=1500\n\n[ipv4]\nmethod=auto\n", "[ethernet]\nmtu=1500\nk=1\n\n[ipv4]\nmethod=auto\n"),
    ("[ethernet]\nk=0\n", "[ethernet]\nk=1\n"),
    ("[802-3-ethernet]\nmtu=1500", "[802-3-ethernet]\nmtu=1500\nk=1\n"),
    ("[connection]\nid=a\n", "[connection]\nid=a\n\n[ethernet]\nk=1\n"),
    ("[connection]\nk=0\n[ethernet]\n", "[connection]\nk=0\n[ethernet]\nk=1\n"),
])
def test_ini_set(text, expected):
    assert pp.ini_set(text, "ethernet", "k", "1", sections=pp.NM_ETHERNET_SECTIONS) == expected


def test_ini_remove_only_in_the_sections():
    text = "[connection]\nk=1\n[ethernet]\nk=1\nmtu=1500\n"
    assert pp.ini_remove(text, pp.NM_ETHERNET_SECTIONS, "k") == "[connection]\nk=1\n[ethernet]\nmtu=1500\n"


def test_nm_profile_uuid_is_stable_per_nic():
    assert pp.nm_profile_uuid("eth1") == pp.nm_profile_uuid("eth1") != pp.nm_profile_uuid("eth2")


# --- choosing the manager ----------------------------------------------------------------------


def config_of(networkd=(), nm=(), ifupdown=(), enabled=()):
    return dict(
        root="/r",
        networkd=dict(files=[dict(name=os.path.basename(p), path=p, text=t) for p, t in networkd],
                      enabled="networkd" in enabled),
        networkmanager=dict(files=[dict(name=os.path.basename(p), path=p, text=t) for p, t in nm],
                            enabled="networkmanager" in enabled),
        ifupdown=dict(files=[dict(path=p, text=t, sources=[]) for p, t in ifupdown], enabled="ifupdown" in enabled),
    )


NETWORKD_ETH1 = ("/r/etc/systemd/network/10-eth1.network", "[Match]\nName=eth1\n")
NM_ETH1 = ("/r/etc/NetworkManager/system-connections/a.nmconnection", "[connection]\ninterface-name=eth1\n")
IFUPDOWN_ETH1 = ("/r/etc/network/interfaces", "iface eth1 inet manual\n")


@pytest.mark.parametrize("config, expected", [
    (config_of(networkd=[NETWORKD_ETH1], enabled=("networkmanager", "ifupdown")), "networkd"),
    (config_of(nm=[NM_ETH1], enabled=("networkd",)), "networkmanager"),
    (config_of(ifupdown=[IFUPDOWN_ETH1]), "ifupdown"),
    (config_of(enabled=("networkmanager",)), "networkmanager"),
    (config_of(networkd=[("/r/x.network", "[Match]\nName=eth0\n")], enabled=("networkd",)), "networkd"),
])
def test_choose_manager_auto(config, expected):
    assert pp.choose_manager(config, LINK) == expected


def test_choose_manager_forced_wins():
    assert pp.choose_manager(config_of(networkd=[NETWORKD_ETH1]), LINK, "ifupdown") == "ifupdown"


def test_choose_manager_two_configure_the_nic():
    with pytest.raises(pp.PersistenceError) as err:
        pp.choose_manager(config_of(networkd=[NETWORKD_ETH1], ifupdown=[IFUPDOWN_ETH1]), LINK)
    msg = str(err.value)
    assert "more than one network manager" in msg
    assert "systemd-networkd (%s)" % NETWORKD_ETH1[0] in msg and "ifupdown (%s)" % IFUPDOWN_ETH1[0] in msg
    assert "persistent_manager" in msg


@pytest.mark.parametrize("enabled, phrase", [
    ((), "none of systemd-networkd, NetworkManager or ifupdown is enabled there"),
    (("networkd", "ifupdown"), "more than one is enabled (systemd-networkd, ifupdown)"),
])
def test_choose_manager_cannot_tell(enabled, phrase):
    with pytest.raises(pp.PersistenceError) as err:
        pp.choose_manager(config_of(enabled=enabled), LINK)
    assert phrase in str(err.value) and "Set persistent_manager" in str(err.value)


def test_read_config_finds_enabled_services(tmp_path):
    (tmp_path / "etc/systemd/system/multi-user.target.wants").mkdir(parents=True)
    os.symlink("/lib/systemd/system/NetworkManager.service",
               tmp_path / "etc/systemd/system/multi-user.target.wants/NetworkManager.service")
    config = pp.read_config(str(tmp_path))
    assert config["networkmanager"]["enabled"] and not config["networkd"]["enabled"]
    assert not config["ifupdown"]["enabled"]
    write(tmp_path, "etc/network/interfaces", "auto lo\n")
    write(tmp_path, "sbin/ifup", "", 0o755)
    assert pp.read_config(str(tmp_path))["ifupdown"]["enabled"]


# --- systemd-networkd --------------------------------------------------------------------------


def test_networkd_dropin_for_the_matching_file_then_nothing(tmp_path, module):
    write(tmp_path, "usr/lib/systemd/network/20-eth1.network", "[Match]\nName=eth1\n")
    write(tmp_path, "etc/systemd/network/99-all.network", "[Match]\nName=*\n")
    path, changes = apply(tmp_path, "networkd", module)
    dropin = tmp_path / "etc/systemd/network/20-eth1.network.d/90-labnet-promisc.conf"
    assert path == str(dropin)
    assert [c.path for c in changes] == [str(dropin)]
    assert dropin.read_text() == pp.render_networkd_dropin("eth1")
    assert stat.S_IMODE(dropin.stat().st_mode) == 0o644
    assert plan(tmp_path, "networkd") == (str(dropin), [])
    path, changes = apply(tmp_path, "networkd", module, enabled=False)
    assert changes[0].after is None and not dropin.parent.exists()
    assert plan(tmp_path, "networkd", enabled=False) == (str(dropin), [])


def test_networkd_etc_file_masks_the_lib_file_of_the_same_name(tmp_path):
    write(tmp_path, "usr/lib/systemd/network/20-eth1.network", "[Match]\nName=eth1\n")
    write(tmp_path, "etc/systemd/network/20-eth1.network", "[Match]\nName=eth0\n")
    path, changes = plan(tmp_path, "networkd")
    assert path.endswith("/etc/systemd/network/90-labnet-promisc-eth1.network")


def test_networkd_file_of_its_own_when_nothing_matches(tmp_path, module):
    write(tmp_path, "etc/systemd/network/10-eth0.network", "[Match]\nName=eth0\n")
    path, changes = apply(tmp_path, "networkd", module)
    own = tmp_path / "etc/systemd/network/90-labnet-promisc-eth1.network"
    assert path == str(own)
    assert own.read_text() == pp.render_networkd_network("eth1")
    assert "[Match]\nName=eth1\n" in own.read_text()
    assert plan(tmp_path, "networkd") == (str(own), [])
    apply(tmp_path, "networkd", module, enabled=False)
    assert not own.exists()


def test_networkd_own_file_goes_once_the_nic_has_a_file_of_its_own(tmp_path, module):
    apply(tmp_path, "networkd", module)
    write(tmp_path, "etc/systemd/network/10-eth1.network", "[Match]\nName=eth1\n")
    path, changes = apply(tmp_path, "networkd", module)
    assert [(os.path.basename(c.path), c.after is None) for c in changes] == [
        ("90-labnet-promisc-eth1.network", True), ("90-labnet-promisc.conf", False)]
    assert path.endswith("10-eth1.network.d/90-labnet-promisc.conf")


def test_networkd_refuses_a_pattern_match(tmp_path):
    write(tmp_path, "etc/systemd/network/10-en.network", "[Match]\nName=eth*\n")
    with pytest.raises(pp.PersistenceError) as err:
        plan(tmp_path, "networkd")
    assert "10-en.network matches NIC 'eth1' by a pattern" in str(err.value)
    assert plan(tmp_path, "networkd", enabled=False)[1] == []


# --- NetworkManager ----------------------------------------------------------------------------


def test_nm_profiles_bound_to_the_nic_get_the_key(tmp_path, module):
    a = write(tmp_path, "etc/NetworkManager/system-connections/a.nmconnection",
              "[connection]\nid=a\ninterface-name=eth1\n\n[ethernet]\nmtu=9000\n\n[ipv4]\nmethod=auto\n", 0o600)
    b = write(tmp_path, "etc/NetworkManager/system-connections/b.nmconnection",
              "[connection]\nid=b\n\n[ethernet]\nmac-address=02:00:00:00:00:01\n", 0o600)
    other = write(tmp_path, "etc/NetworkManager/system-connections/c.nmconnection",
                  "[connection]\nid=c\ninterface-name=eth0\n", 0o600)
    path, changes = apply(tmp_path, "networkmanager", module)
    assert path == str(a)
    assert "[ethernet]\nmtu=9000\naccept-all-mac-addresses=1\n\n[ipv4]" in a.read_text()
    assert b.read_text().endswith("mac-address=02:00:00:00:00:01\naccept-all-mac-addresses=1\n")
    assert "accept" not in other.read_text()
    assert stat.S_IMODE(a.stat().st_mode) == 0o600
    assert plan(tmp_path, "networkmanager")[1] == []
    apply(tmp_path, "networkmanager", module, enabled=False)
    assert a.read_text() == "[connection]\nid=a\ninterface-name=eth1\n\n[ethernet]\nmtu=9000\n\n[ipv4]\nmethod=auto\n"


def test_nm_profile_of_its_own_is_private(tmp_path, module):
    path, changes = apply(tmp_path, "networkmanager", module)
    own = tmp_path / "etc/NetworkManager/system-connections/labnet-promisc-eth1.nmconnection"
    assert path == str(own)
    assert stat.S_IMODE(own.stat().st_mode) == 0o600
    text = own.read_text()
    assert "interface-name=eth1\n" in text and "accept-all-mac-addresses=1\n" in text
    assert "uuid=%s\n" % pp.nm_profile_uuid("eth1") in text
    assert plan(tmp_path, "networkmanager")[1] == []
    apply(tmp_path, "networkmanager", module, enabled=False)
    assert not own.exists()


# --- ifupdown ----------------------------------------------------------------------------------


def test_ifupdown_line_in_the_existing_stanza(tmp_path, module):
    interfaces = write(tmp_path, "etc/network/interfaces", INTERFACES)
    path, changes = apply(tmp_path, "ifupdown", module)
    assert path == str(interfaces)
    assert "\taddress 192.0.2.1/24\n\tup ip link set dev $IFACE promisc on\n" in interfaces.read_text()
    assert plan(tmp_path, "ifupdown")[1] == []
    apply(tmp_path, "ifupdown", module, enabled=False)
    assert interfaces.read_text() == INTERFACES


def test_ifupdown_stanza_in_a_sourced_file_is_found(tmp_path, module):
    write(tmp_path, "etc/network/interfaces", "source-directory interfaces.d\n")
    lab = write(tmp_path, "etc/network/interfaces.d/lab", "iface eth1 inet manual\n")
    write(tmp_path, "etc/network/interfaces.d/skipped.cfg", "iface eth1 inet dhcp\n")  # not read: has a dot
    path, changes = apply(tmp_path, "ifupdown", module)
    assert path == str(lab)
    assert lab.read_text() == "iface eth1 inet manual\n    up ip link set dev $IFACE promisc on\n"


def test_ifupdown_stanza_of_its_own_in_a_sourced_directory(tmp_path, module):
    write(tmp_path, "etc/network/interfaces", "source /etc/network/interfaces.d/*\n")
    path, changes = apply(tmp_path, "ifupdown", module, link=dict(LINK, name="eth1.5"))
    own = tmp_path / "etc/network/interfaces.d/labnet-promisc-eth1_5"
    assert path == str(own)
    assert "allow-hotplug eth1.5\niface eth1.5 inet manual\n" in own.read_text()
    assert plan(tmp_path, "ifupdown", link=dict(LINK, name="eth1.5"))[1] == []
    apply(tmp_path, "ifupdown", module, enabled=False, link=dict(LINK, name="eth1.5"))
    assert not own.exists()


def test_ifupdown_stanza_appended_when_nothing_is_sourced(tmp_path, module):
    interfaces = write(tmp_path, "etc/network/interfaces", "auto lo\niface lo inet loopback\n")
    path, changes = apply(tmp_path, "ifupdown", module)
    assert path == str(interfaces)
    assert interfaces.read_text() == "auto lo\niface lo inet loopback\n\n" + pp.render_ifupdown_stanza("eth1")
    assert plan(tmp_path, "ifupdown")[1] == []


# --- writing -----------------------------------------------------------------------------------


def test_apply_keeps_the_mode_of_an_existing_file(tmp_path, module):
    target = write(tmp_path, "f", "old\n", 0o640)
    pp.apply_changes(module, [pp.FileChange(str(target), "old\n", "new\n", 0o600)])
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["f"]


def test_check_writable_names_the_directory(tmp_path, monkeypatch):
    monkeypatch.setattr(pp.os, "access", lambda path, mode: False)
    with pytest.raises(pp.PersistenceError) as err:
        pp.check_writable([pp.FileChange(str(tmp_path / "a/b/c"), None, "x")])
    assert "directory %s is not writable" % tmp_path in str(err.value)


def test_file_change_diff_headers():
    diff = pp.FileChange("/etc/x", None, "new\n").diff()
    assert diff == dict(before_header="/etc/x (absent)", after_header="/etc/x", before="", after="new\n")


@pytest.mark.parametrize("section, key, secret", [
    ("wifi-security", "psk", True),
    ("802-11-wireless-security", "wep-key0", True),
    ("802-11-wireless-security", "wep-key-type", False),
    ("802-11-wireless-security", "leap-password", True),
    ("802-1x", "password", True),
    ("802-1x", "password-raw", True),
    ("802-1x", "private-key-password", True),
    ("802-1x", "phase2-private-key-password", True),
    ("802-1x", "password-flags", False),
    ("802-1x", "identity", False),
    ("gsm", "pin", True),
    ("wireguard", "private-key", True),
    ("wireguard-peer.abc", "preshared-key", True),
    ("macsec", "mka-cak", True),
    ("vpn-secrets", "anything", True),
    ("ethernet", "mac-address", False),
    ("connection", "id", False),
])
def test_is_secret_key(section, key, secret):
    assert pp.is_secret_key(section, key) is secret


def test_mask_secrets_keeps_everything_but_the_values():
    text = ("[wifi-security]\nkey-mgmt=wpa-psk\npsk = hunter2\n# psk=comment stays\n\n[802-1x]\r\npassword=p=a=s\r\n"
            "[ethernet]\naccept-all-mac-addresses=1")
    assert pp.mask_secrets(text) == (
        "[wifi-security]\nkey-mgmt=wpa-psk\npsk =********\n# psk=comment stays\n\n[802-1x]\r\npassword=********\r\n"
        "[ethernet]\naccept-all-mac-addresses=1")
    assert pp.mask_secrets(None) is None


def test_mask_secrets_in_ifupdown_stanzas():
    text = "iface wlan0 inet dhcp\n    wpa-ssid office\n    wpa-psk 0123456789abcdef\n    up ip link set dev $IFACE promisc on\n"
    assert pp.mask_secrets(text) == (
        "iface wlan0 inet dhcp\n    wpa-ssid office\n    wpa-psk ********\n    up ip link set dev $IFACE promisc on\n")


def test_file_change_diff_masks_unless_asked():
    change = pp.FileChange("/etc/NetworkManager/system-connections/a.nmconnection", "[wifi-security]\npsk=s3cret\n",
                           "[wifi-security]\npsk=s3cret\n[ethernet]\naccept-all-mac-addresses=1\n")
    assert "s3cret" not in repr(change.diff())
    assert change.diff(show_secrets=True)["after"].startswith("[wifi-security]\npsk=s3cret\n")
