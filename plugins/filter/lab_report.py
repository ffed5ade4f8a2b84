# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lab report: check results as rows and a table, and the topology as Graphviz and Mermaid.

Pure functions over plain data: a plan from ``labnet.docker.lab_plan`` and the results that the
``labnet.docker.lab`` role's verify step registers.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ansible.errors import AnsibleFilterError

from ansible_collections.labnet.docker.plugins.module_utils._docker.link_order import parse_link
from ansible_collections.labnet.docker.plugins.module_utils._labcheck.diagnosis import binding_diagnosis
from ansible_collections.labnet.docker.plugins.module_utils._labcheck.rows import (
    FAIL,
    PASS,
    READERS,
    WARN,
    failure_text,
    not_run_rows,
    result_rows,
    row,
)

KINDS = ("ping", "host_ping", "http", "port", "port_forward", "route", "wire", "wire_ping", "vxlan", "vxlan_firewall")
_row = row


def _wire_rows(result: dict, check: dict) -> list:
    """labnet.docker.container_wires in check mode: a wire as planned has nothing to do."""
    if result.get("skipped"):
        return [_row(check, FAIL, "not run: %s" % (result.get("skip_reason") or "skipped"), "the wire was not checked; run verify again")]
    if result.get("failed"):
        msg = str(result.get("msg") or "container_wires failed")
        return [_row(check, FAIL, msg, msg)]
    if result.get("changed"):
        return [_row(check, FAIL, "not as planned (missing, or other addresses or MTU): the next deploy makes it again",
                     "an end of the wire is missing or differs (a restarted container loses its end); deploy the lab again")]
    return [_row(check, PASS, "both ends as planned")]


def _vxlan_rows(result: dict, check: dict) -> list:
    """labnet.docker.vxlan_link in check mode: a link as planned (VNI, port, local, MTU, FDB peers) has nothing to do."""
    fix = "deploy the lab again: it re-makes the VXLAN link %s and its FDB peers" % check.get("link", {}).get("name", "")
    if result.get("skipped"):
        return [_row(check, FAIL, "not run: %s" % (result.get("skip_reason") or "skipped"), fix)]
    if result.get("failed"):
        return [_row(check, FAIL, str(result.get("msg") or "vxlan_link failed"), fix)]
    if result.get("changed"):
        return [_row(check, FAIL, "not as planned, the next deploy would: %s" % "; ".join(result.get("actions") or []), fix)]
    link = result.get("link") or {}
    return [_row(check, PASS, "up, mtu %s, peers %s" % (link.get("mtu"), ", ".join(link.get("remotes") or []) or "none"))]


def _vxlan_firewall_rows(result: dict, check: dict) -> list:
    """``iptables -S INPUT`` and ``iptables -S <chain>``: every planned jump and rule is there, in order."""
    firewall = check.get("firewall") or {}
    fix = "deploy the lab again: it rewrites chain %s and its INPUT jumps" % firewall.get("chain")
    if result.get("skipped"):
        return [_row(check, FAIL, "not run: %s" % (result.get("skip_reason") or "skipped"), fix)]
    if result.get("rc") != 0:
        return [_row(check, FAIL, "the chain cannot be read (rc=%s): %s" % (result.get("rc"), failure_text(result)), fix)]
    lines = [line.strip() for line in (result.get("stdout") or "").splitlines()]
    missing = [jump for jump in firewall.get("jumps") or [] if jump not in lines]
    rules = [line for line in lines if line.startswith("-A %s " % firewall.get("chain"))]
    if missing:
        return [_row(check, FAIL, "INPUT lacks %s" % "; ".join(missing), fix)]
    if rules != list(firewall.get("rules") or []):
        return [_row(check, FAIL, "chain %s holds %s, not %s" % (firewall.get("chain"), rules, firewall.get("rules")), fix)]
    ports = ", ".join(str(p) for p in firewall.get("ports") or [])
    return [_row(check, PASS, "udp %s accepted from %s only" % (ports, ", ".join(firewall.get("peers") or []) or "no host"))]


