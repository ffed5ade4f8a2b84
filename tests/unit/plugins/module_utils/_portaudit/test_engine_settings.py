# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import json

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import engine_settings as es


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["dockerd"], {}),
        (["/usr/sbin/dockerd", "--userland-proxy=false"], {"userland-proxy": False}),
        (["dockerd", "--userland-proxy"], {"userland-proxy": True}),
        (["dockerd", "--iptables=0", "--ip-forward=true"], {"iptables": False, "ip-forward": True}),
        (["dockerd", "--config-file", "/x/d.json"], {"config-file": "/x/d.json"}),
        (["dockerd", "--config-file=/x/d.json", "-D"], {"config-file": "/x/d.json"}),
        (["dockerd", "--cgroup-parent", "inner", "--host", "unix:///s"], {"cgroup-parent": "inner", "host": "unix:///s"}),
    ],
)
def test_parse_dockerd_args(argv, expected):
    assert es.parse_dockerd_args(argv) == expected


def test_cmdline_wins_over_daemon_json():
    merged = es.merge_engine_settings(["dockerd", "--userland-proxy=true"], {"userland-proxy": False, "iptables": False})
    assert merged["userland-proxy"] is True
    assert merged["iptables"] is False


def test_defaults_without_anything():
    merged = es.merge_engine_settings(None, None)
    assert merged["userland-proxy"] is True and merged["iptables"] is True


def test_find_dockerd_cmdline_and_daemon_json(tmp_path):
    proc = tmp_path / "proc"
    (proc / "12").mkdir(parents=True)
    (proc / "12" / "cmdline").write_bytes(b"/bin/sh\0-c\0true\0")
    (proc / "345").mkdir()
    config = tmp_path / "daemon.json"
    config.write_text(json.dumps({"userland-proxy": False}))
    (proc / "345" / "cmdline").write_bytes(b"/usr/sbin/dockerd\0--config-file\0" + str(config).encode() + b"\0")
    (proc / "self").mkdir()
    assert es.find_dockerd_cmdline(str(proc))[0] == "/usr/sbin/dockerd"
    settings = es.engine_settings(str(proc))
    assert settings["userland-proxy"] is False
    assert settings["daemon_json_valid"] is True
    assert settings["source"] == "cmdline+daemon.json"


def test_invalid_daemon_json_is_reported(tmp_path):
    bad = tmp_path / "daemon.json"
    bad.write_text("{not json")
    assert es.read_daemon_json(str(bad)) is None
    assert es.read_daemon_json(str(tmp_path / "missing.json")) == {}


@pytest.mark.parametrize(
    "settings, version, expected",
    [
        ({}, "20.10.24+dfsg1", False),
        ({}, "26.1.5+dfsg1", False),
        ({}, "27.0.1", True),
        ({}, "28.5.2+dfsg4", True),
        ({"ip6tables": True}, "26.1.5+dfsg1", True),
        ({"ip6tables": False}, "28.5.2", False),
        ({"iptables": False}, "28.5.2", False),
        ({}, None, False),
        ({}, "master-dockerproject-2026", False),
    ],
)
def test_ip6tables_enabled(settings, version, expected):
    assert es.ip6tables_enabled(settings, version) is expected
