# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""engine-dump-collect.py CONTAINER OUTDIR: what port_forward_info reads, from a nested lab host.

Rules are dumped by the host's own iptables and nft (their print format is part of what is tested);
/proc and the Engine API are read from outside, through the host's init process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import docker

COMMANDS = {
    "iptables.save": "iptables-save",
    "ip6tables.save": "ip6tables-save",
    "nft.ruleset": "nft list ruleset",
    "versions.txt": "dockerd --version; iptables -V; nft --version; cat /etc/docker/daemon.json; "
                    "cat /proc/sys/net/ipv4/ip_forward",
}


def inner(container: str, command: str) -> str:
    done = subprocess.run(["docker", "exec", container, "sh", "-c", command], capture_output=True, text=True, check=True)
    return done.stdout


def processes_of(netns: str) -> list[dict]:
    """pid, argv and socket inodes of every process in the network namespace ``netns``."""
    found = []
    for pid in sorted((p for p in os.listdir("/proc") if p.isdigit()), key=int):
        try:
            if os.readlink("/proc/%s/ns/net" % pid) != netns:
                continue
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = [part.decode() for part in f.read().split(b"\0") if part]
            links = [os.readlink("/proc/%s/fd/%s" % (pid, fd)) for fd in os.listdir("/proc/%s/fd" % pid)]
        except OSError:
            continue  # ended while read
        inodes = sorted(int(link[8:-1]) for link in links if link.startswith("socket:["))
        if argv:
            found.append(dict(pid=int(pid), argv=argv, socket_inodes=inodes))
    return found


def main(container: str, out: str) -> None:
    os.makedirs(out, exist_ok=True)
    pid = docker.APIClient().inspect_container(container)["State"]["Pid"]
    for name, command in COMMANDS.items():
        with open(os.path.join(out, name), "w") as f:
            f.write(inner(container, command))
    for name in ("tcp", "tcp6", "udp", "udp6"):
        with open("/proc/%d/net/%s" % (pid, name)) as src, open(os.path.join(out, "proc-net-" + name), "w") as f:
            f.write(src.read())
    with open(os.path.join(out, "processes.json"), "w") as f:
        json.dump(processes_of(os.readlink("/proc/%d/ns/net" % pid)), f, indent=1)
    api = docker.APIClient(base_url="unix:///proc/%d/root/run/docker.sock" % pid)
    for name, answer in (("containers", api.containers()), ("networks", api.networks()), ("version", api.version())):
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(answer, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
