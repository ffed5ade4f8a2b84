# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lab section: what users run (`make lab`'s playbooks and the lab role) against what they would
type instead, and against Ansible's own floor.

- fresh: the default lab (veth lab NIC in promiscuous mode, macvlan network, shim, four containers,
  a link, a published port), deployed and verified by ``playbooks/deploy.yml`` then
  ``playbooks/verify.yml`` (what ``make lab`` runs), against the tutorial's steps as one shell script
  doing the same work and the same checks (``ways/lab_script.sh``);
- re-run: the same two playbooks again on the unchanged lab, against Ansible's floor: the same
  inventory and plays, each play one trivial task (``ways/lab_floor_*.yml``);
- role: a 20-container topology through the deploy playbook (the lab role), against the modules
  alone (way 1 of the deploy section, ``ways/labnet_docker.yml``);
- labhosts: nested lab hosts made by the ``labhosts_create``/``labhosts_prepare`` playbooks, a lab of
  two containers per host deployed and verified on them (engine role, image role, lab role), one host
  against three at once; ``labhosts_destroy`` removes them (not timed).

Ways alternate, their order rotating between repeats; the median of the repeats is shown. Every
object is named ``<run_id>l...`` (role), ``<run_id>s...`` (script) or ``<run_id>m...`` (modules) and
removed between runs (not timed).
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import statistics

