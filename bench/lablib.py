# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared pieces of the benchmarks: the lab's names, its veth lab NIC, the spec every way reads,
the check that a way built the lab it was asked for, and the teardown.

Everything a run makes is named ``<run_id>...`` (``lbtb``, or ``BENCH_PREFIX``, plus a random part)
and labelled ``labnet.bench=<run_id>``; :func:`cleanup` removes exactly that and nothing else.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import docker

BENCH_LABEL = "labnet.bench"
IMAGE = os.environ.get("LABNET_BOX_IMAGE", "labnet/box:latest")
COMMAND = ["/bin/labnet-web"]
HERE = os.path.dirname(os.path.abspath(__file__))
# The names' prefix: lbtb, which the test suites' leftover check (tools/leftovers.sh, prefix lbt) also
# finds; another (BENCH_PREFIX) keeps a bench beside running tests out of their check.
PREFIX = os.environ.get("BENCH_PREFIX", "lbtb")
LAB_STATE_DIR = "/var/lib/labnet-lab"
VENV_BIN = os.path.dirname(sys.executable)


def fmt(value, pattern: str = "%.2f", missing: str = "n/a") -> str:
    """``pattern % value``, or ``missing`` for None."""
    return missing if value is None else pattern % value


def new_run_id() -> str:
    return "%s%04x" % (PREFIX, random.randrange(0x10000))


def client() -> docker.DockerClient:
    return docker.DockerClient(base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"),
                               version="auto", timeout=120)


# ---------------------------------------------------------------- running what is timed

def ansible_env(collections_path: str, extra: dict | None = None) -> dict:
    """ansible-playbook's environment: the bench's own ansible.cfg and the copy of the collection."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=os.path.join(HERE, "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        PATH=VENV_BIN + os.pathsep + env.get("PATH", ""),
    )
    env.update(extra or {})
    return env


def timed(cmd: list[str], logpath: str, env: dict | None = None, timeout: int = 900) -> tuple[float, int, str]:
    """Run ``cmd``; return its wall-clock seconds, exit status and output (kept in ``logpath``)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=HERE, check=False)
    seconds = time.perf_counter() - start
    out = proc.stdout + proc.stderr
    os.makedirs(os.path.dirname(logpath), exist_ok=True)
    with open(logpath, "w") as f:
        f.write("$ %s\n# rc=%d seconds=%.3f\n%s" % (" ".join(cmd), proc.returncode, seconds, out))
    return seconds, proc.returncode, out


# ---------------------------------------------------------------- veth lab NIC

def veth_names(run_id: str) -> tuple[str, str]:
    return run_id + "a", run_id + "b"


def make_veth(run_id: str) -> str:
    """Make the veth pair ``<run_id>a``/``<run_id>b`` and bring both ends up; returns the parent."""
    a, b = veth_names(run_id)
    subprocess.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b], check=True)
    subprocess.run(["ip", "link", "set", a, "up"], check=True)
    subprocess.run(["ip", "link", "set", b, "up"], check=True)
    return a


def link_exists(name: str) -> bool:
    return subprocess.run(["ip", "link", "show", name], capture_output=True, check=False).returncode == 0


def ensure_veth(run_id: str) -> tuple[str, bool]:
    """The parent, made again when it is gone (returns whether it had to be made again)."""
    a, b = veth_names(run_id)
    if link_exists(a) and link_exists(b):
        return a, False
    remove_links(run_id)
    return make_veth(run_id), True


def remove_links(run_id: str) -> list[str]:
    """Delete every link whose name starts with the run id (the veth pair, any shim)."""
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    removed = []
    for line in out.splitlines():
        name = line.split(": ")[1].split("@")[0]
        if name.startswith(run_id):
            # Deleting one end of a veth removes its peer too.
            if subprocess.run(["ip", "link", "del", name], capture_output=True, check=False).returncode == 0:
                removed.append(name)
    return removed


# ---------------------------------------------------------------- subnets

def used_subnets(cli: docker.DockerClient) -> list:
    nets = []
    for net in cli.api.networks():
        for pool in ((net.get("IPAM") or {}).get("Config") or []):
            if pool.get("Subnet"):
                try:
                    nets.append(ipaddress.ip_network(pool["Subnet"], strict=False))
                except ValueError:
                    pass
    return nets


def free_subnet(cli: docker.DockerClient, avoid=()) -> ipaddress.IPv4Network:
    """A /24 in 10.200-249.x.0 that no network on the engine uses."""
    used = used_subnets(cli) + list(avoid)
    for _attempt in range(500):
        cand = ipaddress.ip_network("10.%d.%d.0/24" % (random.randrange(200, 250), random.randrange(256)))
        if not any(cand.overlaps(u) for u in used if u.version == 4):
            return cand
    raise RuntimeError("no free /24 found in 10.200.0.0-10.249.255.0")


# ---------------------------------------------------------------- the spec every way reads

def make_spec(run_id: str, parent: str, subnet, count: int, parallel: int) -> dict:
    """The lab: one macvlan network on ``parent`` and ``count`` containers at static addresses."""
    subnet = ipaddress.ip_network(str(subnet))
    hosts = list(subnet.hosts())
    net_name = run_id + "-net"
    labels = {BENCH_LABEL: run_id}
    containers = [
        dict(name="%s-c%02d" % (run_id, i + 1), ipv4_address=str(hosts[9 + i]))
        for i in range(count)
    ]
    return dict(
        run_id=run_id,
        network=dict(name=net_name, parent=parent, subnet=str(subnet), gateway=str(hosts[0])),
        image=IMAGE,
        command=COMMAND,
        labels=labels,
        parallel=parallel,
        containers=containers,
        # The same containers in the shape of labnet.docker.linked_containers' option.
        labnet_containers=[
            dict(name=c["name"], image=IMAGE, command=COMMAND,
                 networks=[dict(name=net_name, ipv4_address=c["ipv4_address"])])
            for c in containers
        ],
    )


