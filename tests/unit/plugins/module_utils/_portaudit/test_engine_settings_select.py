# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Choosing the dockerd that serves an address when several engines run on one host."""
from __future__ import annotations

import json
import os

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import engine_settings as es


@pytest.mark.parametrize(
    "argv, hosts",
    [
        (["dockerd"], ["unix:///var/run/docker.sock"]),
        (["dockerd", "-H", "unix:///a.sock", "--host=tcp://0.0.0.0:2375"], ["unix:///a.sock", "tcp://0.0.0.0:2375"]),
        (["dockerd", "--host", "unix:///run/lbt1/docker.sock", "--userland-proxy=false"], ["unix:///run/lbt1/docker.sock"]),
    ],
)
def test_dockerd_hosts(argv, hosts):
    assert es.dockerd_hosts(argv) == hosts


def test_select_dockerd_by_address(tmp_path):
    main = (100, ["dockerd", "--host", "unix:///var/run/docker.sock"])
    second = (200, ["dockerd", "--userland-proxy=false", "--host", "unix://%s/docker.sock" % tmp_path])
    processes = [main, second]
    assert es.select_dockerd(processes, "unix://%s/docker.sock" % tmp_path) == second
    assert es.select_dockerd(processes, "unix://%s/./docker.sock" % tmp_path) == second  # same real path
    assert es.select_dockerd(processes, None) == main
    assert es.select_dockerd(processes, "tcp://10.0.0.1:2375") == main  # not local: the first
    assert es.select_dockerd([], "unix:///x") is None


def test_engine_settings_of_the_engine_asked_for(tmp_path):
    proc = tmp_path / "proc"
    for pid, argv in ((100, [b"dockerd", b"--host", b"unix:///var/run/docker.sock"]),
                      (200, [b"dockerd", b"--userland-proxy=false", b"--host", b"unix:///run/lbt9/docker.sock",
                             b"--config-file", str(tmp_path / "none.json").encode()])):
        (proc / str(pid)).mkdir(parents=True)
        (proc / str(pid) / "cmdline").write_bytes(b"\0".join(argv) + b"\0")
    settings = es.engine_settings(str(proc), docker_host="unix:///run/lbt9/docker.sock")
    assert settings["pid"] == 200 and settings["userland-proxy"] is False
    first = es.engine_settings(str(proc))
    assert first["pid"] == 100
    assert es.find_dockerd_cmdline(str(proc))[0] == "dockerd"
    assert json.dumps(settings)  # plain data


def test_engine_settings_without_dockerd(tmp_path):
    (tmp_path / "proc").mkdir()
    settings = es.engine_settings(str(tmp_path / "proc"), docker_host="unix:///x.sock")
    assert settings["pid"] is None and settings["source"].startswith("daemon.json")


def test_an_engine_in_this_mount_namespace_wins_over_one_in_a_container():
    nested = (50, ["dockerd", "--host", "unix:///var/run/docker.sock", "--cgroup-parent", "/lab1"])
    main = (3474, ["dockerd", "--host", "unix:///var/run/docker.sock"])
    assert es.select_dockerd([nested, main], "unix:///var/run/docker.sock", preferred_pids=[3474]) == main
    assert es.select_dockerd([nested, main], None, preferred_pids=[3474]) == main
    assert es.select_dockerd([nested, main], "unix:///var/run/docker.sock") == nested  # no preference: lowest pid


def test_same_mount_namespace(tmp_path):
    proc = tmp_path / "proc"
    for pid, ns in (("self", "mnt:[1]"), ("10", "mnt:[1]"), ("20", "mnt:[2]")):
        (proc / pid / "ns").mkdir(parents=True)
        os.symlink(ns, proc / pid / "ns" / "mnt")
    assert es.same_mount_namespace(str(proc), [10, 20, 30]) == [10]
    assert es.same_mount_namespace(str(tmp_path / "none"), [10, 20]) == [10, 20]
