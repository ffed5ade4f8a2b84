# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import kernel_support as ks


def test_message_names_the_missing_support_and_module():
    message = ks.missing_support_message("vlan")
    assert message.startswith("the kernel has no 802.1q VLAN support (module 8021q)")
    assert "modprobe 8021q" in message
    assert "ipvlan support (module ipvlan)" in ks.missing_support_message("ipvlan")
    assert ks.missing_support_message("vxlan").startswith("the kernel has no VXLAN support (module vxlan)")


def test_loaded_module_is_supported_without_probing(tmp_path, monkeypatch):
    (tmp_path / "8021q").mkdir()
    monkeypatch.setattr(ks, "probe_link_kind", lambda kind: pytest.fail("probed although loaded"))
    assert ks.link_kind_support("vlan", sys_module_root=str(tmp_path)) == ks.SUPPORTED


@pytest.mark.parametrize("answer, raises", [(ks.SUPPORTED, False), (ks.UNKNOWN, False), (ks.MISSING, True)])
def test_require_link_kind_raises_only_when_certainly_missing(monkeypatch, answer, raises):
    monkeypatch.setattr(ks, "module_loaded", lambda name, root="/sys/module": False)
    asked = []
    monkeypatch.setattr(ks, "probe_link_kind", lambda kind: asked.append(kind) or answer)
    if raises:
        with pytest.raises(ks.KernelSupportMissing) as err:
            ks.require_link_kind("vlan")
        assert "802.1q VLAN support (module 8021q)" in str(err.value)
    else:
        ks.require_link_kind("vlan")
    assert asked == ["vlan"]


@pytest.mark.parametrize("exit_code, answer", [(0, ks.SUPPORTED), (95, ks.MISSING), (1, ks.UNKNOWN), (255, ks.UNKNOWN)])
def test_probe_reads_the_child_exit_code(monkeypatch, exit_code, answer):
    monkeypatch.setattr(ks.os, "fork", lambda: 4242)
    monkeypatch.setattr(ks.os, "waitpid", lambda pid, options: (pid, exit_code << 8))
    assert ks.probe_link_kind("vlan") == answer


@pytest.mark.skipif(os.geteuid() != 0, reason="the probe needs CAP_SYS_ADMIN to make a network namespace")
def test_probe_leaves_nothing_in_the_callers_namespace():
    # Only the probe's own link names are compared: other processes on the machine may add or
    # remove links of their own while this runs.
    probe_names = {ks._PROBE_BASE, ks._PROBE_PEER, ks._PROBE_LINK}  # pylint: disable=protected-access
    assert not probe_names & set(os.listdir("/sys/class/net"))
    assert ks.probe_link_kind("macvlan") in (ks.SUPPORTED, ks.MISSING, ks.UNKNOWN)
    assert not probe_names & set(os.listdir("/sys/class/net"))


def modules_tree(tmp_path, builtin="", dep=""):
    release = tmp_path / "6.1.0-test"
    release.mkdir()
    if builtin is not None:
        (release / "modules.builtin").write_text(builtin)
    if dep is not None:
        (release / "modules.dep").write_text(dep)
    return str(tmp_path), "6.1.0-test"


@pytest.mark.parametrize("builtin, dep, answer", [
    ("kernel/net/8021q/8021q.ko\n", "", True),
    ("", "kernel/net/8021q/8021q.ko.xz: kernel/net/802/garp.ko.xz\n", True),
    ("kernel/drivers/net/macvlan.ko\n", "kernel/drivers/net/ipvlan/ipvlan.ko:\n", False),
    (None, None, None),
])
def test_module_available_reads_the_module_lists(tmp_path, builtin, dep, answer):
    root, release = modules_tree(tmp_path, builtin, dep)
    assert ks.module_available("8021q", root, release) is answer


@pytest.mark.parametrize("available, answer", [(True, ks.SUPPORTED), (False, ks.MISSING), (None, ks.UNKNOWN)])
def test_without_loading_nothing_is_probed(monkeypatch, tmp_path, available, answer):
    monkeypatch.setattr(ks, "probe_link_kind", lambda kind: pytest.fail("probed, which may load a module"))
    monkeypatch.setattr(ks, "module_available", lambda name, root="/lib/modules", release=None: available)
    assert ks.link_kind_support("vlan", sys_module_root=str(tmp_path), may_load=False) == answer
    if answer == ks.MISSING:
        with pytest.raises(ks.KernelSupportMissing):
            ks.require_link_kind("vlan", may_load=False)