import lablib
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
WAYS = os.path.join(HERE, "ways")
RECAP_RE = re.compile(r"^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
TOPOLOGY_N = 20
LABHOSTS = (1, 3)


def free_port() -> int:
    """A TCP port in 20000-29999 that nothing listens on."""
    for _attempt in range(100):
        port = random.randrange(20000, 30000)
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port in 20000-29999")


def changed(out: str) -> int:
    m = RECAP_RE.search(out)
    return int(m.group(2)) if m else -1


class LabBench:
    """One run of the section: names, the subnet and port of each way, and the timed commands."""

    def __init__(self, run_id: str, records: list, coll: str, out: str, log) -> None:
        self.run_id = run_id
        self.records = records
        self.coll = coll
        self.out = out
        self.log = log
        self.cli = lablib.client()
        self.inventory = os.path.join(WAYS, "lab_inventory.yml")

    # ------------------------------------------------------------ helpers

    def env(self, extra: dict | None = None) -> dict:
        return lablib.ansible_env(self.coll, extra)

    def playbook(self, name: str, args: list[str], tag: str, env: dict | None = None) -> tuple[float, int, str]:
        cmd = [os.path.join(lablib.VENV_BIN, "ansible-playbook"), "-i", self.inventory, name] + args
        return lablib.timed(cmd, os.path.join(self.out, "logs", "lab-%s.log" % tag), env or self.env())

    def lab_args(self, lab: str, subnet, port: int) -> list[str]:
        return ["-e", "lab_name=%s" % lab, "-e", "lab_default_subnet=%s" % subnet,
                "-e", "lab_default_web_port=%d" % port, "-e", "lab_report_dir=%s" % os.path.join(self.out, "lab-report-" + lab)]

    def teardown(self, prefix: str) -> None:
        """Everything named ``prefix...``: containers, networks, links (shim, veth), the role's record."""
        lablib.teardown(self.cli, prefix)
        lablib.remove_links(prefix)
        lablib.remove_lab_records(prefix)

    def add(self, way: str, phase: str, secs: float, ok: bool, note: str, n: int = 4) -> None:
        self.log("lab %-8s %-6s %7.2fs %s %s" % (way, phase, secs, "ok" if ok else "FAILED", note))
        self.records.append(dict(section="lab", n=n, way=way, phase=phase, seconds=secs, ok=ok, note=note))

    def subnet(self):
        return lablib.free_subnet(self.cli)

    # ------------------------------------------------------------ the default lab: role, script, floor

    def deploy_verify(self, lab: str, args: list[str], tag: str, env: dict | None = None) -> tuple[float, bool, str, int]:
        """deploy.yml then verify.yml, as ``make lab`` runs them: seconds, ok, note, deploy's changed count."""
        secs, rc, out = self.playbook("labnet.docker.deploy", args, tag + "-deploy", env)
        if rc != 0:
            return secs, False, "deploy rc=%d: %s" % (rc, out.strip().splitlines()[-1:]), -1
        count = changed(out)
        more, rc, vout = self.playbook("labnet.docker.verify", args, tag + "-verify", env)
        if rc != 0:
            return secs + more, False, "verify rc=%d: %s" % (rc, vout.strip().splitlines()[-1:]), count
        return secs + more, True, "", count

    def role_way(self, rep: int) -> None:
        lab = self.run_id + "l%d" % rep
        args = self.lab_args(lab, self.subnet(), free_port())
        try:
            secs, ok, note, _count = self.deploy_verify(lab, args, "role-r%d-fresh" % rep)
            self.add("role", "fresh", secs, ok, note)
            if ok:
                secs, ok, note, count = self.deploy_verify(lab, args, "role-r%d-rerun" % rep)
                if ok and count != 0:
                    note = "re-run reported changed=%d" % count
                self.add("role", "rerun", secs, ok, note)
        finally:
            self.teardown(lab)

    def script_way(self, rep: int) -> None:
        lab = self.run_id + "s%d" % rep
        subnet = self.subnet()
        cmd = [os.path.join(WAYS, "lab_script.sh"), lab, str(subnet), str(free_port()), lablib.BENCH_LABEL + "=" + self.run_id]
        try:
            secs, rc, out = lablib.timed(cmd, os.path.join(self.out, "logs", "lab-script-r%d.log" % rep))
            self.add("script", "fresh", secs, rc == 0, "" if rc == 0 else "rc=%d: %s" % (rc, out.strip().splitlines()[-1:]))
        finally:
            self.teardown(lab)

    def floor_way(self, rep: int) -> None:
        """Ansible's floor of a deploy + verify: the same two ansible-playbook runs, one trivial task per play."""
        total, ok, note = 0.0, True, ""
        for book in ("lab_floor_deploy.yml", "lab_floor_verify.yml"):
            secs, rc, _out = self.playbook(os.path.join(WAYS, book), [], "floor-r%d-%s" % (rep, book[10:-4]))
            total += secs
            if rc != 0:
                ok, note = False, "%s rc=%d" % (book, rc)
        self.add("floor", "rerun", total, ok, note)

    # ------------------------------------------------------------ 20 containers: role against modules

    def topology(self, lab: str, parent: str, subnet) -> str:
        hosts = list(subnet.hosts())
        topo = dict(networks=[dict(name="lan", subnet=str(subnet), parent=parent, create_parent=True, ip_range="none")],
                    containers=[dict(name="c%02d" % (i + 1), command="/bin/labnet-web",
                                     networks=[dict(name="lan", ipv4_address=str(hosts[9 + i]))])
                                for i in range(TOPOLOGY_N)],
                    checks={})
        path = os.path.join(self.out, "lab-topology-%s.json" % lab)
        with open(path, "w") as f:
            json.dump(dict(lab_topology=topo), f)
        return path

    def running(self, label: str, value: str) -> int:
        return len(self.cli.api.containers(filters={"label": "%s=%s" % (label, value)}))

    def topo_role_way(self, rep: int) -> None:
        lab = self.run_id + "t%d" % rep
        args = ["-e", "lab_name=" + lab, "-e", "@" + self.topology(lab, lab + "-nic", self.subnet()),
                "-e", "lab_report=false"]
        try:
            for phase in ("fresh", "rerun"):
                secs, rc, out = self.playbook("labnet.docker.deploy", args, "topo-role-r%d-%s" % (rep, phase))
                up = self.running("labnet.lab", lab)
                ok = rc == 0 and up == TOPOLOGY_N
                note = "" if ok else "rc=%d, %d of %d running" % (rc, up, TOPOLOGY_N)
                if ok and phase == "rerun" and changed(out) != 0:
                    note = "re-run reported changed=%d" % changed(out)
                self.add("role20", phase, secs, ok, note, TOPOLOGY_N)
                if not ok:
                    break
        finally:
            self.teardown(lab)

    def topo_modules_way(self, rep: int) -> None:
        prefix = self.run_id + "m%d" % rep
        parent = lablib.make_veth(prefix)
        spec = lablib.make_spec(prefix, parent, self.subnet(), TOPOLOGY_N, 4)
        path = lablib.write_spec(spec, os.path.join(self.out, "lab-spec-%s.json" % prefix))
        cmd = [os.path.join(lablib.VENV_BIN, "ansible-playbook"), os.path.join(WAYS, "labnet_docker.yml"), "-e", "@" + path]
        try:
            for phase in ("fresh", "rerun"):
                secs, rc, out = lablib.timed(cmd, os.path.join(self.out, "logs", "lab-topo-modules-r%d-%s.log" % (rep, phase)),
                                             self.env())
                problems = lablib.check_lab(self.cli, spec) if rc == 0 else ["rc=%d" % rc]
                note = "; ".join(problems[:2])
                if not problems and phase == "rerun" and changed(out) != 0:
                    note = "re-run reported changed=%d" % changed(out)
                self.add("modules20", phase, secs, not problems, note, TOPOLOGY_N)
                if problems:
                    break
        finally:
            self.teardown(prefix)

    # ------------------------------------------------------------ nested lab hosts: three against one

    def labhosts_inventory(self, state: str, lab: str, count: int) -> str:
        """Reach the lab hosts (as Molecule does, community.docker's connection) and give them a lab:
        two containers per host on one macvlan network over the hosts' LAN, pinging each other."""
        with open(os.path.join(state, "labhosts.yml")) as f:
            record = yaml.safe_load(f)
        hosts = {h["name"]: dict(ansible_connection="community.docker.docker", ansible_host=h["container"])
                 for h in record["hosts"]}
        names = sorted(hosts)
        containers = [dict(name="%s%d" % (c, k + 1), host=h, networks=["lan"],
                           command=["/bin/sh", "-c", "trap 'exit 0' TERM; sleep 2147483647 & wait"])
                      for k, h in enumerate(names) for c in ("a", "b")]
        topo = dict(networks=[dict(name="lan", subnet=record["lans"]["lan"]["lab_subnet"], parent="eth0", ip_range="auto")],
                    containers=containers,
                    checks=dict(ping=[["a%d" % (k + 1), "b%d" % (k + 1)] for k in range(count)]))
        inv = dict(all=dict(children=dict(lab_hosts=dict(hosts=hosts, vars=dict(
            lab_manage_engine=True, lab_name=lab, lab_topology=topo,
            lab_report_dir=os.path.join(state, "lab-report"))))))
        path = os.path.join(state, "bench-inventory.yml")
        with open(path, "w") as f:
            yaml.safe_dump(inv, f)
        return path

    def labhosts_way(self, count: int, rep: int) -> None:
        tag = "labhosts%d-r%d" % (count, rep)
        state = os.path.join(self.out, tag)
        os.makedirs(state, exist_ok=True)
        # The role's defaults name Molecule's folder: outside Molecule, the state folder plays it.
        names = dict(labhosts_state_dir=state, labhosts_scenario=self.run_id, molecule_ephemeral_directory=state,
                     molecule_instance_config=os.path.join(state, "instance_config.yml"))
        platforms = dict(names, labhosts_platforms=[dict(name="labhost%d" % (k + 1), groups=["lab_hosts"]) for k in range(count)])
        env = self.env(dict(ANSIBLE_FORKS="5", ANSIBLE_PIPELINING="True"))

        def play(name: str, args: list[str]) -> tuple[float, int, str]:
            return lablib.timed([os.path.join(lablib.VENV_BIN, "ansible-playbook")] + args + ["labnet.docker." + name],
                                os.path.join(self.out, "logs", "lab-%s-%s.log" % (tag, name)), env)
        total, note = 0.0, ""
        try:
            secs, rc, out = play("labhosts_create", ["-i", "localhost,", "-e", json.dumps(platforms)])
            total += secs
            step = "labhosts_create"
            if rc == 0:
                inv = ["-i", os.path.join(state, "inventory"), "-i", self.labhosts_inventory(state, self.run_id + "h", count)]
                for step in ("labhosts_prepare", "deploy", "verify"):
                    secs, rc, out = play(step, inv)
                    total += secs
                    if rc != 0:
                        break
            if rc != 0:
                note = "%s rc=%d: %s" % (step, rc, out.strip().splitlines()[-1:])
            self.add("labhosts%d" % count, "fresh", total, rc == 0, note, count)
        finally:
            play("labhosts_destroy", ["-i", "localhost,", "-e", json.dumps(names)])

    # ------------------------------------------------------------ the section

    def run(self, repeats: int, parts: list[str]) -> None:
        rounds = []
        if "lab" in parts:
            rounds.append([self.role_way, self.script_way, self.floor_way])
        if "topology" in parts:
            rounds.append([self.topo_role_way, self.topo_modules_way])
        if "labhosts" in parts:
            rounds.append([lambda rep, n=n: self.labhosts_way(n, rep) for n in LABHOSTS])
        for ways in rounds:
            for rep in range(1, repeats + 1):
                k = (rep - 1) % len(ways)
                for way in ways[k:] + ways[:k]:
                    way(rep)

    def profile(self) -> list[str]:
        """Where the time goes: the default lab's deploy and verify, fresh and re-run, under profile_tasks."""
        lab = self.run_id + "p"
        args = self.lab_args(lab, self.subnet(), free_port())
        env = self.env(dict(ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks"))
        lines = ["### Where the default lab's time goes (profile_tasks, separate runs)", ""]
        try:
            for phase in ("fresh", "rerun"):
                for book in ("deploy", "verify"):
                    secs, _rc, out = self.playbook("labnet.docker." + book, args, "profile-%s-%s" % (book, phase), env)
                    path = os.path.join(self.out, "profile-lab-%s-%s.txt" % (book, phase))
                    with open(path, "w") as f:
                        f.write(out)
                    tasks = re.findall(r"^(.+?) -+ (\d+\.\d+)s$", out, re.M)
                    total = sum(float(t) for _n, t in tasks)
                    top = sorted(tasks, key=lambda t: -float(t[1]))[:6]
                    lines.append("- %s %s: %.2f s wall, its %d slowest tasks %.2f s, the rest (start-up, other tasks) %.2f s; slowest: %s"
                                 % (book, phase, secs, len(tasks), total, secs - total,
                                    ", ".join("%s %ss" % (n.strip(), t) for n, t in top)))
        finally:
            self.teardown(lab)
        return lines + [""]


def med(records: list, way: str, phase: str):
    vals = [r["seconds"] for r in records if r["section"] == "lab" and r["ok"] and r["way"] == way and r["phase"] == phase]
    return (statistics.median(vals), len(vals), min(vals), max(vals)) if vals else (None, 0, None, None)


def table(records: list, repeats: int) -> list[str]:
    rows = [("role", "fresh", "`make lab`: deploy.yml + verify.yml, default lab, fresh"),
            ("script", "fresh", "the tutorial's steps as a shell script, same lab and checks"),
            ("role", "rerun", "`make lab` again, unchanged (deploy changed=0)"),
            ("floor", "rerun", "Ansible's floor: the same plays, one trivial task each"),
            ("role20", "fresh", "20 containers through the deploy playbook (lab role), fresh"),
            ("modules20", "fresh", "20 containers, modules only (way 1), fresh"),
            ("role20", "rerun", "20 containers through the lab role, re-run"),
            ("modules20", "rerun", "20 containers, modules only, re-run"),
            ("labhosts1", "fresh", "one nested lab host: create, prepare, deploy, verify"),
            ("labhosts3", "fresh", "three nested lab hosts at once: create, prepare, deploy, verify")]
    lines = ["## The lab as users run it (wall-clock seconds; median of %d)" % repeats, "",
             "| what | s (median, min-max) | runs | notes |", "| --- | --- | --- | --- |"]
    for way, phase, title in rows:
        m, cnt, lo, hi = med(records, way, phase)
        notes = "; ".join(sorted({("FAILED " if not r["ok"] else "") + r["note"] for r in records
                                  if r["section"] == "lab" and r["way"] == way and r["phase"] == phase
                                  and (not r["ok"] or r["note"])}))[:200]
        if m is None and not notes:
            continue
        spread = "%s (%s-%s)" % (lablib.fmt(m), lablib.fmt(lo), lablib.fmt(hi)) if m is not None else "n/a"
        lines.append("| %s | %s | %d | %s |" % (title, spread, cnt, notes))
    return lines + [""]


def ratios(records: list) -> dict:
    def ratio(a, b):
        return a / b if a and b else None
    return dict(
        lab_fresh_over_script=ratio(med(records, "role", "fresh")[0], med(records, "script", "fresh")[0]),
        lab_rerun_over_ansible_floor=ratio(med(records, "role", "rerun")[0], med(records, "floor", "rerun")[0]),
        role_over_modules=ratio(med(records, "role20", "fresh")[0], med(records, "modules20", "fresh")[0]),
    )


def goal_lines(records: list) -> list[str]:
    r = ratios(records)
    goals = [("lab_fresh_over_script", 2.0), ("lab_rerun_over_ansible_floor", 3.0), ("role_over_modules", 1.2)]
    shown = [line.split("=")[0] for line in ratio_lines(records)]
    lines = ["| goal | this run | met |", "| --- | --- | --- |"]
    for name, limit in goals:
        v = r[name]
        if name not in shown:
            continue
        met = "n/a" if v is None else "yes" if v <= limit else "**no**"
        lines.append("| %s at most %.1f | %s | %s |" % (name, limit, lablib.fmt(v, "%.2f"), met))
    return lines + [""]


def ratio_lines(records: list) -> list[str]:
    """The ratio lines of the parts that ran."""
    ran = {r["way"] for r in records if r["section"] == "lab"}
    needs = dict(lab_fresh_over_script="role", lab_rerun_over_ansible_floor="floor", role_over_modules="role20")
    return ["%s=%s" % (k, lablib.fmt(v, "%.2f")) for k, v in ratios(records).items() if needs[k] in ran]


def labhosts_ratio_lines(records: list) -> list[str]:
    one, three = med(records, "labhosts1", "fresh")[0], med(records, "labhosts3", "fresh")[0]
    return ["labhosts_three_over_one=%s" % lablib.fmt(three / one if one and three else None, "%.2f")]


def run(run_id: str, records: list, coll: str, out: str, log, repeats: int, profile: bool, labhosts: bool) -> list[str]:
    parts = os.environ.get("BENCH_LAB_PARTS", "lab,topology,labhosts" if labhosts else "lab,topology").split(",")
    bench = LabBench(run_id, records, coll, out, log)
    log("lab section: %s, %d repeat(s)" % (", ".join(parts), repeats))
    try:
        bench.run(repeats, parts)
        extra = bench.profile() if profile and "lab" in parts else []
    finally:
        for prefix in (run_id + "l", run_id + "s", run_id + "t", run_id + "m", run_id + "p"):
            bench.teardown(prefix)
    return table(records, repeats) + goal_lines(records) + extra
