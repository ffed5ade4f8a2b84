# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Scale: the same lab deployed on one nested lab host and on three at once (Ansible forks).

The lab hosts are containers of the Molecule lab-host image (``tools/build-labhost-image.sh``,
Debian with its own dockerd), each with its own engine (vfs storage on tmpfs, cgroups under
``<run_id>-hN``), the lab image loaded into it, and a veth lab NIC in its own namespace. Ansible
reaches them with the ``community.docker.docker`` connection, as the Molecule scenarios do.
Each host gets one macvlan network and N containers (way 1: macvlan_network +
linked_containers); the play runs on one host, then on three, alternating, with teardown
between runs. Ideally three hosts take as long as one.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import lablib

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE = os.environ.get("LABNET_LABHOST_IMAGE", "labnet/labhost") + ":latest"
HOSTS = 3
# Capabilities a nested engine needs; --privileged is refused on these machines.
HOST_RUN_ARGS = [
    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "MKNOD", "--cap-add", "SYS_PTRACE",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/var/lib/docker:exec,dev,suid",
]


def sh(*argv, inp=None, check=True) -> str:
    return subprocess.run(list(argv), input=inp, capture_output=True, check=check).stdout.decode()


def host_names(run_id: str) -> list[str]:
    return ["%s-h%d" % (run_id, i + 1) for i in range(HOSTS)]


def start_host(run_id: str, name: str, image_tar: str) -> None:
    sh("docker", "run", "-d", "--name", name, "--hostname", name, "--label", "%s=%s" % (lablib.BENCH_LABEL, run_id),
       *HOST_RUN_ARGS, IMAGE, "sleep", "infinity")
    sh("docker", "exec", "-d", name, "sh", "-c",
       "dockerd --storage-driver vfs --cgroup-parent %s >/var/log/dockerd.log 2>&1" % name)
    for _attempt in range(120):
        if subprocess.run(["docker", "exec", name, "docker", "version"], capture_output=True, check=False).returncode == 0:
            break
        time.sleep(0.5)
    else:
        raise RuntimeError("the nested engine of %s did not answer within 60 s: %s"
                           % (name, sh("docker", "exec", name, "tail", "-5", "/var/log/dockerd.log", check=False)))
    with open(image_tar, "rb") as f:
        sh("docker", "exec", "-i", name, "docker", "load", "-q", inp=f.read())
    a, b = lablib.veth_names(run_id)
    sh("docker", "exec", name, "sh", "-c",
       "ip link add %s type veth peer name %s && ip link set %s up && ip link set %s up" % (a, b, a, b))


def reset_host(name: str) -> None:
    """Remove every container and user network of the nested engine (the engine is the bench's own)."""
    sh("docker", "exec", name, "sh", "-c",
       "ids=$(docker ps -aq); [ -z \"$ids\" ] || docker rm -f $ids >/dev/null; "
       "docker network prune -f >/dev/null")


def floor_on_hosts(names: list[str], out_dir: str, tag: str) -> tuple[float, bool]:
    """Way 4 (the SDK floor) run inside each of ``names`` at once; wall time of the slowest."""
    def one(name):
        return subprocess.run(["docker", "exec", name, "/opt/labnet/venv/bin/python", "/tmp/sdk_floor.py",
                               "/tmp/scale-spec.json"], capture_output=True, check=False)

    start = time.perf_counter()
    with ThreadPoolExecutor(len(names)) as pool:
        procs = list(pool.map(one, names))
    secs = time.perf_counter() - start
    with open(os.path.join(out_dir, "logs", "scale-floor-%s.log" % tag), "wb") as f:
        for proc in procs:
            f.write(b"rc=%d\n%s%s\n" % (proc.returncode, proc.stdout, proc.stderr))
    return secs, all(proc.returncode == 0 for proc in procs)


def write_inventory(path: str, names: list[str]) -> None:
    hosts = {name: dict(ansible_connection="community.docker.docker", ansible_host=name,
                        ansible_python_interpreter="/opt/labnet/venv/bin/python") for name in names}
    with open(path, "w") as f:
        json.dump({"all": {"hosts": hosts}}, f, indent=1)


