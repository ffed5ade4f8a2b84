# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import proc_sockets as ps

TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
# Lines as this host's kernel printed them: a listener on 0.0.0.0:18090, two connections.
PROC_NET_TCP = TCP_HEADER + (
    "   0: 00000000:46AA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20971 1 00000000b3c0ab65 100 0 0 10 0\n"
    "   1: 0107E70A:8DDE 0107E70A:46AA 06 00000000:00000000 03:00000A5E 00000000     0        0 0 3 000000001ad02427\n"
    "   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000075564061 100 0 0 10 0\n"
)
PROC_NET_TCP6 = TCP_HEADER + (
    "   0: 00000000000000000000000000000000:46A0 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 15651 1 0 100 0 0 10 0\n"
    "   1: 00000000000000000000000001000000:A248 00000000000000000000000001000000:4704 06 00000000:00000000 03:000001D0 00000000     0        0 0 3 0\n"
)
PROC_NET_UDP = TCP_HEADER + (
    "  7: 0100007F:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 777 2 0 0\n"
    "  8: 0100007F:14EA 0200007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 778 2 0 0\n"
)


@pytest.mark.parametrize(
    "hex_address, expected",
    [
        ("0100007F:1F90", ("127.0.0.1", 8080)),
        ("00000000:46AA", ("0.0.0.0", 18090)),
        ("0107E70A:8DDE", ("10.231.7.1", 36318)),
        ("00000000000000000000000001000000:A248", ("::1", 41544)),
        ("00000000000000000000000000000000:0050", ("::", 80)),
        ("0000000000000000FFFF00000100007F:0050", ("127.0.0.1", 80)),
    ],
)
def test_decode_address(hex_address, expected):
    assert ps.decode_address(hex_address) == expected


def test_parse_proc_net_keeps_listeners_only():
    tcp = ps.parse_proc_net(PROC_NET_TCP, "tcp", 4)
    assert [(s["address"], s["port"], s["inode"]) for s in tcp] == [("0.0.0.0", 18090, 20971), ("127.0.0.1", 8080, 555)]
    tcp6 = ps.parse_proc_net(PROC_NET_TCP6, "tcp", 6)
    assert [(s["address"], s["port"]) for s in tcp6] == [("::", 18080)]
    udp = ps.parse_proc_net(PROC_NET_UDP, "udp", 4)
    assert [(s["address"], s["port"]) for s in udp] == [("127.0.0.1", 5353)]  # not the connected one


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["/usr/sbin/docker-proxy", "-proto", "tcp", "-host-ip", "0.0.0.0", "-host-port", "18080",
          "-container-ip", "172.17.0.2", "-container-port", "80"],
         dict(proto="tcp", host_ip="0.0.0.0", host_port=18080, container_ip="172.17.0.2", container_port=80)),
        (["docker-proxy", "-proto", "udp", "-host-ip", "127.0.0.1", "-host-port", "5353", "-container-ip",
          "172.17.0.2", "-container-port", "53", "-use-listen-fd"],
         dict(proto="udp", host_ip="127.0.0.1", host_port=5353, container_ip="172.17.0.2", container_port=53)),
        (["docker-proxy", "--proto=tcp", "--host-ip=::", "--host-port=80", "--container-ip=172.17.0.3",
          "--container-port=8080"],
         dict(proto="tcp", host_ip="::", host_port=80, container_ip="172.17.0.3", container_port=8080)),
        (["docker-proxy", "-h"], None),
    ],
)
def test_parse_proxy_argv(argv, expected):
    assert ps.parse_proxy_argv(argv) == expected


