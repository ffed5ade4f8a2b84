# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""daemon.json checked against dockerd's flags, and the dockerd that serves a socket."""

from __future__ import annotations

import os

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import engine_settings as es

HELP_20_10 = """
Usage:	dockerd [OPTIONS]

A self-sufficient runtime for containers.

Options:
      --add-runtime runtime                     Register an additional
                                                OCI compatible runtime
                                                (default [])
      --bip string                              Specify network bridge IP
  -b, --bridge string                           Attach containers to a
      --cgroup-parent string                    Set parent cgroup for all
      --config-file string                      Daemon configuration file
  -D, --debug                                   Enable debug mode
  -H, --host list                               Daemon socket(s) to connect to
      --iptables                                Enable addition of
                                                iptables rules (default true)
      --label list                              Set key=value labels to the
      --live-restore                            Enable live restore of
      --log-opt map                             Default log driver options
      --mtu int                                 Set the containers network MTU
      --tlsverify                               Use TLS and verify the remote
      --userland-proxy                          Use userland proxy for
  -v, --version                                 Print version information
"""


def test_parse_dockerd_help_reads_flags_and_kinds():
    flags = es.parse_dockerd_help(HELP_20_10)
    assert flags == {
        "add-runtime": "runtime", "bip": "string", "bridge": "string", "cgroup-parent": "string",
        "config-file": "string", "debug": "bool", "host": "list", "iptables": "bool", "label": "list",
        "live-restore": "bool", "log-opt": "map", "mtu": "int", "tlsverify": "bool", "userland-proxy": "bool",
        "version": "bool",
    }
    assert es.parse_dockerd_help("") == {}


def test_the_20_10_list_matches_its_help_where_both_have_a_flag():
    flags = es.parse_dockerd_help(HELP_20_10)
    assert {name: kind for name, kind in flags.items() if name in es.DOCKERD_FLAGS_20_10} == \
        {name: es.DOCKERD_FLAGS_20_10[name] for name in flags if name in es.DOCKERD_FLAGS_20_10}


@pytest.mark.parametrize("argv, expected", [
    (["dockerd"], {}),
    (["dockerd", "-H", "unix:///s", "--host=tcp://0.0.0.0:2375"], {"host": ["unix:///s", "tcp://0.0.0.0:2375"]}),
    (["dockerd", "-Hunix:///s", "-D"], {"host": ["unix:///s"], "debug": ["true"]}),
    (["dockerd", "--iptables=false", "--bip", "10.9.0.1/24"], {"iptables": ["false"], "bip": ["10.9.0.1/24"]}),
    (["dockerd", "--iptables", "--cgroup-parent", "/lab1"], {"iptables": ["true"], "cgroup-parent": ["/lab1"]}),
    (["dockerd", "-b=none", "stray"], {"bridge": ["none"]}),
])
def test_given_flags(argv, expected):
    assert es.given_flags(argv, es.DOCKERD_FLAGS_20_10) == expected


def test_a_good_file_has_no_problem():
    config = {"userland-proxy": False, "iptables": True, "log-driver": "json-file", "log-opts": {"max-size": "10m"},
              "hosts": ["unix:///var/run/docker.sock"], "labels": ["a=b"], "features": {"buildkit": True}, "mtu": 1400}
    problems = es.daemon_json_problems(config, ["dockerd", "--cgroup-parent", "/lab1"])
    assert problems == {"unknown": [], "conflicts": [], "wrong_types": [], "messages": []}


@pytest.mark.parametrize("config, argv, key, flag", [
    ({"cgroup-parent": "/other"}, ["dockerd", "--cgroup-parent", "/lab1"], "cgroup-parent", "--cgroup-parent"),
    ({"hosts": ["tcp://0.0.0.0:2375"]}, ["dockerd", "-H", "unix:///s"], "hosts", "--host"),
    ({"labels": ["x=y"]}, ["dockerd", "--label=a=b"], "labels", "--label"),
    ({"debug": True}, ["dockerd", "-D"], "debug", "--debug"),
    ({"log-opts": {"max-size": "1m"}}, ["dockerd", "--log-opt", "max-file=2"], "log-opts", "--log-opt"),
    ({"tls": {"tlsverify": True}}, ["dockerd", "--tlsverify"], "tlsverify", "--tlsverify"),
])
def test_a_key_that_is_also_a_flag_is_a_conflict(config, argv, key, flag):
    problems = es.daemon_json_problems(config, argv)
    assert [(c["key"], c["flag"]) for c in problems["conflicts"]] == [(key, flag)]
    assert len(problems["messages"]) == 1
    assert "daemon.json key %r is also given as the flag %s=" % (key, flag) in problems["messages"][0]
    assert "Set it in one place only" in problems["messages"][0]