def run(run_id: str, records: list, collections_path: str, quick: bool = False, log=print) -> list[str]:
    title = ["## Scale: one nested lab host against three (labnet.docker, forks = 3)", ""]
    if os.environ.get("BENCH_SCALE", "0" if quick else "1") != "1":
        return title + ["Not run (BENCH_SCALE=1 runs it; quick mode leaves it out).", ""]
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, check=False).returncode != 0:
        log("scale skipped: the lab-host image %s is missing (tools/build-labhost-image.sh)" % IMAGE)
        return title + ["Not run: the nested lab-host image %s did not exist when this ran." % IMAGE, ""]
    coll = os.path.join(collections_path, "ansible_collections", "labnet", "docker", "plugins", "modules")
    if not all(os.path.exists(os.path.join(coll, m + ".py")) for m in ("macvlan_network", "linked_containers")):
        return title + ["Not run: macvlan_network or linked_containers missing.", ""]
    count = int(os.environ.get("BENCH_SCALE_N", "10" if quick else "20"))
    repeats = 1 if quick else 3
    out_dir = os.environ.get("BENCH_OUT", os.path.join(HERE, "out"))
    names = host_names(run_id)
    image_tar = os.path.join(out_dir, "box-image.tar")
    inventory = os.path.join(out_dir, "scale-inventory.json")
    spec = lablib.make_spec(run_id, lablib.veth_names(run_id)[0], "10.77.0.0/24", count, int(os.environ.get("BENCH_PARALLEL", "4")))
    spec_path = lablib.write_spec(spec, os.path.join(out_dir, "scale-spec.json"))
    env = lablib.ansible_env(collections_path, dict(ANSIBLE_FORKS=str(HOSTS)))
    times: dict = {1: [], HOSTS: []}
    floor: dict = {1: [], HOSTS: []}
    try:
        start = time.perf_counter()
        sh("docker", "save", "-o", image_tar, lablib.IMAGE)
        with ThreadPoolExecutor(HOSTS) as pool:
            list(pool.map(lambda n: start_host(run_id, n, image_tar), names))
        write_inventory(inventory, names)
        for name in names:
            sh("docker", "cp", os.path.join(HERE, "ways", "sdk_floor.py"), name + ":/tmp/sdk_floor.py")
            sh("docker", "cp", spec_path, name + ":/tmp/scale-spec.json")
        log("scale: %d nested lab hosts up in %.0f s" % (HOSTS, time.perf_counter() - start))
        play = [os.path.join(lablib.VENV_BIN, "ansible-playbook"), "-i", inventory,
                os.path.join(HERE, "ways", "labnet_docker_hosts.yml"), "-e", "@" + spec_path]
        # A warm-up on all hosts (not recorded), then 1 and 3 hosts alternating.
        plan = [(HOSTS, 0, False)]
        for r in range(repeats):
            plan += [(h, r + 1, True) for h in ((1, HOSTS) if r % 2 == 0 else (HOSTS, 1))]
        for hosts, rep, record in plan:
            limit = ",".join(names[:hosts])
            secs, rc, out = lablib.timed(play + ["--limit", limit],
                                         os.path.join(out_dir, "logs", "scale-h%d-r%d.log" % (hosts, rep)), env)
            ok = rc == 0
            log("scale %d host(s) x %d containers: %.2f s %s%s"
                % (hosts, count, secs, "ok" if ok else "FAILED", "" if record else " (warm-up)"))
            if record:
                records.append(dict(section="scale", n=count, way="labnet", phase="%d hosts" % hosts, seconds=secs, ok=ok,
                                    note="" if ok else out.strip()[-200:]))
                if ok:
                    times[hosts].append(secs)
            with ThreadPoolExecutor(HOSTS) as pool:
                list(pool.map(reset_host, names[:hosts]))
            if record:
                # The floor on the same hosts: how flat the engines alone would be on this machine.
                secs, ok = floor_on_hosts(names[:hosts], out_dir, "h%d-r%d" % (hosts, rep))
                log("scale floor (SDK) %d host(s) x %d containers: %.2f s %s" % (hosts, count, secs, "ok" if ok else "FAILED"))
                if ok:
                    floor[hosts].append(secs)
                with ThreadPoolExecutor(HOSTS) as pool:
                    list(pool.map(reset_host, names[:hosts]))
    finally:
        lablib.remove_containers(lablib.client(), run_id)
        lablib.remove_cgroups(run_id)
        if os.path.exists(image_tar):
            os.unlink(image_tar)

    def median(values):
        return statistics.median(values) if values else None

    one, three = median(times[1]), median(times[HOSTS])
    f_one, f_three = median(floor[1]), median(floor[HOSTS])
    lines = title + [
        "| lab hosts | containers per host | labnet.docker fresh deploy s (median) | SDK floor on the same hosts s (median) | runs |",
        "| --- | --- | --- | --- | --- |",
        "| 1 | %d | %s | %s | %d |" % (count, lablib.fmt(one, "%.2f", "failed"), lablib.fmt(f_one, "%.2f", "failed"), len(times[1])),
        "| %d | %d | %s | %s | %d |" % (HOSTS, count, lablib.fmt(three, "%.2f", "failed"), lablib.fmt(f_three, "%.2f", "failed"),
                                        len(times[HOSTS])),
        "", "three_hosts_over_one=%s (the SDK floor's own: %s)" % (
            lablib.fmt(three / one if one and three else None), lablib.fmt(f_three / f_one if f_one and f_three else None)), ""]
    return lines
