# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import copy
import shutil
import subprocess

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.labnet.docker.plugins.filter.lab_plan import lab_plan
from ansible_collections.labnet.docker.plugins.filter.lab_report import (
    FilterModule,
    lab_check_markdown,
    lab_check_rows,
    lab_check_table,
    lab_report_dot,
    lab_report_mermaid,
)

from .test_lab_plan import FLEET, ROUTED, TUTORIAL

PING = dict(kind="ping", host="h1", name="ping a -> b", container="lab-a", address="10.0.0.2")
HTTP = dict(kind="http", host="h1", name="http c -> http://www/", url="http://www/", expect="labnet box web")
PORT = dict(kind="port", host="h1", name="port 127.0.0.1:8080", address="127.0.0.1", port=8080)
FORWARD = dict(kind="port_forward", host="h1", name="port_forward_info on h1", containers=["lab-web"])

PING_OK = "PING 10.0.0.2 (10.0.0.2): 56 data bytes\n\n--- 10.0.0.2 ping statistics ---\n3 packets transmitted, 3 packets received, 0% packet loss\n"


def rows(item, **result):
    return lab_check_rows({"results": [dict(result, item=item)]}, "h1")


@pytest.mark.parametrize("item, result, status, detail", [
    (PING, dict(rc=0, stdout=PING_OK), "pass", "3 packets transmitted, 3 packets received, 0% packet loss"),
    (PING, dict(rc=1, stdout="3 packets transmitted, 0 packets received, 100% packet loss"), "fail", "rc=1: 3 packets transmitted"),
    (PING, dict(failed=True, msg="No such container: lab-a"), "fail", "No such container: lab-a"),
    (PING, dict(skipped=True, skip_reason="Conditional result was False"), "fail", "not run"),
    (PING, dict(skipped=True, skip_reason="Conditional result was False", false_condition="not ansible_check_mode"),
     "warn", "not run in check mode"),
    (HTTP, dict(skipped=True, skip_reason="Conditional result was False", false_condition="not ansible_check_mode"),
     "warn", "not run in check mode"),
    (HTTP, dict(rc=0, stdout="<h1>labnet box web</h1>"), "pass", "containing 'labnet box web'"),
    (HTTP, dict(rc=0, stdout="<h1>labnet box other</h1>"), "fail", "does not contain 'labnet box web'"),
    (HTTP, dict(rc=1, stderr="wget: bad address 'www'"), "fail", "rc=1: wget: bad address 'www'"),
    (PORT, dict(state="started", port=8080, elapsed=0), "pass", "connected to 127.0.0.1:8080"),
    (PORT, dict(msg="Timeout when waiting for 127.0.0.1:8080", elapsed=5), "fail", "Timeout when waiting"),
])
def test_check_rows(item, result, status, detail):
    (row,) = rows(item, **result)
    assert row["status"] == status
    assert detail in row["detail"]
    assert row["name"] == item["name"] and row["host"] == "h1" and row["kind"] == item["kind"]


HEALTHY_PORT = dict(container="lab-web", host_ip="0.0.0.0", host_port=8080, container_port=80, proto="tcp",
                    dnat="-A DOCKER ...", proxy=4242, reachable={"loopback": True, "nat": True}, status="ok", problems=[])


def test_port_forward_healthy():
    (row,) = rows(FORWARD, ports=[HEALTHY_PORT], drift=[])
    assert row["status"] == "pass"
    assert row["detail"] == "dnat yes, proxy 4242, loopback ok, nat ok"
    assert row["name"] == "port_forward lab-web 0.0.0.0:8080->80/tcp"


