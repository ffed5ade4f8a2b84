# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The port audit at 100, 500 and 1,000 published ports.

Two measurements:

* **analysis** - port_forward_info's pure code on plain data shaped like a Docker 20.10 host
  (``GET /containers/json`` items, ``iptables -t nat -S`` and ``-t filter -S`` text, docker-proxy
  command lines, ``/proc/net/tcp`` text): parsing plus ``analyse_ports``, timed in-process, and
  ``analyse_ports`` alone. The synthetic host is healthy, so the analysis must find every port ok
  and no drift; that checks the data as much as the code.
* **module** - the whole module on real published ports (containers on the default bridge, each
  port with its DNAT rule and docker-proxy): ansible-playbook wall time, and the module run by
  itself (no Ansible around it), both for the same ports.
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import struct
import sys
import time

import lablib

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = (100, 500, 1000)
PORTS_PER_CONTAINER = 10
BRIDGE_ID = "f" * 64


# ---------------------------------------------------------------- a synthetic Docker 20.10 host

def _hex_ipv4(address: str, port: int) -> str:
    """``/proc/net/tcp`` notation: the 32-bit address in host (little-endian) byte order."""
    word = struct.unpack(">I", socket.inet_aton(address))[0]
    return "%08X:%04X" % (struct.unpack("<I", struct.pack(">I", word))[0], port)