def write_spec(spec: dict, path: str) -> str:
    with open(path, "w") as f:
        json.dump(spec, f, indent=1)
    return path


def create_network(cli: docker.DockerClient, spec: dict) -> None:
    """The spec's macvlan network, made directly (for runs that time the containers alone)."""
    net = spec["network"]
    cli.api.create_network(
        net["name"], driver="macvlan", options={"parent": net["parent"]}, labels=spec["labels"],
        ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=net["subnet"], gateway=net["gateway"])]),
    )


# ---------------------------------------------------------------- check and teardown

def check_lab(cli: docker.DockerClient, spec: dict) -> list[str]:
    """Problems with the deployed lab (empty when every container runs at its address)."""
    problems = []
    net = spec["network"]
    try:
        info = cli.api.inspect_network(net["name"])
    except docker.errors.NotFound:
        return ["network %s missing" % net["name"]]
    if info.get("Driver") != "macvlan" or (info.get("Options") or {}).get("parent") != net["parent"]:
        problems.append("network %s is not a macvlan on %s" % (net["name"], net["parent"]))
    attached = {c["Name"]: c["IPv4Address"].split("/")[0] for c in (info.get("Containers") or {}).values()}
    running = {c["Names"][0].lstrip("/") for c in cli.api.containers(filters={"label": "%s=%s" % (BENCH_LABEL, spec["run_id"])})}
    for c in spec["containers"]:
        if c["name"] not in running:
            problems.append("%s not running" % c["name"])
        elif attached.get(c["name"]) != c["ipv4_address"]:
            problems.append("%s at %s, wanted %s" % (c["name"], attached.get(c["name"]), c["ipv4_address"]))
    return problems


def remove_containers(cli: docker.DockerClient, run_id: str, workers: int = 4) -> int:
    ids = {c["Id"] for c in cli.api.containers(all=True, filters={"label": "%s=%s" % (BENCH_LABEL, run_id)})}
    ids |= {c["Id"] for c in cli.api.containers(all=True, filters={"name": run_id})
            if any(n.lstrip("/").startswith(run_id) for n in c["Names"])}

    def rm(cid):
        try:
            cli.api.remove_container(cid, force=True, v=True)
        except docker.errors.NotFound:
            pass
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(rm, ids))
    return len(ids)


def remove_networks(cli: docker.DockerClient, run_id: str) -> int:
    n = 0
    for net in cli.api.networks():
        if net["Name"].startswith(run_id) or (net.get("Labels") or {}).get(BENCH_LABEL) == run_id:
            try:
                cli.api.remove_network(net["Id"])
                n += 1
            except docker.errors.NotFound:
                pass
    return n


def teardown(cli: docker.DockerClient, run_id: str) -> None:
    """Remove the run's containers and networks (not the veth): between two deploys."""
    remove_containers(cli, run_id)
    remove_networks(cli, run_id)


def remove_cgroups(run_id: str, root: str = "/sys/fs/cgroup") -> int:
    """Remove the empty cgroups that nested engines of the run (``--cgroup-parent <run_id>-hN``) left."""
    removed = 0
    for controller in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        base = os.path.join(root, controller)
        if os.path.islink(base) or not os.path.isdir(base):
            continue
        for name in os.listdir(base):
            if not name.startswith(run_id):
                continue
            for dirpath, _dirs, _files in sorted(os.walk(os.path.join(base, name)), key=lambda w: -len(w[0])):
                try:
                    os.rmdir(dirpath)
                    removed += 1
                except OSError:
                    pass
    return removed


def cleanup(run_id: str) -> dict:
    """Remove everything the run made: containers, networks, links. Safe to call twice."""
    if len(PREFIX) < 3 or not run_id.startswith(PREFIX) or len(run_id) < len(PREFIX) + 2:
        raise ValueError("refusing to clean up %r: not a bench run id (prefix %s)" % (run_id, PREFIX))
    done = dict(containers=0, networks=0, links=[], cgroups=0, lab_records=0, volumes=0)
    labhosts = labhosts_prefix(run_id)
    try:
        cli = client()
        done["containers"] = remove_containers(cli, run_id) + remove_containers(cli, labhosts)
        done["networks"] = remove_networks(cli, run_id) + remove_networks(cli, labhosts)
        done["volumes"] = remove_volumes(cli, labhosts)
    finally:
        done["links"] = remove_links(run_id)
        done["cgroups"] = remove_cgroups(run_id) + remove_cgroups(labhosts)
        done["lab_records"] = remove_lab_records(run_id)
    return done


def labhosts_prefix(run_id: str) -> str:
    """The names that the labhosts role gives the lab hosts of the lab section (scenario = run id)."""
    return "lbt-mol-%s-" % run_id[:9]


def remove_volumes(cli: docker.DockerClient, prefix: str) -> int:
    n = 0
    for vol in (cli.api.volumes().get("Volumes") or []):
        if vol["Name"].startswith(prefix):
            try:
                cli.api.remove_volume(vol["Name"], force=True)
                n += 1
            except docker.errors.APIError:
                pass
    return n


def remove_lab_records(prefix: str) -> int:
    """The lab role's records of the labs named ``prefix...`` (the lab section's)."""
    paths = [os.path.join(LAB_STATE_DIR, f) for f in (os.listdir(LAB_STATE_DIR) if os.path.isdir(LAB_STATE_DIR) else [])
             if f.startswith(prefix) and f.endswith(".json")]
    for path in paths:
        os.remove(path)
    return len(paths)