def test_port_forward_drift_of_the_lab_fails_and_host_wide_drift_warns():
    broken = dict(HEALTHY_PORT, proxy=None, status="drift", problems=["proxy_missing"], reachable={"loopback": False, "nat": True})
    drift = [
        dict(problem="proxy_missing", container="lab-web", message="no docker-proxy"),
        dict(problem="unreachable", container="lab-web", message="nothing answers on loopback"),
        dict(problem="orphan_proxy", container=None, message="a docker-proxy without a container"),
    ]
    result = rows(FORWARD, ports=[broken], drift=drift)
    assert [(r["status"], r["name"]) for r in result] == [
        ("fail", "port_forward lab-web 0.0.0.0:8080->80/tcp"),
        ("fail", "port_forward lab-web: unreachable"),
        ("warn", "port_forward host-wide: orphan_proxy "),
    ]
    assert result[0]["detail"] == "proxy_missing (dnat yes, proxy none, loopback FAILED, nat ok)"


def test_port_forward_on_macvlan_is_not_drift():
    port = dict(HEALTHY_PORT, status="no_nat", dnat=None, proxy=None, note="macvlan networks get no NAT")
    (row,) = rows(FORWARD, ports=[port], drift=[])
    assert row["status"] == "pass" and "macvlan networks get no NAT" in row["detail"]


def test_port_forward_module_failure_and_missing_bindings_fail():
    (row,) = rows(FORWARD, failed=True, msg="containers: no running container is named 'lab-web'")
    assert row["status"] == "fail" and "no running container" in row["detail"]
    (row,) = rows(FORWARD, ports=[], drift=[])
    assert row["status"] == "fail" and "no published binding found for lab-web" in row["detail"]


def test_unknown_kind_is_an_error():
    with pytest.raises(AnsibleFilterError, match="no planned check of a known kind"):
        lab_check_rows([dict(item=dict(kind="telepathy"))])


def test_table_puts_failures_first_and_counts():
    table_rows = rows(PING, rc=0, stdout=PING_OK) + rows(HTTP, rc=1, stderr="bad address")
    table = lab_check_table(table_rows).splitlines()
    assert table[0].split() == ["status", "host", "check", "detail"]
    assert table[2].startswith("FAIL") and table[3].startswith("PASS")
    assert table[-1] == "2 checks: 1 passed, 1 failed, 0 warnings"
    md = lab_check_markdown(table_rows).splitlines()
    assert md[0] == "| status | host | check | detail | diagnosis |"
    assert len(md) == 4


def test_a_failure_carries_its_diagnosis_into_the_table_and_markdown():
    why = "lab-b is stopped (exited); start it (docker start lab-b)"
    table_rows = rows(PING, rc=1, stdout="3 packets transmitted, 0 packets received", diagnosis=why) + rows(PING, rc=0, stdout=PING_OK)
    assert [r["diagnosis"] for r in table_rows] == [why, ""]  # a passed check carries none, whatever it was given
    table = lab_check_table(table_rows).splitlines()
    assert table[2].startswith("FAIL") and table[3].strip() == "-> first broken hop: " + why and table[4].startswith("PASS")
    md = lab_check_markdown(table_rows)
    assert "| %s |" % why in md


def test_a_kind_the_runner_does_not_support_is_a_warning_not_an_error():
    (row,) = lab_check_rows([dict(item=dict(kind="vxlan", name="vxlan h1 -> h2", host="h1"), unsupported=True,
                                  msg="labnet.docker.lab_checks does not run checks of kind 'vxlan'")])
    assert row["status"] == "warn" and "does not run checks of kind 'vxlan'" in row["detail"]


def test_a_drifted_binding_is_diagnosed():
    port = dict(container="lab-web", host_ip="0.0.0.0", host_port=8080, container_port=80, proto="tcp", dnat=None,
                proxy=4464, problems=["dnat_missing"])
    (row,) = rows(FORWARD, ports=[port], drift=[dict(container="lab-web", problem="dnat_missing", message="no rule")])
    assert row["status"] == "fail"
    assert row["diagnosis"] == "no DNAT rule for 0.0.0.0:8080 (docker-proxy 4464 listens); restart lab-web or the engine"