def _port_forward_rows(result: dict, check: dict) -> list:
    """labnet.docker.port_forward_info: drift of the lab's containers fails, host-wide drift warns."""
    if result.get("skipped") and "ansible_check_mode" not in str(result.get("false_condition") or ""):
        names = ", ".join(sorted(check.get("containers") or []))
        return [_row(check, FAIL, "not run: none of %s runs" % names,
                     "none of %s runs; start them (docker start), or deploy the lab again" % names)]
    if result.get("skipped"):
        return not_run_rows(result, check)
    if result.get("failed") or "ports" not in result:
        msg = str(result.get("msg") or "port_forward_info failed")
        return [_row(check, FAIL, msg, msg)]
    ports = result.get("ports") or []
    ours = set(check.get("containers") or []) | {p.get("container") for p in ports}
    shown = {(p.get("container"), problem) for p in ports for problem in p.get("problems") or []}
    rows = []
    for port in ports:
        binding = "%s:%s->%s/%s" % (port.get("host_ip"), port.get("host_port"), port.get("container_port"), port.get("proto"))
        name = "port_forward %s %s" % (port.get("container"), binding)
        sub = dict(check, name=name)
        reach = port.get("reachable") or {}
        paths = ", ".join("%s %s" % (k, "ok" if v else "FAILED") for k, v in sorted(reach.items()) if v is not None)
        facts = "dnat %s, proxy %s%s" % ("yes" if port.get("dnat") else "no", port.get("proxy") or "none",
                                         (", " + paths) if paths else "")
        if port.get("status") == "no_nat":
            rows.append(_row(sub, PASS, "no NAT: %s" % (port.get("note") or "not a bridge network")))
        elif port.get("problems"):
            rows.append(_row(sub, FAIL, "%s (%s)" % (", ".join(port["problems"]), facts), binding_diagnosis(port)))
        else:
            rows.append(_row(sub, PASS, facts))
    for drift in result.get("drift") or []:
        if (drift.get("container"), drift.get("problem")) in shown:
            continue  # already the failed row of its binding
        if drift.get("container") in ours:
            sub = dict(check, name="port_forward %s: %s" % (drift.get("container"), drift.get("problem")))
            rows.append(_row(sub, FAIL, drift.get("message", ""), drift.get("message", "")))
        else:
            # Host-wide, or another container's: reported, but not this lab's failure.
            sub = dict(check, name="port_forward host-wide: %s %s" % (drift.get("problem"), drift.get("container") or ""))
            rows.append(_row(sub, WARN, "not this lab's: %s" % drift.get("message", "")))
    if not rows:
        rows.append(_row(check, FAIL, "no published binding found for %s" % ", ".join(sorted(ours)),
                         "none of %s runs with its published ports; start them (docker start), or deploy the lab again"
                         % ", ".join(sorted(ours))))
    return rows


def lab_check_rows(results, host: str = "") -> list:
    """Rows ``{name, kind, host, status, detail}`` from a verify task's registered loop results.

    Each loop item is the planned check (``item``); the kind decides how its result is read.
    """
    if isinstance(results, dict):
        results = results.get("results") or []
    rows = []
    for result in results or []:
        check = dict(result.get("item") or {})
        check.setdefault("host", host)
        kind = check.get("kind")
        if result.get("unsupported") or kind in READERS:
            rows.extend(result_rows(result, check))
        elif kind == "wire":
            rows.extend(_wire_rows(result, check))
        elif kind == "port_forward":
            rows.extend(_port_forward_rows(result, check))
        elif kind in ("vxlan", "vxlan_firewall"):
            rows.extend((_vxlan_rows if kind == "vxlan" else _vxlan_firewall_rows)(result, check))
        else:
            raise AnsibleFilterError("lab_check_rows: a result has no planned check of a known kind (%r); kinds: %s" % (kind, ", ".join(KINDS)))
    return rows


def _counts(rows) -> dict:
    return {s: sum(1 for r in rows if r["status"] == s) for s in (PASS, FAIL, WARN)}


