#!/usr/bin/env python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""make bench: the lab deploy, the port audit and the scale benchmarks, side by side in one run.

Prints a table and, last, the ratio lines for N = 20. Writes bench/out/results.json and
bench/out/table.md. Times are wall-clock seconds of what a user waits for (the whole command:
ansible-playbook, the shell loop, the SDK script); ratios are what the project claims.

Environment: BENCH_QUICK=1 (N = 10 only, one repeat, no warm-up: a smoke test),
BENCH_COUNTS=10,20,50, BENCH_REPEATS=3, BENCH_PARALLEL=4, BENCH_SECTIONS=deploy,audit,scale,lab,
BENCH_WAYS=labnet,community,cli,sdk, BENCH_RUN_ID (set by tools/bench.sh, which also cleans up).
"""

from __future__ import annotations

import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time

import lab
import lablib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.environ.get("BENCH_OUT", os.path.join(HERE, "out"))
VENV_BIN = lablib.VENV_BIN

QUICK = os.environ.get("BENCH_QUICK") == "1"
COUNTS = [int(x) for x in os.environ.get("BENCH_COUNTS", "10" if QUICK else "10,20,50").split(",")]
REPEATS = int(os.environ.get("BENCH_REPEATS", "1" if QUICK else "3"))
PARALLEL = int(os.environ.get("BENCH_PARALLEL", "4"))
SECTIONS = os.environ.get("BENCH_SECTIONS", "deploy,audit,scale,lab").split(",")
WARMUP = os.environ.get("BENCH_WARMUP", "0" if QUICK else "1") == "1"
RATIO_N = 20
PROFILE = os.environ.get("BENCH_PROFILE", "0" if QUICK else "1") == "1"

WAY_TITLES = {
    "labnet": "1 labnet.docker (macvlan_network + linked_containers)",
    "community": "2 community.docker (docker_network + docker_container loop)",
    "cli": "3 docker CLI shell loop",
    "sdk": "4 Docker SDK + thread pool (floor)",
}
ANSIBLE_WAYS = {"labnet": "labnet_docker.yml", "community": "community_docker.yml"}
RECAP_RE = re.compile(r"^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def log(msg: str) -> None:
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


# ---------------------------------------------------------------- environment

def collections_path() -> str:
    """A copy of the collection (with the modules other maintainers are writing), made once per run."""
    path = os.environ.get("BENCH_COLLECTIONS_PATH")
    if not path:
        coll = subprocess.run([os.path.join(ROOT, "tools", "collection-tree.sh")], capture_output=True,
                              text=True, check=True).stdout.strip()
        path = os.path.dirname(os.path.dirname(os.path.dirname(coll)))
        os.environ["BENCH_COLLECTIONS_PATH"] = path
    return path


def collection_has(*modules: str) -> bool:
    base = os.path.join(collections_path(), "ansible_collections", "labnet", "docker", "plugins", "modules")
    return all(os.path.exists(os.path.join(base, m + ".py")) for m in modules)


def ansible_env(extra: dict | None = None) -> dict:
    return lablib.ansible_env(collections_path(), extra)


def foreign_activity(run_id: str) -> dict:
    """What else runs on the machine: load, other containers, other engines, test tools."""
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    mine = {os.getpid(), os.getppid()}
    tools = []
    dockerds = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if not argv or int(pid) in mine:
            continue
        base = os.path.basename(argv[0])
        line = " ".join(argv)
        if base == "dockerd":
            dockerds += 1
        elif run_id not in line and re.search(r"ansible-playbook|ansible-test|molecule|pytest|debootstrap|ansible-lint", line):
            tools.append(base if base not in ("python", "python3", "python3.11") else os.path.basename(argv[1]) if len(argv) > 1 else base)
    try:
        cli = lablib.client()
        others = [c for c in cli.api.containers() if not any(n.lstrip("/").startswith(run_id) for n in c["Names"])]
        other_containers = len(others)
    except Exception:  # pylint: disable=broad-except
        other_containers = None
    return dict(load=" ".join(load), other_containers=other_containers, dockerd_processes=dockerds,
                other_tools=sorted(set(tools)))


def machine_info() -> dict:
    with open("/proc/meminfo") as f:
        mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    cli = lablib.client()
    version = cli.version()
    return dict(
        nproc=os.cpu_count(),
        memory_gib=round(mem_kb / 1024 / 1024, 1),
        kernel=platform.release(),
        engine=version.get("Version"),
        api=version.get("ApiVersion"),
        python=platform.python_version(),
        docker_sdk=__import__("docker").__version__,
        ansible_core=subprocess.run([os.path.join(VENV_BIN, "ansible"), "--version"], capture_output=True,
                                    text=True, check=False).stdout.splitlines()[0],
        community_docker=community_docker_version(),
        date=time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    )


def community_docker_version() -> str | None:
    try:
        import ansible_collections.community.docker as cd  # pylint: disable=import-outside-toplevel
        with open(os.path.join(list(cd.__path__)[0], "MANIFEST.json")) as f:
            return json.load(f)["collection_info"]["version"]
    except (ImportError, OSError, ValueError, KeyError, TypeError):
        return None


# ---------------------------------------------------------------- one way

timed = lablib.timed


def way_command(way: str, spec_path: str) -> tuple[list[str], dict | None]:
    if way in ANSIBLE_WAYS:
        return ([os.path.join(VENV_BIN, "ansible-playbook"), os.path.join(HERE, "ways", ANSIBLE_WAYS[way]),
                 "-e", "@" + spec_path], ansible_env())
    if way == "cli":
        return ([os.path.join(HERE, "ways", "cli_loop.sh"), spec_path], dict(os.environ, BENCH_PYTHON=sys.executable))
    if way == "sdk":
        return ([sys.executable, os.path.join(HERE, "ways", "sdk_floor.py"), spec_path], None)
    raise ValueError(way)


# ---------------------------------------------------------------- deploy section

class DeployBench:
    def __init__(self, run_id: str, parent: str, records: list, ways: list):
        self.ways = ways
        self.run_id = run_id
        self.parent = parent
        self.records = records
        self.cli = lablib.client()
        self.subnet = None

    def spec_for(self, n: int) -> str:
        """Write the spec for N containers, on a subnet that is still free (others make networks too)."""
        lablib.teardown(self.cli, self.run_id)
        remade = lablib.ensure_veth(self.run_id)[1]
        if remade:
            log("the veth lab NIC %s had gone (removed by someone else?); made it again" % self.parent)
        if self.subnet is None or any(self.subnet.overlaps(u) for u in lablib.used_subnets(self.cli)):
            self.subnet = lablib.free_subnet(self.cli)
        spec = lablib.make_spec(self.run_id, self.parent, self.subnet, n, PARALLEL)
        return lablib.write_spec(spec, os.path.join(OUT, "spec-%d.json" % n)), spec

    def one(self, way: str, n: int, rep: int, record: bool = True) -> None:
        spec_path, spec = self.spec_for(n)
        cmd, env = way_command(way, spec_path)
        tag = "deploy-n%d-%s-r%d%s" % (n, way, rep, "" if record else "-warmup")
        try:
            secs, rc, out = timed(cmd, os.path.join(OUT, "logs", tag + "-fresh.log"), env)
            ok, note = self.judge(way, rc, out, spec, rerun=False)
            self.add(record, n, way, "fresh", secs, ok, note)
            if ok and way in ANSIBLE_WAYS:
                secs, rc, out = timed(cmd, os.path.join(OUT, "logs", tag + "-rerun.log"), env)
                ok, note = self.judge(way, rc, out, spec, rerun=True)
                self.add(record, n, way, "rerun", secs, ok, note)
        finally:
            lablib.teardown(self.cli, self.run_id)

    def judge(self, way, rc, out, spec, rerun):
        if rc != 0:
            tail = " | ".join(out.strip().splitlines()[-3:])[-300:]
            return False, "rc=%d: %s" % (rc, tail)
        problems = lablib.check_lab(self.cli, spec)
        if problems:
            return False, "lab wrong: " + "; ".join(problems[:3])
        if way in ANSIBLE_WAYS:
            m = RECAP_RE.search(out)
            changed = int(m.group(2)) if m else -1
            if rerun and changed != 0:
                return True, "re-run reported changed=%d" % changed
        return True, ""

    def add(self, record, n, way, phase, secs, ok, note):
        log("deploy N=%-3d %-9s %-5s %7.2fs %s %s" % (n, way, phase, secs, "ok" if ok else "FAILED", note))
        if record:
            self.records.append(dict(section="deploy", n=n, way=way, phase=phase, seconds=secs, ok=ok, note=note))

    def run(self, ways: list[str]) -> None:
        if WARMUP:
            # One Ansible way warms Ansible for both; the SDK floor warms the engine and the image.
            warm = [w for w in ways if w in ("labnet", "sdk")] or ways[:1]
            log("warm-up (not recorded): one deploy of %s at N=%d" % (", ".join(warm), min(COUNTS)))
            for way in warm:
                self.one(way, min(COUNTS), 0, record=False)
        for i, n in enumerate(COUNTS):
            for rep in range(REPEATS):
                k = (rep + i) % len(ways)
                for way in ways[k:] + ways[:k]:  # alternate the order between repeats
                    self.one(way, n, rep + 1)


# ---------------------------------------------------------------- profile (not timed)

def profile_section(deploy: DeployBench, n: int) -> list[str]:
    """Where ours spends its time at N: Ansible's fixed cost, profile_tasks, and the module by itself."""
    lines = ["## Profile at N = %d (separate runs, not part of the timings)" % n, ""]
    baseline = os.path.join(HERE, "ways", "ansible_baseline.yml")
    for label, ping in (("ansible-playbook start-up (play with a skipped task)", "false"),
                        ("start-up plus one ansible.builtin.ping task", "true")):
        runs = [timed([os.path.join(VENV_BIN, "ansible-playbook"), baseline, "-e", "baseline_ping=" + ping],
                      os.path.join(OUT, "logs", "baseline-%s-%d.log" % (ping, i)), ansible_env())[0] for i in range(3)]
        lines.append("- %s: %.2f s (median of 3)" % (label, statistics.median(runs)))
    spec_path, spec = deploy.spec_for(n)
    if "labnet" in deploy.ways:
        cmd = way_command("labnet", spec_path)[0]
        for phase in ("fresh", "rerun"):
            secs = timed(cmd, os.path.join(OUT, "logs", "profile-labnet-pipelining-%s.log" % phase),
                         ansible_env(dict(ANSIBLE_PIPELINING="True")))[0]
            lines.append("- %s %s with ANSIBLE_PIPELINING=True: %.2f s wall" % (WAY_TITLES["labnet"], phase, secs))
        spec_path, spec = deploy.spec_for(n)
    env = ansible_env(dict(ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks"))
    for way in [w for w in ("labnet",) if w in deploy.ways]:
        cmd = way_command(way, spec_path)[0]
        for phase in ("fresh", "rerun"):
            secs, _rc, out = timed(cmd, os.path.join(OUT, "profile-%s-%s.txt" % (way, phase)), env)
            tasks = re.findall(r"^(.+?) -+ (\d+\.\d+)s$", out, re.M)
            total = sum(float(t) for _n, t in tasks)
            lines.append("- %s %s: %.2f s wall, tasks %s, outside tasks (Ansible start-up, parsing, forks) %.2f s"
                         % (WAY_TITLES[way], phase, secs, ", ".join("%s %ss" % (t[0].strip(), t[1]) for t in tasks),
                            secs - total))
        lablib.teardown(deploy.cli, deploy.run_id)
    if "labnet" in deploy.ways:
        lablib.teardown(deploy.cli, deploy.run_id)
        net = spec["network"]
        modules = [
            ("macvlan_network", dict(name=net["name"], parent=net["parent"], subnet=net["subnet"],
                                     gateway=net["gateway"], labels=spec["labels"])),
            ("linked_containers", dict(containers=spec["labnet_containers"], labels=spec["labels"],
                                       parallel=spec["parallel"])),
        ]
        for module, params in modules:
            args = os.path.join(OUT, "profile-args-%s.json" % module)
            with open(args, "w") as f:
                json.dump({"ANSIBLE_MODULE_ARGS": params}, f)
            for phase in ("fresh", "rerun"):
                path = os.path.join(OUT, "profile-module-%s-%s.txt" % (module, phase))
                cmd = [sys.executable, os.path.join(HERE, "module_profile.py"), collections_path(), module, args, "25"]
                out = timed(cmd, path, None)[2]
                head = [line for line in out.splitlines() if line.startswith(("module ", "engine API"))]
                lines.append("- %s by itself, %s (%s): %s" % (module, phase, os.path.relpath(path, ROOT), " / ".join(head)))
        lablib.teardown(deploy.cli, deploy.run_id)
    return lines + [""]


# ---------------------------------------------------------------- summary

def med(records, **match):
    vals = [r["seconds"] for r in records if r["ok"] and all(r.get(k) == v for k, v in match.items())]
    return (statistics.median(vals), len(vals), min(vals), max(vals)) if vals else (None, 0, None, None)


fmt = lablib.fmt


def deploy_table(records: list, ways: list[str]) -> list[str]:
    lines = ["| N | way | fresh s (median, min-max) | re-run s (median) | ms per container (fresh) | fresh / SDK floor | runs | notes |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for n in COUNTS:
        floor = med(records, section="deploy", n=n, way="sdk", phase="fresh")[0]
        for way in ways:
            m, cnt, lo, hi = med(records, section="deploy", n=n, way=way, phase="fresh")
            rr = med(records, section="deploy", n=n, way=way, phase="rerun")[0] if way in ANSIBLE_WAYS else None
            fails = [r for r in records if r["section"] == "deploy" and r["n"] == n and r["way"] == way and (not r["ok"] or r["note"])]
            notes = "; ".join(sorted({("FAILED " if not r["ok"] else "") + r["phase"] + ": " + r["note"] for r in fails}))[:200]
            lines.append("| %d | %s | %s | %s | %s | %s | %d | %s |" % (
                n, WAY_TITLES[way],
                "%s (%s-%s)" % (fmt(m), fmt(lo), fmt(hi)) if m is not None else "n/a",
                fmt(rr) if way in ANSIBLE_WAYS else "-",
                fmt(m * 1000 / n if m else None, "%.0f"),
                fmt(m / floor if m and floor else None, "%.2fx"), cnt, notes or ""))
    return lines


def ratio_lines(records: list) -> list[str]:
    def ratio(a, b):
        return "%.2f" % (a / b) if a and b else "n/a"
    ours = med(records, section="deploy", n=RATIO_N, way="labnet", phase="fresh")[0]
    ours_rr = med(records, section="deploy", n=RATIO_N, way="labnet", phase="rerun")[0]
    floor = med(records, section="deploy", n=RATIO_N, way="sdk", phase="fresh")[0]
    theirs = med(records, section="deploy", n=RATIO_N, way="community", phase="fresh")[0]
    theirs_rr = med(records, section="deploy", n=RATIO_N, way="community", phase="rerun")[0]
    lines = []
    if any(r["section"] == "deploy" for r in records):
        lines += ["vs_sdk_floor=%s" % ratio(ours, floor),
                  "community_docker_over_ours=%s" % ratio(theirs, ours),
                  "rerun_community_docker_over_ours=%s" % ratio(theirs_rr, ours_rr)]
    lines += lab.ratio_lines(records)
    if any(r["section"] == "lab" and r["way"].startswith("labhosts") for r in records):
        lines += lab.labhosts_ratio_lines(records)
    return lines


def goal_lines(records: list) -> list[str]:
    """The issue's goals against this run's numbers."""
    def get(section, n, way, phase):
        return med(records, section=section, n=n, way=way, phase=phase)[0]

    def row(goal, value, met, shown):
        return "| %s | %s | %s |" % (goal, shown if value else "n/a", "n/a" if not value else ("yes" if met(value) else "**no**"))
    ours, floor = get("deploy", RATIO_N, "labnet", "fresh"), get("deploy", RATIO_N, "sdk", "fresh")
    ours_rr = get("deploy", RATIO_N, "labnet", "rerun")
    theirs, theirs_rr = get("deploy", RATIO_N, "community", "fresh"), get("deploy", RATIO_N, "community", "rerun")
    audit = get("audit-analysis", 1000, "labnet", "parse+analyse")
    r1 = ours / floor if ours and floor else None
    r2 = theirs / ours if ours and theirs else None
    r3 = theirs_rr / ours_rr if ours_rr and theirs_rr else None
    return ["## Goals (N = %d)" % RATIO_N, "", "| goal | this run | met |", "| --- | --- | --- |",
            row("ours within 1.5x of the SDK floor", r1, lambda v: v <= 1.5, fmt(r1, "%.2fx")),
            row("at least 3x faster than community.docker, fresh", r2, lambda v: v >= 3, fmt(r2, "%.2fx")),
            row("at least 5x faster than community.docker, re-run", r3, lambda v: v >= 5, fmt(r3, "%.2fx")),
            row("1,000 published ports analysed in under a second", audit, lambda v: v < 1, fmt(audit, "%.3f s")),
            ""]


def main() -> int:
    run_id = os.environ.get("BENCH_RUN_ID") or lablib.new_run_id()
    os.makedirs(OUT, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    records: list = []
    extra_tables: list[str] = []
    ways = [w for w in os.environ.get("BENCH_WAYS", "labnet,community,cli,sdk").split(",") if w]
    if "labnet" in ways and not collection_has("macvlan_network", "linked_containers"):
        log("way 1 skipped: plugins/modules/macvlan_network.py or linked_containers.py is not there yet")
        ways.remove("labnet")
    machine = machine_info()
    before = foreign_activity(run_id)
    log("run %s: counts %s, %d repeat(s), parallel %d, ways %s" % (run_id, COUNTS, REPEATS, PARALLEL, ways))
    interrupted = False
    try:
        if "deploy" in SECTIONS:
            parent = lablib.make_veth(run_id)
            deploy = DeployBench(run_id, parent, records, ways)
            deploy.run(ways)
            if PROFILE:
                extra_tables += profile_section(deploy, RATIO_N if RATIO_N in COUNTS else COUNTS[0])
            lablib.remove_links(run_id)
        if "audit" in SECTIONS:
            import audit  # pylint: disable=import-outside-toplevel
            extra_tables += audit.run(run_id, records, collections_path(), quick=QUICK, log=log)
        if "scale" in SECTIONS:
            import scale  # pylint: disable=import-outside-toplevel
            extra_tables += scale.run(run_id, records, collections_path(), quick=QUICK, log=log)
        if "lab" in SECTIONS:
            extra_tables += lab.run(run_id, records, collections_path(), OUT, log=log, repeats=max(REPEATS, 1 if QUICK else 3),
                                    profile=PROFILE, labhosts=os.environ.get("BENCH_SCALE", "0" if QUICK else "1") == "1")
    except KeyboardInterrupt:
        # Ctrl-C: clean up, then print what was measured so far.
        interrupted = True
        log("interrupted: printing what was measured so far")
        extra_tables.append("**Interrupted**: the run was stopped before it ended; the tables hold what was measured.")
    finally:
        done = lablib.cleanup(run_id)
        log("cleanup: %s" % done)
        after = foreign_activity(run_id)
        summary = dict(run_id=run_id, quick=QUICK, counts=COUNTS, repeats=REPEATS, parallel=PARALLEL,
                       machine=machine, activity_before=before, activity_after=after, records=records)
        with open(os.path.join(OUT, "results.json"), "w") as f:
            json.dump(summary, f, indent=1)

    table = []
    if "deploy" in SECTIONS:
        table = ["## Lab deploy (wall-clock seconds; median of %d)" % REPEATS, ""] + deploy_table(records, ways) + [""]
    table += extra_tables
    if "deploy" in SECTIONS or "audit" in SECTIONS:
        table += goal_lines(records)
    machine_lines = [
        "machine: %(nproc)s cores, %(memory_gib)s GiB, kernel %(kernel)s, engine %(engine)s (API %(api)s), "
        "Python %(python)s, docker SDK %(docker_sdk)s, %(ansible_core)s, community.docker %(community_docker)s, "
        "%(date)s" % machine,
        "activity before: load %(load)s, other containers %(other_containers)s, dockerd processes "
        "%(dockerd_processes)s, other tools %(other_tools)s" % before,
        "activity after:  load %(load)s, other containers %(other_containers)s, dockerd processes "
        "%(dockerd_processes)s, other tools %(other_tools)s" % after,
    ]
    text = "\n".join(machine_lines + [""] + table)
    with open(os.path.join(OUT, "table.md"), "w") as f:
        f.write(text + "\n\n" + "\n".join(ratio_lines(records)) + "\n")
    print(text)
    print("\n".join(ratio_lines(records)))
    failed = [r for r in records if not r["ok"]]
    if interrupted:
        return 130
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