def test_dot_describes_the_tutorial_lab():
    plan = lab_plan(copy.deepcopy(TUTORIAL), "labnet", ["localhost"])
    dot = lab_report_dot(plan, [])
    assert dot.startswith("digraph lab {") and dot.rstrip().endswith("}")
    for text in ("labnet-lan\\nmacvlan 172.31.250.0/24", "labnet-nic (veth lab NIC, promisc)", "shim labnet-shm",
                 "publish 8080:80", "docker-proxy / DNAT", "www (link)", "172.31.250.10"):
        assert text in dot
    assert "FAILED" not in dot


def test_dot_marks_failed_pings_and_cross_host_links():
    plan = lab_plan(copy.deepcopy(FLEET), "fleet", ["h1", "h2", "h3"])
    failed = [dict(name=plan["checks"][0]["name"], status="fail", kind="ping", host="h2", detail="")]
    dot = lab_report_dot(plan, failed)
    assert "ping FAILED" in dot
    assert "www (/etc/hosts)" in dot
    assert dot.count("subgraph cluster_") == 3


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_dot_renders_with_graphviz():
    plan = lab_plan(copy.deepcopy(FLEET), "fleet", ["h1", "h2", "h3"])
    svg = subprocess.run(["dot", "-Tsvg"], input=lab_report_dot(plan).encode(), capture_output=True, check=True).stdout
    assert b"<svg" in svg and b"<title>ctr_fleet_web</title>" in svg


def test_mermaid_describes_hosts_networks_links_and_ports():
    plan = lab_plan(copy.deepcopy(FLEET), "fleet", ["h1", "h2", "h3"])
    text = lab_report_mermaid(plan)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert sum(1 for line in lines if line.strip().startswith("subgraph")) == 3
    assert sum(1 for line in lines if line.strip() == "end") == 3
    assert 'ctr_fleet_client -.->|"link www"| ctr_fleet_web' in text
    assert '"publish 8080:80"' in text


def test_report_refuses_what_is_not_a_plan():
    with pytest.raises(AnsibleFilterError, match="needs a plan from labnet.docker.lab_plan"):
        lab_report_dot({"name": "x"})


def test_filter_names():
    names = {"lab_check_rows", "lab_check_table", "lab_check_markdown", "lab_check_summary", "lab_check_junit",
             "lab_report_dot", "lab_report_mermaid"}
    assert set(FilterModule().filters()) == names


ROUTE = dict(kind="route", host="h1", name="route h1 -> h2 via r1", container="rt-h1", address="172.31.252.10",
             hop="172.31.251.254", via="r1")
WIRE = dict(kind="wire", host="h1", name="wire r1:p2p0--h3:p2p0 ends", wire={"a": "rt-r1:p2p0", "b": "rt-h3:p2p0"})
TRACE = ("traceroute to 172.31.252.10 (172.31.252.10), 3 hops max, 46 byte packets\n"
         " 1  172.31.251.254  0.061 ms  0.030 ms  0.025 ms\n 2  172.31.252.10  0.040 ms  0.034 ms  0.030 ms\n")


@pytest.mark.parametrize("item, result, status, detail", [
    (ROUTE, dict(rc=0, stdout=PING_OK + TRACE), "pass", "replied; hop 1 is 172.31.251.254 (r1)"),
    (ROUTE, dict(rc=0, stdout=PING_OK + TRACE.replace(" 1  172.31.251.254", " 1  172.31.251.1")), "fail",
     "replied, but hop 1 is 172.31.251.1, not the router 172.31.251.254 (r1)"),
    (ROUTE, dict(rc=1, stdout="3 packets transmitted, 0 packets received"), "fail", "rc=1: 3 packets transmitted"),
    (WIRE, dict(changed=False), "pass", "both ends as planned"),
    (WIRE, dict(changed=True), "fail", "not as planned (missing, or other addresses or MTU)"),
    (WIRE, dict(failed=True, msg="container rt-h3 is not running"), "fail", "container rt-h3 is not running"),
    (dict(WIRE, kind="wire_ping"), dict(rc=0, stdout=PING_OK), "pass", "3 packets transmitted"),
])
def test_route_and_wire_rows(item, result, status, detail):
    (row,) = rows(item, **result)
    assert row["status"] == status and row["detail"].startswith(detail)