def test_a_flag_of_the_running_dockerd_and_of_its_next_start_is_named_once():
    argv = ["dockerd", "--cgroup-parent", "/lab1"] + ["--cgroup-parent", "/lab1"]
    problems = es.daemon_json_problems({"cgroup-parent": "/other"}, argv)
    assert problems["conflicts"][0]["flag_value"] == ["/lab1"]
    assert "the flag --cgroup-parent=/lab1 on dockerd's command line" in problems["messages"][0]


def test_runtimes_may_come_from_both():
    assert es.daemon_json_problems({"runtimes": {"r": {"path": "/r"}}}, ["dockerd", "--add-runtime", "x=/x"])["messages"] == []


@pytest.mark.parametrize("config, unknown", [
    ({"userland_proxy": False}, ["userland_proxy"]),
    ({"H": ["unix:///s"]}, ["H"]),  # a shorthand is no key
    ({"version": True, "config-file": "/x"}, ["config-file", "version"]),  # command-line only
    ({"tls": {"bogus": 1}}, ["bogus"]),  # members of objects other than the flat ones are keys too
])
def test_a_key_that_is_no_option_is_unknown(config, unknown):
    problems = es.daemon_json_problems(config, ["dockerd"])
    assert problems["unknown"] == unknown
    assert all("is no dockerd option" in m for m in problems["messages"])


@pytest.mark.parametrize("config, kind", [
    ({"iptables": "yes"}, "bool"), ({"mtu": "1400"}, "int"), ({"mtu": True}, "int"), ({"bip": 10}, "string"),
])
def test_a_value_of_the_wrong_type(config, kind):
    problems = es.daemon_json_problems(config, ["dockerd"])
    assert [w["kind"] for w in problems["wrong_types"]] == [kind]
    assert "but dockerd takes a %s there" % kind in problems["messages"][0]


def test_the_engines_own_help_decides_what_is_known():
    flags = dict(es.parse_dockerd_help(HELP_20_10), validate="bool")
    assert es.daemon_json_problems({"dns": ["1.1.1.1"]}, ["dockerd"], flags)["unknown"] == ["dns"]
    assert es.daemon_json_problems({"dns": ["1.1.1.1"]}, ["dockerd"])["unknown"] == []
    assert es.daemon_json_problems({"validate": True}, ["dockerd"], flags)["unknown"] == ["validate"]


def fake_proc(tmp_path, processes, unix=()):
    """A /proc with dockerd processes {pid: (argv, [socket inodes])} and /proc/net/unix lines (inode, path)."""
    proc = tmp_path / "proc"
    (proc / "self" / "ns").mkdir(parents=True)
    os.symlink("mnt:[1]", proc / "self" / "ns" / "mnt")
    (proc / "net").mkdir()
    (proc / "net" / "unix").write_text("Num       RefCount Protocol Flags    Type St Inode Path\n" + "".join(
        "0000: 00000002 00000000 00010000 0001 01 %d %s\n" % (inode, path) for inode, path in unix))
    for pid, (argv, inodes) in processes.items():
        (proc / str(pid) / "ns").mkdir(parents=True)
        (proc / str(pid) / "fd").mkdir()
        os.symlink("mnt:[1]", proc / str(pid) / "ns" / "mnt")
        (proc / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
        for fd, inode in enumerate(inodes, start=3):
            os.symlink("socket:[%d]" % inode, proc / str(pid) / "fd" / str(fd))
    return str(proc)


def test_the_serving_dockerd_holds_the_socket_a_decoy_does_not(tmp_path):
    proc = fake_proc(tmp_path, {
        10: (["/opt/decoy/dockerd", "100000"], []),                # called dockerd, default socket, holds nothing
        20: (["dockerd", "--host", "unix:///run/other.sock"], [7]),  # a second engine
        30: (["dockerd", "--cgroup-parent", "/lab1"], [5, 9]),      # the engine of /var/run/docker.sock
    }, unix=[(5, "/var/run/docker.sock"), (7, "/run/other.sock")])
    assert es.serving_dockerd("unix:///var/run/docker.sock", proc) == (30, ["dockerd", "--cgroup-parent", "/lab1"])
    assert es.serving_dockerd("unix:///run/other.sock", proc)[0] == 20
    assert es.serving_dockerd("unix:///run/none.sock", proc) is None


def test_no_engine_serves_when_none_holds_the_socket(tmp_path):
    proc = fake_proc(tmp_path, {10: (["dockerd"], [])}, unix=[])
    assert es.serving_dockerd("unix:///var/run/docker.sock", proc) is None


def test_a_tcp_engine_is_found_by_its_command_line(tmp_path):
    proc = fake_proc(tmp_path, {10: (["dockerd"], []), 11: (["dockerd", "-H", "tcp://127.0.0.1:2375"], [])})
    assert es.serving_dockerd("tcp://127.0.0.1:2375", proc)[0] == 11
    assert es.serving_dockerd("tcp://127.0.0.1:2376", proc) is None