def lab_check_table(rows) -> str:
    """The rows as a fixed-width text table, failures first, each failure's diagnosis under it, with a summary line."""
    rows = sorted(rows or [], key=lambda r: ({FAIL: 0, WARN: 1, PASS: 2}.get(r["status"], 3), r["host"], r["name"]))
    headers = ("status", "host", "check", "detail")
    cells = [(r["status"].upper(), r["host"], r["name"], r["detail"]) for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(headers[:3])]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers[:3], widths)) + "  " + headers[3]]
    lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    indent = " " * (widths[0] + widths[1] + 4)
    for r, c in zip(rows, cells):
        lines.append("  ".join(c[i].ljust(widths[i]) for i in range(3)) + "  " + c[3])
        if r.get("diagnosis"):
            lines.append("%s-> first broken hop: %s" % (indent, r["diagnosis"]))
    counts = _counts(rows)
    lines.append("%d checks: %d passed, %d failed, %d warnings" % (len(rows), counts[PASS], counts[FAIL], counts[WARN]))
    return "\n".join(lines)


def lab_check_markdown(rows) -> str:
    """The rows as a Markdown table, with each failure's diagnosis."""
    out = ["| status | host | check | detail | diagnosis |", "| --- | --- | --- | --- | --- |"]
    for r in sorted(rows or [], key=lambda r: (r["host"], r["kind"], r["name"])):
        cells = [r["status"].upper(), r["host"], r["name"], r["detail"], r.get("diagnosis") or ""]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out)


def lab_check_summary(rows, lab: str = "") -> dict:
    """The rows as one document for checks.json: the lab, the counts and every row (failures' diagnoses included)."""
    rows = sorted(rows or [], key=lambda r: (r["host"], r["kind"], r["name"]))
    counts = _counts(rows)
    return dict(lab=lab, checks=len(rows), passed=counts[PASS], failed=counts[FAIL], warnings=counts[WARN],
                rows=[dict(r, diagnosis=r.get("diagnosis") or "") for r in rows])


def lab_check_junit(rows, lab: str = "lab") -> str:
    """The rows as JUnit XML: a test suite per host, a test case per check; a failure carries the diagnosis
    as its message and the detail as its text, a warning is a skipped test case."""
    rows = sorted(rows or [], key=lambda r: (r["host"], r["kind"], r["name"]))
    counts = _counts(rows)
    root = ET.Element("testsuites", name="lab %s" % lab, tests=str(len(rows)), failures=str(counts[FAIL]), errors="0")
    for host in sorted({r["host"] for r in rows}):
        mine = [r for r in rows if r["host"] == host]
        here = _counts(mine)
        suite = ET.SubElement(root, "testsuite", name="lab %s on %s" % (lab, host), tests=str(len(mine)),
                              failures=str(here[FAIL]), errors="0", skipped=str(here[WARN]), hostname=host)
        for r in mine:
            case = ET.SubElement(suite, "testcase", name=r["name"], classname="lab.%s.%s" % (lab, r["kind"]))
            if r["status"] == FAIL:
                failure = ET.SubElement(case, "failure", type=r["kind"], message=r.get("diagnosis") or r["detail"])
                failure.text = "%s\nfirst broken hop: %s" % (r["detail"], r.get("diagnosis") or "not diagnosed")
            elif r["status"] == WARN:
                ET.SubElement(case, "skipped", message=r["detail"])
            else:
                ET.SubElement(case, "system-out").text = r["detail"]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# -- pictures ------------------------------------------------------------------------------------

def _id(*parts) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9_]", "_", str(p)) for p in parts)


def _q(text) -> str:
    return '"%s"' % str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _topology(plan: dict):
    """Hosts, their parents and networks, containers with attachments, links and ports."""
    if not isinstance(plan, dict) or "hosts" not in plan:
        raise AnsibleFilterError("The lab report needs a plan from labnet.docker.lab_plan; got %r." % (type(plan).__name__,))
    by_name = {c["name"]: c for c in plan.get("containers") or []}
    networks: dict[str, dict] = {}
    for host, part in plan["hosts"].items():
        for net in part.get("networks") or []:
            networks.setdefault(net["docker_name"], dict(net, per_host={}))["per_host"][host] = net
    return by_name, networks


def _net_kind(net: dict) -> str:
    """``macvlan 10.0.0.0/24`` or ``bridge 10.0.0.0/24, internal`` (with the IPv6 subnet when dual-stack)."""
    subnets = " ".join(s for s in (net["subnet"], net.get("subnet_v6")) if s)
    return "%s %s%s" % (net.get("driver") or "macvlan", subnets, ", internal" if net.get("internal") else "")