def test_pictures_show_bridge_networks_wires_and_routers():
    plan = lab_plan(copy.deepcopy(ROUTED), "rt", ["localhost"])
    dot = lab_report_dot(plan)
    for text in ("rt-core\\nbridge 172.31.252.0/24, internal", "shape=box3d", "router rt-r1",
                 "ctr_rt_r1 -> ctr_rt_h3 [arrowhead=none, penwidth=3, color=darkgreen, label=\"wire\\np2p0 10.255.12.1/30 -- p2p0 10.255.12.2/30\"]"):
        assert text in dot
    assert "nic_localhost_None" not in dot  # a bridge network has no parent NIC
    mermaid = lab_report_mermaid(plan)
    assert 'ctr_rt_r1 ===|"wire<br/>p2p0 10.255.12.1/30 -- p2p0 10.255.12.2/30"| ctr_rt_h3' in mermaid
    assert 'ctr_rt_r1{{"router rt-r1' in mermaid
    assert "nic_localhost_None" not in mermaid


# -- underlay: vxlan ----------------------------------------------------------------------------

VXLAN = dict(kind="vxlan", host="h1", name="vxlan lab-vx7 on h1", link=dict(name="lab-vx7", vni=7, port=4789,
             local="10.0.1.2", remotes=["10.0.2.2"]))
FIREWALL = dict(kind="vxlan_firewall", host="h1", name="firewall LABVX-lab on h1", firewall=dict(
    chain="LABVX-lab", ports=[4789], peers=["10.0.2.2"], jumps=["-A INPUT -p udp -m udp --dport 4789 -j LABVX-lab"],
    rules=["-A LABVX-lab -s 10.0.2.2/32 -j ACCEPT", "-A LABVX-lab -j DROP"]))
IPTABLES_OK = "\n".join(["-P INPUT ACCEPT", "-A INPUT -p udp -m udp --dport 4789 -j LABVX-lab", "-N LABVX-lab",
                         "-A LABVX-lab -s 10.0.2.2/32 -j ACCEPT", "-A LABVX-lab -j DROP"])


@pytest.mark.parametrize("item, result, status, detail", [
    (VXLAN, dict(changed=False, link=dict(mtu=1450, remotes=["10.0.2.2"])), "pass", "up, mtu 1450, peers 10.0.2.2"),
    (VXLAN, dict(changed=True, actions=["add FDB entry 00:00:00:00:00:00 dst 10.0.2.2"]), "fail",
     "not as planned, the next deploy would: add FDB entry 00:00:00:00:00:00 dst 10.0.2.2"),
    (VXLAN, dict(failed=True, msg="local='10.0.1.2' is not an address"), "fail", "local='10.0.1.2' is not an address"),
    (FIREWALL, dict(rc=0, stdout=IPTABLES_OK), "pass", "udp 4789 accepted from 10.0.2.2 only"),
    (FIREWALL, dict(rc=0, stdout=IPTABLES_OK.replace("-A INPUT -p udp -m udp --dport 4789 -j LABVX-lab\n", "")), "fail",
     "INPUT lacks -A INPUT -p udp -m udp --dport 4789 -j LABVX-lab"),
    (FIREWALL, dict(rc=0, stdout=IPTABLES_OK.replace("-A LABVX-lab -j DROP", "")), "fail", "chain LABVX-lab holds"),
    (FIREWALL, dict(rc=1, stderr="iptables: No chain/target/match by that name."), "fail", "the chain cannot be read (rc=1)"),
])
def test_underlay_check_rows(item, result, status, detail):
    (row,) = lab_check_rows([dict(result, item=item)])
    assert row["status"] == status and row["detail"].startswith(detail), row


def test_the_picture_shows_the_vxlan_parent():
    from .test_lab_plan_underlay import plan as underlay_plan

    dot = lab_report_dot(underlay_plan())
    assert "lab-vx4242 (VXLAN vni 4242, 10.0.1.2 -> 10.0.2.2, 10.0.3.2, promisc)" in dot
