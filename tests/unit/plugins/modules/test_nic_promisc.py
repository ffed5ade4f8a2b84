# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import errno

import pytest
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink as _netlink
from ansible_collections.labnet.docker.plugins.modules import nic_promisc
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, ModuleFail, run_module

IFF_UP = 0x1
IFF_PROMISC = 0x100


class KernelLinks:
    """Stands in for pyroute2's IPRoute at the factory: links with a flag and a counter, as the kernel keeps them."""

    def __init__(self, links, set_error=None):
        self.links = {index: dict(link, index=index) for index, link in enumerate(links, start=1)}
        self.set_error = set_error
        self.set_calls = []
        self.closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True

    def _message(self, link):
        msg = ifinfmsg()
        msg["index"] = link["index"]
        msg["flags"] = link["flags"]
        msg["attrs"] = [
            ("IFLA_IFNAME", link["name"]),
            ("IFLA_PROMISCUITY", link["promiscuity"]),
            ("IFLA_OPERSTATE", "UP"),
            ("IFLA_MTU", 1500),
            ("IFLA_ADDRESS", link.get("address", "02:00:00:00:00:01")),
        ]
        return msg

    def link_lookup(self, ifname):
        return [i for i, link in self.links.items() if link["name"] == ifname]

    def get_links(self, *indexes):
        chosen = indexes or tuple(self.links)
        return [self._message(self.links[i]) for i in chosen]

    def link(self, command, index, flags, change):
        self.set_calls.append(dict(command=command, index=index, flags=flags, change=change))
        if self.set_error:
            raise self.set_error
        link = self.links[index]
        was = bool(link["flags"] & IFF_PROMISC)
        now = bool(flags & change & IFF_PROMISC)
        link["flags"] = (link["flags"] & ~change) | (flags & change)
        link["promiscuity"] += int(now) - int(was)


def lab_links(promisc=False, promiscuity=None):
    flags = IFF_UP | (IFF_PROMISC if promisc else 0)
    return KernelLinks([
        dict(name="lo", flags=IFF_UP, promiscuity=0),
        dict(name="eth1", flags=flags, promiscuity=int(promisc) if promiscuity is None else promiscuity),
    ])


@pytest.fixture
def netns_dir(tmp_path, monkeypatch):
    run_dir = tmp_path / "netns"
    run_dir.mkdir()
    (run_dir / "lab1").write_text("")
    monkeypatch.setattr(_netlink, "NETNS_RUN_DIR", str(run_dir))
    return run_dir


def use_kernel(monkeypatch, kernel):
    opened = []

    def factory(path=None):
        opened.append(path)
        if isinstance(kernel, Exception):
            raise kernel
        return kernel

    monkeypatch.setattr(_netlink, "make_iproute", factory)
    return opened


def test_enable_sets_the_flag_and_reports_the_counter(monkeypatch, netns_dir):
    kernel = lab_links()
    opened = use_kernel(monkeypatch, kernel)
    result = run_module(nic_promisc.main, {"name": "eth1", "netns": "lab1", "_ansible_diff": True}, monkeypatch)
    assert isinstance(result, ModuleExit)
    out = result.result
    assert out["changed"] is True
    assert (out["name"], out["ifindex"], out["promisc"], out["promiscuity"]) == ("eth1", 2, True, 1)
    assert out["operstate"] == "UP"
    assert out["netns"] == str(netns_dir / "lab1")
    assert opened == [str(netns_dir / "lab1")]
    assert kernel.set_calls == [dict(command="set", index=2, flags=IFF_PROMISC, change=IFF_PROMISC)]
    assert out["diff"][0]["before"] == "promisc: false\n" and out["diff"][0]["after"] == "promisc: true\n"
    assert "persistent_path" not in out
    assert kernel.closed


def test_enable_again_changes_nothing(monkeypatch):
    kernel = lab_links(promisc=True)
    use_kernel(monkeypatch, kernel)
    result = run_module(nic_promisc.main, {"name": "eth1"}, monkeypatch)
    assert result.result["changed"] is False
    assert result.result["promisc"] is True
    assert result.result["netns"] is None
    assert kernel.set_calls == []


@pytest.mark.parametrize("state, promisc, promiscuity, predicted", [
    ("enabled", False, 0, (True, 1)),
    ("enabled", False, 2, (True, 3)),
    ("disabled", True, 1, (False, 0)),
    ("disabled", True, 3, (False, 2)),
])
def test_check_mode_predicts_and_changes_nothing(monkeypatch, state, promisc, promiscuity, predicted):
    kernel = lab_links(promisc=promisc, promiscuity=promiscuity)
    use_kernel(monkeypatch, kernel)
    result = run_module(nic_promisc.main, {"name": "eth1", "state": state, "_ansible_check_mode": True}, monkeypatch)
    out = result.result
    assert out["changed"] is True
    assert (out["promisc"], out["promiscuity"]) == predicted
    assert kernel.set_calls == []
    assert kernel.links[2]["promiscuity"] == promiscuity