def _parent_kind(net: dict) -> str:
    """A parent NIC as the picture names it: a VXLAN link (with its VNI and peers), a veth lab NIC, or a NIC."""
    link = (net.get("underlay") or {}).get("link")
    if link:
        return "VXLAN vni %s, %s -> %s" % (link["vni"], link["local"], ", ".join(link["remotes"]) or "no peer")
    return "veth lab NIC" if net.get("create_parent") else "NIC"


def _ctr_of(end: str) -> str:
    """The container's Docker name of a wire end ``<docker name>:<ifname>``."""
    return end.rsplit(":", 1)[0]


def _wire_label(wire: dict, newline: str) -> str:
    ends = []
    for side in ("a", "b"):
        ifname = wire[side].rsplit(":", 1)[1]
        ends.append("%s %s" % (ifname, wire.get(side + "_address") or "") if wire.get(side + "_address") else ifname)
    return "wire%s%s -- %s" % (newline, ends[0], ends[1])


def lab_report_dot(plan, rows=None) -> str:
    """The lab as a Graphviz digraph: a cluster per host with its parent NICs, containers and ports,
    the macvlan networks spanning hosts, links as dashed edges, failed checks in red."""
    by_name, networks = _topology(plan)
    failed = {r["name"] for r in rows or [] if r.get("status") == FAIL}
    out = ["digraph lab {", '  graph [rankdir=LR, fontname="Helvetica", label=%s, labelloc=t];' % _q("lab " + plan["name"]),
           '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
    for net_name, net in networks.items():
        label = "%s\n%s, gw %s" % (net_name, _net_kind(net), net["gateway"])
        out.append("  %s [shape=ellipse, style=filled, fillcolor=lightblue, label=%s];" % (_id("net", net_name), _q(label)))
    for host, part in plan["hosts"].items():
        out.append("  subgraph %s {" % _id("cluster", host))
        out.append("    label=%s; style=rounded;" % _q("host " + host))
        for net in [n for n in part.get("networks") or [] if n.get("parent")]:
            nic = _id("nic", host, net["parent"])
            kind = _parent_kind(net)
            out.append("    %s [shape=box, style=filled, fillcolor=khaki, label=%s];"
                       % (nic, _q("%s (%s, promisc)\nip_range %s" % (net["parent"], kind, net.get("ip_range") or "-"))))
            if net.get("shim"):
                shim = _id("shim", host, net["shim"]["name"])
                out.append("    %s [shape=box, style=dashed, label=%s];" % (shim, _q("shim %s\n%s" % (net["shim"]["name"], net["shim"]["address"]))))
                out.append("    %s -> %s [arrowhead=none, style=dashed];" % (shim, nic))
        for ctr in [c for c in by_name.values() if c["host"] == host]:
            cid = _id("ctr", ctr["docker_name"])
            addrs = "\n".join("%s %s" % (n, a or "(engine)") for n, a in sorted(ctr["addresses"].items()))
            router = bool(ctr.get("router"))
            label = "%s%s\n%s\n%s" % ("router " if router else "", ctr["docker_name"], ctr["image"], addrs or "default bridge")
            out.append("    %s [shape=%s, style=filled, fillcolor=%s, label=%s];"
                       % (cid, "box3d" if router else "component", "gold" if router else "palegreen", _q(label)))
            for port in ctr.get("published_ports") or []:
                pid = _id("port", host, ctr["docker_name"], port)
                out.append("    %s [shape=cds, style=filled, fillcolor=orange, label=%s];" % (pid, _q("publish " + port)))
                out.append("    %s -> %s [label=%s];" % (pid, cid, _q("docker-proxy / DNAT")))
        out.append("  }")
        for net in [n for n in part.get("networks") or [] if n.get("parent")]:
            out.append("  %s -> %s [arrowhead=none, penwidth=2];" % (_id("nic", host, net["parent"]), _id("net", net["docker_name"])))
    for ctr in by_name.values():
        for net_name, address in sorted(ctr["addresses"].items()):
            if net_name in networks:
                out.append("  %s -> %s [arrowhead=none, label=%s];" % (_id("ctr", ctr["docker_name"]), _id("net", net_name), _q(address or "")))
        for link in ctr.get("links") or []:
            target, alias = parse_link(link)
            if target in by_name:
                cross = by_name[target]["host"] != ctr["host"]
                out.append("  %s -> %s [style=dashed, color=blue, label=%s];" % (
                    _id("ctr", ctr["docker_name"]), _id("ctr", by_name[target]["docker_name"]),
                    _q("%s%s" % (alias or target, " (/etc/hosts)" if cross else " (link)"))))
    for wire in plan.get("wires") or []:
        out.append("  %s -> %s [arrowhead=none, penwidth=3, color=darkgreen, label=%s];" % (
            _id("ctr", _ctr_of(wire["a"])), _id("ctr", _ctr_of(wire["b"])), _q(_wire_label(wire, "\n"))))
    for check in plan.get("checks") or []:
        if check["kind"] == "ping" and check["name"] in failed:
            out.append("  %s -> %s [color=red, label=%s];" % (
                _id("ctr", by_name[check["source"]]["docker_name"]), _id("ctr", by_name[check["target"]]["docker_name"]), _q("ping FAILED")))
    out.append("}")
    return "\n".join(out) + "\n"


def lab_report_mermaid(plan, rows=None) -> str:
    """The same picture as a Mermaid flowchart (for Markdown viewers that render Mermaid)."""
    by_name, networks = _topology(plan)

    def m(text) -> str:
        return '"%s"' % str(text).replace('"', "'")

    out = ["flowchart LR"]
    for net_name, net in networks.items():
        out.append("  %s([%s])" % (_id("net", net_name), m("%s<br/>%s" % (net_name, _net_kind(net)))))
    for host, part in plan["hosts"].items():
        out.append("  subgraph %s[%s]" % (_id("host", host), m("host " + host)))
        for net in [n for n in part.get("networks") or [] if n.get("parent")]:
            out.append("    %s[%s]" % (_id("nic", host, net["parent"]), m("%s promisc<br/>ip_range %s" % (net["parent"], net.get("ip_range") or "-"))))
            if net.get("shim"):
                out.append("    %s[%s]" % (_id("shim", host, net["shim"]["name"]), m("shim %s %s" % (net["shim"]["name"], net["shim"]["address"]))))
        for ctr in [c for c in by_name.values() if c["host"] == host]:
            addrs = "<br/>".join("%s" % a for a in sorted(a for a in ctr["addresses"].values() if a))
            shape = "{{%s}}" if ctr.get("router") else "[%s]"
            out.append("    %s%s" % (_id("ctr", ctr["docker_name"]), shape % m("%s%s<br/>%s" % (
                "router " if ctr.get("router") else "", ctr["docker_name"], addrs or "default bridge"))))
            for port in ctr.get("published_ports") or []:
                out.append("    %s>%s] --> %s" % (_id("port", host, ctr["docker_name"], port), m("publish " + port), _id("ctr", ctr["docker_name"])))
        out.append("  end")
        for net in [n for n in part.get("networks") or [] if n.get("parent")]:
            out.append("  %s --- %s" % (_id("nic", host, net["parent"]), _id("net", net["docker_name"])))
            if net.get("shim"):
                out.append("  %s -.- %s" % (_id("shim", host, net["shim"]["name"]), _id("nic", host, net["parent"])))
    for ctr in by_name.values():
        for net_name, address in sorted(ctr["addresses"].items()):
            if net_name in networks:
                out.append("  %s ---|%s| %s" % (_id("ctr", ctr["docker_name"]), m(address or "auto"), _id("net", net_name)))
        for link in ctr.get("links") or []:
            target, alias = parse_link(link)
            if target in by_name:
                out.append("  %s -.->|%s| %s" % (_id("ctr", ctr["docker_name"]), m("link " + (alias or target)), _id("ctr", by_name[target]["docker_name"])))
    for wire in plan.get("wires") or []:
        out.append("  %s ===|%s| %s" % (_id("ctr", _ctr_of(wire["a"])), m(_wire_label(wire, "<br/>")), _id("ctr", _ctr_of(wire["b"]))))
    return "\n".join(out) + "\n"


class FilterModule:
    """The labnet.docker lab report filters."""

    def filters(self):
        return {
            "lab_check_rows": lab_check_rows,
            "lab_check_table": lab_check_table,
            "lab_check_markdown": lab_check_markdown,
            "lab_check_summary": lab_check_summary,
            "lab_check_junit": lab_check_junit,
            "lab_report_dot": lab_report_dot,
            "lab_report_mermaid": lab_report_mermaid,
        }