def make_proc(root, pid, argv, socket_inodes=(), netns="net:[4026531840]"):
    d = root / str(pid)
    (d / "fd").mkdir(parents=True)
    (d / "ns").mkdir()
    (d / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    os.symlink(netns, d / "ns" / "net")
    for i, inode in enumerate(socket_inodes):
        os.symlink("socket:[%d]" % inode, d / "fd" / str(i + 3))
    os.symlink("/dev/null", d / "fd" / "0")


@pytest.fixture
def proc(tmp_path):
    root = tmp_path / "proc"
    root.mkdir()
    make_proc(root, 100, ["dockerd", "--host", "unix:///var/run/docker.sock"], [20971])
    make_proc(root, 200, ["/usr/sbin/docker-proxy", "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port", "8080",
                          "-container-ip", "172.17.0.2", "-container-port", "80"], [555])
    # A proxy of another engine, in another network namespace: not ours to report.
    make_proc(root, 300, ["/usr/sbin/docker-proxy", "-proto", "tcp", "-host-ip", "0.0.0.0", "-host-port", "9999",
                          "-container-ip", "10.9.0.2", "-container-port", "80"], [999], netns="net:[4026532999]")
    (root / "400").mkdir()  # a kernel thread: empty cmdline
    (root / "400" / "cmdline").write_bytes(b"")
    os.symlink("100", root / "self")
    net = root / "net"
    net.mkdir()
    (net / "tcp").write_text(PROC_NET_TCP)
    (net / "tcp6").write_text(PROC_NET_TCP6)
    (net / "udp").write_text(PROC_NET_UDP)
    (net / "udp6").write_text(TCP_HEADER)
    sys_dir = root / "sys" / "net" / "ipv4"
    (sys_dir / "conf" / "docker0").mkdir(parents=True)
    (sys_dir / "ip_forward").write_text("1\n")
    (sys_dir / "conf" / "docker0" / "route_localnet").write_text("0\n")
    return str(root)


def test_read_proc_finds_proxies_and_owners_in_own_namespace(proc):
    found = ps.read_proc(proc)
    assert [(p["pid"], p["host_port"]) for p in found["proxies"]] == [(200, 8080)]
    owners = {(lst["address"], lst["port"]): (lst["pid"], lst["process"]) for lst in found["listeners"]}
    assert owners[("0.0.0.0", 18090)] == (100, "dockerd")
    assert owners[("127.0.0.1", 8080)] == (200, "docker-proxy")
    assert owners[("::", 18080)] == (None, None)  # no process in this namespace holds it
    assert owners[("127.0.0.1", 5353)] == (None, None)


def test_read_sysctl(proc):
    assert ps.read_sysctl("net.ipv4.ip_forward", proc) == "1"
    assert ps.read_sysctl("net.ipv4.conf.docker0.route_localnet", proc) == "0"
    assert ps.read_sysctl("net.ipv4.conf.nosuch.route_localnet", proc) is None


def test_read_processes_of_all_namespaces(proc):
    assert sorted(p["pid"] for p in ps.read_processes(proc)) == [100, 200, 300]


def test_read_proc_of_this_host_runs():
    # The real /proc: this very process is there, with its own command line.
    processes = ps.read_processes("/proc", ps._netns_id("/proc", "self"))
    assert os.getpid() in {p["pid"] for p in processes}


def test_a_socket_dockerd_hands_to_docker_proxy_is_the_proxy_s():
    """Docker 28 (-use-listen-fd): dockerd binds the port and passes the socket on; should both hold it, the
    proxy is named, whichever process /proc lists first."""
    sockets = [dict(proto="tcp", family=4, address="0.0.0.0", port=8080, inode=77)]
    dockerd = dict(pid=10, argv=["dockerd"], socket_inodes=[77, 78])
    proxy = dict(pid=20, argv=["/usr/sbin/docker-proxy", "-proto", "tcp", "-use-listen-fd"], socket_inodes=[77])
    for processes in ([dockerd, proxy], [proxy, dockerd]):
        (listener,) = ps.map_listeners(sockets, processes)
        assert (listener["pid"], listener["process"]) == (20, "docker-proxy")
    # With userland-proxy off, dockerd alone holds the port.
    (listener,) = ps.map_listeners(sockets, [dockerd])
    assert (listener["pid"], listener["process"]) == (10, "dockerd")