def synthetic_host(ports: int, base_port: int = 20000, other_processes: int = 150) -> dict:
    """Raw inputs of a host with ``ports`` published TCP ports, 10 per container, all healthy.

    As Docker 20.10 does: each published port is bound on 0.0.0.0 and on ``::`` (two bindings,
    two docker-proxy processes, two listening sockets) and has one DNAT rule (IPv4).
    """
    summaries, nat, filt, processes, tcp, tcp6 = [], [], [], [], [], []
    nat += ["-P PREROUTING ACCEPT", "-P INPUT ACCEPT", "-P OUTPUT ACCEPT", "-P POSTROUTING ACCEPT", "-N DOCKER",
            "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
            "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
            "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"]
    filt += ["-P INPUT ACCEPT", "-P FORWARD DROP", "-P OUTPUT ACCEPT", "-N DOCKER", "-N DOCKER-USER",
             "-A FORWARD -j DOCKER-USER", "-A FORWARD -o docker0 -j DOCKER", "-A DOCKER-USER -j RETURN"]
    nat_docker = ["-A DOCKER -i docker0 -j RETURN"]
    tcp.append("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode")
    tcp6.append("  sl  local_address                         remote_address                        st tx_queue "
                "rx_queue tr tm->when retrnsmt   uid  timeout inode")
    inode = 100000
    containers = (ports + PORTS_PER_CONTAINER - 1) // PORTS_PER_CONTAINER
    for c in range(containers):
        ip = "172.17.%d.%d" % ((c + 2) // 256, (c + 2) % 256)
        cports = []
        for j in range(min(PORTS_PER_CONTAINER, ports - c * PORTS_PER_CONTAINER)):
            host_port = base_port + c * PORTS_PER_CONTAINER + j
            cport = 8000 + j
            cports.append(dict(IP="0.0.0.0", PrivatePort=cport, PublicPort=host_port, Type="tcp"))
            cports.append(dict(IP="::", PrivatePort=cport, PublicPort=host_port, Type="tcp"))
            nat.append("-A POSTROUTING -s %s/32 -d %s/32 -p tcp -m tcp --dport %d -j MASQUERADE" % (ip, ip, cport))
            nat_docker.append("-A DOCKER ! -i docker0 -p tcp -m tcp --dport %d -j DNAT --to-destination %s:%d"
                              % (host_port, ip, cport))
            filt.append("-A DOCKER -d %s/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport %d -j ACCEPT" % (ip, cport))
            for host_ip in ("0.0.0.0", "::"):
                inode += 1
                processes.append(dict(
                    pid=10000 + inode - 100000,
                    argv=["/usr/sbin/docker-proxy", "-proto", "tcp", "-host-ip", host_ip, "-host-port", str(host_port),
                          "-container-ip", ip, "-container-port", str(cport)],
                    socket_inodes=[inode]))
                if host_ip == "::":
                    tcp6.append("%4d: %s:%04X %s:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %d 1 "
                                "0000000000000000 100 0 0 10 0" % (len(tcp6) - 1, "0" * 32, host_port, "0" * 32, inode))
                else:
                    tcp.append("%4d: %s 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %d 1 "
                               "0000000000000000 100 0 0 10 0" % (len(tcp) - 1, _hex_ipv4("0.0.0.0", host_port), inode))
        summaries.append({
            "Id": "%064x" % (c + 1), "Names": ["/bench-p%04d" % c], "Image": "labnet/box:latest",
            "State": "running", "Ports": cports, "HostConfig": {"NetworkMode": "default"},
            "NetworkSettings": {"Networks": {"bridge": {
                "NetworkID": BRIDGE_ID, "IPAddress": ip, "IPPrefixLen": 16, "Gateway": "172.17.0.1",
                "GlobalIPv6Address": "", "MacAddress": "02:42:ac:11:00:02"}}},
        })
    for k in range(other_processes):
        processes.append(dict(pid=50000 + k, argv=["/usr/bin/python3", "worker-%d" % k], socket_inodes=[900000 + k]))
    return dict(
        summaries=summaries,
        networks=[{"Id": BRIDGE_ID, "Name": "bridge", "Driver": "bridge",
                   "Options": {"com.docker.network.bridge.name": "docker0"}}],
        nat="\n".join(nat + nat_docker) + "\n",
        filter="\n".join(filt) + "\n",
        processes=processes,
        tcp="\n".join(tcp) + "\n",
        tcp6="\n".join(tcp6) + "\n",
        engine=dict(version="20.10.24", userland_proxy=True, iptables=True, ip_forward=True),
    )


def _utils():
    from ansible_collections.labnet.docker.plugins.module_utils._portaudit import (  # pylint: disable=import-outside-toplevel
        nat_rules, port_drift, proc_sockets, published_ports)
    return nat_rules, port_drift, proc_sockets, published_ports


def raw_listeners(raw: dict) -> list:
    proc_sockets = _utils()[2]
    sockets = proc_sockets.parse_proc_net(raw["tcp"], "tcp", 4) + proc_sockets.parse_proc_net(raw["tcp6"], "tcp", 6)
    return proc_sockets.map_listeners(sockets, raw["processes"])


def parse_and_analyse(raw: dict) -> dict:
    """What port_forward_info does after its reads: parse everything, then analyse."""
    nat_rules, port_drift, proc_sockets, published = _utils()
    bindings = published.bindings_from_containers(raw["summaries"], raw["networks"])
    rules = (nat_rules.parse_iptables_dump(raw["nat"], "iptables-nft", "nat")
             + nat_rules.parse_iptables_dump(raw["filter"], "iptables-nft", "filter"))
    proxies = proc_sockets.find_proxies(raw["processes"])
    listeners = raw_listeners(raw)
    return port_drift.analyse_ports(bindings, nat_rules.classify_rules(rules), proxies, listeners, raw["engine"],
                                    published.container_addresses(raw["summaries"]),
                                    rule_sources="iptables-nft")


def prepared(raw: dict) -> tuple:
    nat_rules, _port_drift, proc_sockets, published = _utils()
    rules = (nat_rules.parse_iptables_dump(raw["nat"], "iptables-nft", "nat")
             + nat_rules.parse_iptables_dump(raw["filter"], "iptables-nft", "filter"))
    return (published.bindings_from_containers(raw["summaries"], raw["networks"]), nat_rules.classify_rules(rules),
            proc_sockets.find_proxies(raw["processes"]),
            raw_listeners(raw),
            raw["engine"], published.container_addresses(raw["summaries"]))


def median_time(fn, repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``fn``."""
    times = []
    for _attempt in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def analysis_bench(records: list, quick: bool, log) -> list[str]:
    _nat_rules, port_drift, _proc_sockets, _published = _utils()
    repeats = 3 if quick else 15
    lines = ["| published ports (bindings) | parse + analyse ms (median) | analyse_ports alone ms | "
             "us per published port (parse + analyse) | result as JSON KiB | bindings ok / drift |",
             "| --- | --- | --- | --- | --- | --- |"]
    for size in SIZES:
        raw = synthetic_host(size)
        result = parse_and_analyse(raw)
        counts = result["counts"]
        # Two bindings per published port (0.0.0.0 and ::), as on Docker 20.10.
        ok = counts["ports"] == 2 * size and counts["ports_ok"] == 2 * size and counts["drift"] == 0
        full = median_time(lambda raw=raw: parse_and_analyse(raw), repeats)
        args = prepared(raw)
        alone = median_time(lambda args=args: port_drift.analyse_ports(*args, rule_sources="iptables-nft"), repeats)
        size_kib = len(json.dumps(result)) / 1024
        note = "" if ok else "analysis found %s" % counts
        records.append(dict(section="audit-analysis", n=size, way="labnet", phase="parse+analyse", seconds=full, ok=ok, note=note))
        records.append(dict(section="audit-analysis", n=size, way="labnet", phase="analyse", seconds=alone, ok=ok, note=note))
        log("audit analysis %4d ports: parse+analyse %.1f ms, analyse %.1f ms, %s" % (size, full * 1000, alone * 1000, note or "all ok"))
        lines.append("| %d (%d) | %.1f | %.1f | %.0f | %.0f | %d / %d |" % (
            size, counts["ports"], full * 1000, alone * 1000, full * 1e6 / size, size_kib, counts["ports_ok"], counts["drift"]))
    return lines


# ---------------------------------------------------------------- the module on real ports

def listening_ports() -> set:
    busy = set()
    for name in ("tcp", "tcp6"):
        with open("/proc/net/" + name) as f:
            for line in f.readlines()[1:]:
                busy.add(int(line.split()[1].split(":")[1], 16))
    return busy


def free_port_block(count: int) -> int:
    busy = listening_ports()
    for _attempt in range(200):
        base = random.randrange(21000, 29000 - count)
        if not any(p in busy for p in range(base, base + count)):
            return base
    raise RuntimeError("no block of %d free TCP ports found" % count)


def start_published(cli, run_id: str, count: int) -> tuple[list[str], int]:
    """Containers on the default bridge publishing ``count`` ports, 10 each; returns names and first port."""
    base = free_port_block(count)
    names = []
    for c in range((count + PORTS_PER_CONTAINER - 1) // PORTS_PER_CONTAINER):
        name = "%s-p%02d" % (run_id, c + 1)
        ports = {"%d/tcp" % (8000 + j): base + c * PORTS_PER_CONTAINER + j
                 for j in range(min(PORTS_PER_CONTAINER, count - c * PORTS_PER_CONTAINER))}
        cli.containers.run(lablib.IMAGE, lablib.COMMAND, name=name, detach=True, ports=ports,
                           labels={lablib.BENCH_LABEL: run_id})
        names.append(name)
    return names, base


def module_bench(run_id: str, records: list, collections_path: str, quick: bool, log) -> list[str]:
    coll = os.path.join(collections_path, "ansible_collections", "labnet", "docker")
    module_path = os.path.join(coll, "plugins", "modules", "port_forward_info.py")
    if not os.path.exists(module_path):
        log("audit module: plugins/modules/port_forward_info.py is not there yet; skipped")
        return ["", "The whole module on real ports: not measured (port_forward_info.py missing when this ran)."]
    count = 20 if quick else 100
    repeats = 1 if quick else 3
    cli = lablib.client()
    lines = ["", "| real published ports (bindings) | ansible-playbook s (median) | module alone s (median) | "
             "ms per published port (module alone) | bindings ok / drift |",
             "| --- | --- | --- | --- | --- |"]
    try:
        names, _base = start_published(cli, run_id, count)
        bindings = sum(len({(p.get("IP"), p["PublicPort"], p.get("Type")) for p in c.get("Ports") or [] if p.get("PublicPort")})
                       for c in cli.api.containers(filters={"label": "%s=%s" % (lablib.BENCH_LABEL, run_id)}))
        out_dir = os.environ.get("BENCH_OUT", os.path.join(HERE, "out"))
        args_path = os.path.join(out_dir, "audit-args.json")
        with open(args_path, "w") as f:
            json.dump({"ANSIBLE_MODULE_ARGS": {"containers": names}}, f)
        env = dict(os.environ, PYTHONPATH=collections_path)
        play = [os.path.join(lablib.VENV_BIN, "ansible-playbook"), os.path.join(HERE, "ways", "audit.yml"),
                "-e", json.dumps({"audit_containers": names, "audit_expected": bindings})]
        pb_times, mod_times, summary = [], [], "n/a"
        for rep in range(repeats):
            secs, rc, out = lablib.timed(play, os.path.join(out_dir, "logs", "audit-playbook-r%d.log" % rep), lablib.ansible_env(collections_path))
            if rc == 0:
                pb_times.append(secs)
            else:
                log("audit playbook failed: %s" % out.strip().splitlines()[-1:])
            secs, rc, out = lablib.timed(
                [sys.executable, module_path, args_path],
                os.path.join(out_dir, "logs", "audit-module-r%d.log" % rep), env)
            if rc == 0:
                mod_times.append(secs)
                counts = json.loads(out[out.index("{"):])["counts"]
                summary = "%s / %s" % (counts.get("ports_ok"), counts.get("drift"))
            else:
                log("audit module run failed: %s" % out.strip()[-300:])
        pb = statistics.median(pb_times) if pb_times else None
        mod = statistics.median(mod_times) if mod_times else None
        records.append(dict(section="audit-module", n=count, way="labnet", phase="ansible-playbook", seconds=pb or 0, ok=pb is not None, note=""))
        records.append(dict(section="audit-module", n=count, way="labnet", phase="module alone", seconds=mod or 0, ok=mod is not None, note=""))
        log("audit module %d real ports: playbook %s s, module alone %s s, ok/drift %s"
            % (count, lablib.fmt(pb), lablib.fmt(mod), summary))
        lines.append("| %d (%d) | %s | %s | %s | %s |" % (
            count, bindings, lablib.fmt(pb, "%.2f", "failed"), lablib.fmt(mod, "%.2f", "failed"),
            lablib.fmt(mod * 1000 / count if mod else None, "%.1f"), summary))
        # Where the module's time goes (a separate, untimed run).
        path = os.path.join(out_dir, "profile-module-port_forward_info.txt")
        out = lablib.timed([sys.executable, os.path.join(HERE, "module_profile.py"), collections_path,
                            "port_forward_info", args_path, "30"], path)[2]
        head = [line for line in out.splitlines() if line.startswith(("module ", "engine API"))]
        lines += ["", "Profile of the module by itself on %d real ports (%s): %s"
                  % (count, os.path.relpath(path, os.path.dirname(HERE)), " / ".join(head))]
    finally:
        lablib.remove_containers(cli, run_id)
    return lines


def run(run_id: str, records: list, collections_path: str, quick: bool = False, log=print) -> list[str]:
    if collections_path not in sys.path:
        sys.path.insert(0, collections_path)
    lines = ["## Port audit (port_forward_info)", ""]
    try:
        lines += analysis_bench(records, quick, log)
    except ImportError as exc:
        log("audit analysis skipped: %s" % exc)
        lines.append("Analysis not measured: %s" % exc)
    lines += module_bench(run_id, records, collections_path, quick, log)
    return lines + [""]


if __name__ == "__main__":
    # Stand-alone: python bench/audit.py COLLECTIONS_PATH (analysis only).
    sys.path.insert(0, sys.argv[1])
    print("\n".join(analysis_bench([], quick=True, log=print)))
