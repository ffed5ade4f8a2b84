# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Processes and listening sockets, read from ``/proc`` in one pass.

* ``docker-proxy`` processes and the binding their arguments name (``-proto tcp -host-ip 0.0.0.0
  -host-port 8080 -container-ip 172.17.0.2 -container-port 80``);
* listening TCP sockets and bound UDP sockets from ``/proc/net/{tcp,tcp6,udp,udp6}``, mapped to the
  process that holds them through the socket inodes under ``/proc/<pid>/fd``.

``/proc/net`` shows the sockets of the reader's network namespace, so only processes in that same
namespace are kept. Pure parsers over text, plus :func:`read_proc`, the one reader of the host.
"""

from __future__ import annotations

import os
import socket
import struct

PROXY_NAME = "docker-proxy"

# /proc/net socket states: TCP LISTEN, and an unconnected UDP socket (TCP_CLOSE, which a bound
# UDP socket that waits for datagrams reports).
TCP_LISTEN = "0A"
UDP_UNCONNECTED = "07"

PROC_NET_FILES = (("tcp", "tcp", 4), ("tcp6", "tcp", 6), ("udp", "udp", 4), ("udp6", "udp", 6))


def parse_proxy_argv(argv: list[str]) -> dict | None:
    """The binding a ``docker-proxy`` command line serves, or ``None`` when it names none.

    Flags are read by name, with one or two dashes and with ``=`` or a separate value, so the
    20.10 and the 28.x proxies (which add ``-use-listen-fd``) both parse.
    """
    values: dict = {}
    i = 1
    while i < len(argv):
        arg = argv[i]
        i += 1
        if not arg.startswith("-"):
            continue
        name, sep, value = arg.lstrip("-").partition("=")
        if name not in ("proto", "host-ip", "host-port", "container-ip", "container-port"):
            continue
        if not sep:
            if i >= len(argv):
                break
            value = argv[i]
            i += 1
        values[name] = value
    if "host-port" not in values or "container-ip" not in values:
        return None
    return dict(
        proto=values.get("proto", "tcp"),
        host_ip=values.get("host-ip", "0.0.0.0"),
        host_port=int(values["host-port"]) if values["host-port"].isdigit() else None,
        container_ip=values["container-ip"],
        container_port=int(values.get("container-port", "0")) if values.get("container-port", "0").isdigit() else None,
    )


def decode_address(hex_address: str) -> tuple[str, int]:
    """A ``/proc/net/tcp`` address (``0100007F:1F90``) as (``127.0.0.1``, 8080).

    The kernel prints the address as 32-bit words in host byte order.
    """
    hex_ip, hex_port = hex_address.split(":")
    raw = bytes.fromhex(hex_ip)
    words = struct.unpack("<%dI" % (len(raw) // 4), raw) if len(raw) in (4, 16) else ()
    packed = struct.pack(">%dI" % len(words), *words)
    if len(packed) == 4:
        address = socket.inet_ntop(socket.AF_INET, packed)
    else:
        address = socket.inet_ntop(socket.AF_INET6, packed)
        if address.startswith("::ffff:") and "." in address:
            address = address[len("::ffff:"):]
    return address, int(hex_port, 16)


def parse_proc_net(text: str, proto: str, family: int) -> list[dict]:
    """Listening (TCP) or bound, unconnected (UDP) sockets of one ``/proc/net`` file."""
    wanted = TCP_LISTEN if proto == "tcp" else UDP_UNCONNECTED
    sockets = []
    for line in (text or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != wanted:
            continue
        remote_ip, remote_port = decode_address(fields[2])
        if proto == "udp" and remote_port != 0:
            continue
        address, port = decode_address(fields[1])
        sockets.append(dict(proto=proto, family=family, address=address, port=port, inode=int(fields[9])))
    return sockets


def _read(path: str, mode: str = "r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return None


def _netns_id(proc_root: str, pid: str) -> str | None:
    try:
        return os.readlink(os.path.join(proc_root, pid, "ns", "net"))
    except OSError:
        return None


def socket_inodes(proc_root: str, pid: str) -> list[int]:
    """The inodes of the sockets process ``pid`` has open (none when its fds cannot be read)."""
    fd_dir = os.path.join(proc_root, pid, "fd")
    inodes: list[int] = []
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.append(int(target[8:-1]))
    return inodes


def read_processes(proc_root: str = "/proc", netns_id: str | None = None) -> list[dict]:
    """Every process in the network namespace ``netns_id`` (all when ``None``): pid, argv, sockets."""
    processes: list[dict] = []
    try:
        entries = os.listdir(proc_root)
    except OSError:
        return processes
    for pid in entries:
        if not pid.isdigit():
            continue
        if netns_id is not None and _netns_id(proc_root, pid) != netns_id:
            continue
        raw = _read(os.path.join(proc_root, pid, "cmdline"), "rb")
        if not raw:
            continue  # kernel threads, and processes that ended while we read
        argv = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
        processes.append(dict(pid=int(pid), argv=argv, socket_inodes=socket_inodes(proc_root, pid)))
    return processes


def process_name(argv: list[str]) -> str:
    return os.path.basename(argv[0]) if argv else ""


def find_proxies(processes: list[dict], proxy_names: tuple = (PROXY_NAME,)) -> list[dict]:
    """The docker-proxy processes among ``processes``, each with the binding it serves."""
    proxies = []
    for process in processes:
        if process_name(process["argv"]) not in proxy_names:
            continue
        binding = parse_proxy_argv(process["argv"])
        if binding:
            binding["pid"] = process["pid"]
            binding["argv"] = process["argv"]
            proxies.append(binding)
    return proxies


def map_listeners(sockets: list[dict], processes: list[dict], proxy_names: tuple = (PROXY_NAME,)) -> list[dict]:
    """``sockets`` with the pid and process name that hold each (``None`` when no process shows it).

    Since Docker 28, dockerd binds a published port itself and hands the socket to docker-proxy
    (``-use-listen-fd``); with ``userland-proxy: false`` it keeps it. When several processes hold
    one socket, a docker-proxy is named, else the first process that holds it.
    """
    owner: dict[int, dict] = {}
    for process in processes:
        is_proxy = process_name(process["argv"]) in proxy_names
        for inode in process["socket_inodes"]:
            if inode not in owner or (is_proxy and process_name(owner[inode]["argv"]) not in proxy_names):
                owner[inode] = process
    listeners = []
    for sock in sockets:
        holder = owner.get(sock["inode"])
        listener = dict(sock)
        listener["pid"] = holder["pid"] if holder else None
        listener["process"] = process_name(holder["argv"]) if holder else None
        listeners.append(listener)
    return listeners


def read_listening_sockets(proc_net: str = "/proc/net") -> list[dict]:
    """Listening TCP and bound UDP sockets of the reader's network namespace."""
    sockets = []
    for filename, proto, family in PROC_NET_FILES:
        sockets.extend(parse_proc_net(_read(os.path.join(proc_net, filename)) or "", proto, family))
    return sockets


def read_proc(proc_root: str = "/proc", proxy_names: tuple = (PROXY_NAME,)) -> dict:
    """One pass over ``/proc``: docker-proxy processes and listeners of the reader's namespace."""
    own_netns = _netns_id(proc_root, "self")
    processes = read_processes(proc_root, own_netns)
    return dict(
        proxies=find_proxies(processes, proxy_names),
        listeners=map_listeners(read_listening_sockets(os.path.join(proc_root, "net")), processes, proxy_names),
    )


def read_sysctl(name: str, proc_root: str = "/proc") -> str | None:
    """A sysctl of the reader's network namespace (``net.ipv4.ip_forward``), or ``None``."""
    text = _read(os.path.join(proc_root, "sys", *name.split(".")))
    return text.strip() if text is not None else None