def test_disable_clears_only_the_flag(monkeypatch):
    kernel = lab_links(promisc=True, promiscuity=2)  # the flag and one packet socket
    use_kernel(monkeypatch, kernel)
    out = run_module(nic_promisc.main, {"name": "eth1", "state": "disabled"}, monkeypatch).result
    assert out["changed"] is True
    assert (out["promisc"], out["promiscuity"]) == (False, 1)
    assert kernel.set_calls == [dict(command="set", index=2, flags=0, change=IFF_PROMISC)]


def test_counter_without_flag_is_not_promisc(monkeypatch):
    kernel = lab_links(promisc=False, promiscuity=1)
    use_kernel(monkeypatch, kernel)
    out = run_module(nic_promisc.main, {"name": "eth1", "state": "disabled"}, monkeypatch).result
    assert out["changed"] is False
    assert (out["promisc"], out["promiscuity"]) == (False, 1)
    assert kernel.set_calls == []


def test_missing_nic_lists_the_nics_there(monkeypatch, netns_dir):
    use_kernel(monkeypatch, lab_links())
    result = run_module(nic_promisc.main, {"name": "eth9", "netns": "lab1"}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("name: Interface 'eth9' does not exist in network namespace 'lab1'")
    assert "eth1, lo" in result.result["msg"]
    assert result.result["existing"] == ["eth1", "lo"]


def test_missing_netns_fails_before_opening_netlink(monkeypatch, netns_dir):
    opened = use_kernel(monkeypatch, lab_links())
    result = run_module(nic_promisc.main, {"name": "eth1", "netns": "gone"}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("netns: Network namespace 'gone' does not exist")
    assert "lab1" in result.result["msg"]
    assert opened == []


@pytest.mark.parametrize("name", ["", "a" * 16, "eth 1", "eth/1", "eth1:0", ".."])
def test_invalid_names_fail_before_netlink(monkeypatch, name):
    opened = use_kernel(monkeypatch, lab_links())
    result = run_module(nic_promisc.main, {"name": name}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("name: %r is not a valid interface name" % name)
    assert opened == []


@pytest.mark.parametrize("code", [errno.EPERM, errno.EACCES])
def test_permission_denied_on_set_names_the_capability(monkeypatch, code):
    kernel = lab_links()
    kernel.set_error = _netlink.NetlinkError(code, "denied")
    use_kernel(monkeypatch, kernel)
    result = run_module(nic_promisc.main, {"name": "eth1"}, monkeypatch)
    msg = result.result["msg"]
    assert msg.startswith("Permission denied while trying to switch promiscuous mode on for 'eth1'")
    assert "CAP_NET_ADMIN" in msg and "become: true" in msg and "(errno %d)" % code in msg


def test_permission_denied_entering_netns(monkeypatch, netns_dir):
    use_kernel(monkeypatch, PermissionError(errno.EPERM, "failed to open netns"))
    result = run_module(nic_promisc.main, {"name": "eth1", "netns": "lab1"}, monkeypatch)
    msg = result.result["msg"]
    assert msg.startswith("Permission denied while trying to open the network namespace holding 'eth1'")
    assert "'lab1'" in msg


def test_other_netlink_error_names_action_and_errno(monkeypatch):
    kernel = lab_links()
    kernel.set_error = _netlink.NetlinkError(errno.EBUSY, "busy")
    use_kernel(monkeypatch, kernel)
    result = run_module(nic_promisc.main, {"name": "eth1"}, monkeypatch)
    assert result.result["msg"] == (
        "Could not switch promiscuous mode on for 'eth1' in the host's namespace: Device or resource busy (errno 16).")


def test_persistent_in_netns_needs_another_root(monkeypatch, netns_dir):
    opened = use_kernel(monkeypatch, lab_links())
    result = run_module(nic_promisc.main, {"name": "eth1", "netns": "lab1", "persistent": True}, monkeypatch)
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("persistent: the managed host's own network configuration")
    assert "persistent_root" in result.result["msg"]
    assert opened == []


def test_persistent_root_must_be_a_directory(monkeypatch, tmp_path):
    use_kernel(monkeypatch, lab_links())
    root = str(tmp_path / "missing")
    result = run_module(nic_promisc.main, {"name": "eth1", "persistent": True, "persistent_root": root}, monkeypatch)
    assert result.result["msg"].startswith("persistent_root: %r is not a directory" % root)


def networkd_root(tmp_path):
    network = tmp_path / "etc/systemd/network"
    network.mkdir(parents=True)
    (network / "10-eth1.network").write_text("[Match]\nName=eth1\n")
    return tmp_path


def test_persistent_check_mode_writes_nothing(monkeypatch, tmp_path):
    root = networkd_root(tmp_path)
    kernel = lab_links(promisc=True)
    use_kernel(monkeypatch, kernel)
    args = {"name": "eth1", "persistent": True, "persistent_root": str(root), "_ansible_check_mode": True,
            "_ansible_diff": True}
    out = run_module(nic_promisc.main, args, monkeypatch).result
    dropin = root / "etc/systemd/network/10-eth1.network.d/90-labnet-promisc.conf"
    assert out["changed"] is True and out["persistent_changed"] is True
    assert out["persistent_manager"] == "networkd"
    assert out["persistent_path"] == str(dropin)
    assert "Promiscuous=yes" in out["diff"][1]["after"] and out["diff"][1]["before"] == ""
    assert not dropin.parent.exists()


def test_persistent_writes_once(monkeypatch, tmp_path):
    root = networkd_root(tmp_path)
    use_kernel(monkeypatch, lab_links(promisc=True))
    args = {"name": "eth1", "persistent": True, "persistent_root": str(root)}
    first = run_module(nic_promisc.main, args, monkeypatch).result
    dropin = root / "etc/systemd/network/10-eth1.network.d/90-labnet-promisc.conf"
    assert first["changed"] is True
    assert dropin.read_text().endswith("[Link]\nPromiscuous=yes\n")
    second = run_module(nic_promisc.main, args, monkeypatch).result
    assert second["changed"] is False and second["persistent_changed"] is False
    assert second["persistent_path"] == str(dropin)


def test_persistent_problem_fails_before_the_flag_changes(monkeypatch, tmp_path):
    network = tmp_path / "etc/systemd/network"
    network.mkdir(parents=True)
    (network / "10-all.network").write_text("[Match]\nName=eth*\n")
    kernel = lab_links()
    use_kernel(monkeypatch, kernel)
    result = run_module(nic_promisc.main, {"name": "eth1", "persistent": True, "persistent_root": str(tmp_path)},
                        monkeypatch)
    assert isinstance(result, ModuleFail)
    assert "matches NIC 'eth1' by a pattern" in result.result["msg"]
    assert kernel.set_calls == []


WIFI_PROFILE = (
    "[connection]\nid=office\ntype=ethernet\ninterface-name=eth1\n\n"
    "[ethernet]\nmtu=1500\n\n"
    "[802-1x]\neap=peap;\nidentity=alice\npassword=Sup3r-Secret\npassword-flags=0\n"
    "private-key-password=KeyPass-42\n\n"
    "[wifi-security]\nkey-mgmt=wpa-psk\npsk=WifiKey-99\n\n"
    "[vpn-secrets]\ntoken=Vpn-Token-7\n"
)
SECRETS = ("Sup3r-Secret", "KeyPass-42", "WifiKey-99", "Vpn-Token-7")


def networkmanager_root(tmp_path):
    connections = tmp_path / "etc/NetworkManager/system-connections"
    connections.mkdir(parents=True)
    profile = connections / "office.nmconnection"
    profile.write_text(WIFI_PROFILE)
    profile.chmod(0o600)
    return tmp_path, profile


@pytest.mark.parametrize("check_mode", [True, False])
def test_keyfile_secrets_are_masked_in_the_diff_and_kept_in_the_file(monkeypatch, tmp_path, check_mode):
    root, profile = networkmanager_root(tmp_path)
    use_kernel(monkeypatch, lab_links())
    args = {"name": "eth1", "persistent": True, "persistent_root": str(root), "_ansible_diff": True,
            "_ansible_check_mode": check_mode}
    out = run_module(nic_promisc.main, args, monkeypatch).result
    assert out["persistent_manager"] == "networkmanager" and out["persistent_path"] == str(profile)
    file_diff = out["diff"][1]
    shown = file_diff["before"] + file_diff["after"] + repr(out)
    assert not [secret for secret in SECRETS if secret in shown]
    assert "psk=********\n" in file_diff["after"] and "password=********\n" in file_diff["before"]
    assert "password-flags=0\n" in file_diff["after"] and "identity=alice\n" in file_diff["after"]
    assert "accept-all-mac-addresses=1\n" in file_diff["after"]
    written = profile.read_text()
    if check_mode:
        assert written == WIFI_PROFILE
    else:
        assert all(secret in written for secret in SECRETS) and "accept-all-mac-addresses=1\n" in written


def test_show_secrets_shows_them_in_the_diff(monkeypatch, tmp_path):
    root, _profile = networkmanager_root(tmp_path)
    use_kernel(monkeypatch, lab_links())
    args = {"name": "eth1", "persistent": True, "persistent_root": str(root), "_ansible_diff": True,
            "_ansible_check_mode": True, "show_secrets": True}
    out = run_module(nic_promisc.main, args, monkeypatch).result
    assert all(secret in out["diff"][1]["after"] for secret in SECRETS)
