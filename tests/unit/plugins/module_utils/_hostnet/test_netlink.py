# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink as _netlink


def test_no_netns_means_own_namespace():
    assert _netlink.netns_path(None) is None
    assert _netlink.netns_path("") is None


def test_netns_by_name_and_path(tmp_path, monkeypatch):
    monkeypatch.setattr(_netlink, "NETNS_RUN_DIR", str(tmp_path))
    (tmp_path / "lab1").write_text("")
    assert _netlink.netns_path("lab1") == str(tmp_path / "lab1")
    assert _netlink.netns_path(str(tmp_path / "lab1")) == str(tmp_path / "lab1")


def test_missing_netns_names_it_and_lists_known(tmp_path, monkeypatch):
    monkeypatch.setattr(_netlink, "NETNS_RUN_DIR", str(tmp_path))
    (tmp_path / "other").write_text("")
    with pytest.raises(_netlink.NetnsNotFound) as err:
        _netlink.netns_path("nope")
    assert "'nope' does not exist" in str(err.value)
    assert "other" in str(err.value)
    assert "ip netns add" in str(err.value)


def test_link_not_found_lists_existing():
    exc = _netlink.LinkNotFound("eth9", "lab1", ["lo", "veth0"])
    assert "'eth9'" in str(exc) and "lo, veth0" in str(exc) and "'lab1'" in str(exc)


def test_netlink_error_text():
    assert _netlink.netlink_error_text(_netlink.NetlinkError(1, "x")) == "Operation not permitted (errno 1)"
