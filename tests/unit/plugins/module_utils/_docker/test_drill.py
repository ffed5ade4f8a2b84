# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import copy

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker import drill
from ansible_collections.labnet.docker.plugins.module_utils._docker.drill_read import (
    container_snapshot,
    link_state,
    parse_link_targets,
    parse_links,
)

RULE = "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"


def lab() -> dict:
    """The tutorial's lab, deployed as lab 'lab': a snapshot as lab_drill reads it."""
    def ctr(name, ips, **extra):
        return dict(dict(name="lab-" + name, id=name * 8, running=True, ips=ips, ports=[], links=[], link_targets={},
                         created="2026-01-01T00:00:0%d" % len(name)), **extra)
    return dict(
        name="lab",
        containers=[
            ctr("alpha", ["172.31.250.10"]), ctr("beta", ["172.31.250.11"]),
            ctr("web", ["172.17.0.2"], ports=[dict(host_port=8080, container_port=80, proto="tcp")]),
            ctr("client", ["172.17.0.3"], links=[dict(target="lab-web", alias="www")], link_targets={"lab-web": "webwebwebweb"},
                created="2026-01-01T00:00:09"),
        ],
        links={"lab-nic": dict(up=True, promisc=True), "lab-shm": dict(up=True, promisc=False),
               "eth0": dict(up=True, promisc=True)},
        parents=["lab-nic"],
        shims={"lab-shm": [dict(dst="172.31.250.128/25", protocol=4), dict(dst="172.31.250.11/32", protocol=4)]},
        nat=["-N DOCKER", "-A DOCKER -i docker0 -j RETURN", RULE,
             "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.9:80"],
        proxies=[dict(pid=4464, host_port=8080, proto="tcp", container_ip="172.17.0.2", container_port=80),
                 dict(pid=4465, host_port=9090, proto="tcp", container_ip="172.17.0.9", container_port=80)],
    )


@pytest.mark.parametrize("items, expected", [
    ([], []),
    (["proxy_killed"], [("proxy_killed", None)]),
    (["container_stopped:beta", "parent_down"], [("container_stopped", "beta"), ("parent_down", None)]),
])
def test_parse_requests(items, expected):
    assert drill.parse_requests(items) == expected


@pytest.mark.parametrize("items, message", [
    (["proxy"], "'proxy' is not a fault; choose from proxy_killed"),
    (["parent_down", "parent_down:x"], "'parent_down' is given twice"),
])
def test_parse_requests_refuses_with_the_field_and_the_fix(items, message):
    with pytest.raises(drill.DrillError, match=message):
        drill.parse_requests(items)


@pytest.mark.parametrize("fault, targets", [
    ("proxy_killed", ["lab-web"]),
    ("dnat_deleted", ["lab-web"]),
    ("promisc_off", ["lab-nic"]),
    ("parent_down", ["lab-nic"]),
    ("container_stopped", ["lab-alpha", "lab-beta", "lab-web", "lab-client"]),
    ("link_target_recreated", ["lab-web"]),
    ("shim_route_deleted", ["lab-shm", "lab-shm"]),
])
def test_candidates_are_the_labs_own_objects_only(fault, targets):
    found = drill.candidates(lab(), fault)
    assert [c["target"] for c in found] == targets
    assert "eth0" not in [c["target"] for c in found]


def test_candidates_leave_out_what_is_already_broken():
    snapshot = lab()
    snapshot["proxies"] = []
    snapshot["nat"] = []
    snapshot["links"]["lab-nic"] = dict(up=False, promisc=False)
    for ctr in snapshot["containers"]:
        ctr["running"] = False
    assert all(drill.candidates(snapshot, f) == [] for f in drill.FAULTS if f != "shim_route_deleted")


def test_dnat_candidate_records_the_rule_of_the_lab_container_only():
    assert drill.candidates(lab(), "dnat_deleted")[0]["rule"] == RULE


def test_shim_route_candidates_are_the_shims_routes():
    assert [c["dst"] for c in drill.candidates(lab(), "shim_route_deleted")] == ["172.31.250.128/25", "172.31.250.11/32"]


def test_plan_named_faults_on_named_targets_with_texts():
    faults = drill.plan_drill(lab(), [("container_stopped", "beta"), ("shim_route_deleted", "172.31.250.11")], "1")
    assert [(f["fault"], f["target"]) for f in faults] == [("container_stopped", "lab-beta"), ("shim_route_deleted", "lab-shm")]
    assert faults[0]["task"] == "beta does not answer any more. Find out why and repair it."
    assert faults[0]["solution"] == "beta was stopped; docker start lab-beta"
    assert faults[1]["dst"] == "172.31.250.11/32"
    assert drill.check_rows(lab(), faults, "h")[1]["name"] == "drill shim_route_deleted: lab-shm 172.31.250.11/32"
    assert drill.check_rows(lab(), faults, "h")[0]["name"] == "drill container_stopped: beta"


def test_plan_puts_one_fault_on_each_container():
    with pytest.raises(drill.DrillError, match="dnat_deleted cannot be injected into lab lab: it offers it on web only"):
        drill.plan_drill(lab(), [("proxy_killed", None), ("dnat_deleted", None)], "1")
    faults = drill.plan_drill(lab(), [("link_target_recreated", None), ("container_stopped", None)], "3")
    assert faults[1]["target"] in ("lab-alpha", "lab-beta")  # web and its linker client are taken


def test_plan_refuses_a_target_that_offers_nothing():
    with pytest.raises(drill.DrillError, match="container_stopped on gamma cannot be injected"):
        drill.plan_drill(lab(), [("container_stopped", "gamma")], "1")


def test_seed_picks_the_same_faults_every_time_and_count_of_them():
    first = drill.plan_drill(lab(), [], "7", count=3)
    assert first == drill.plan_drill(lab(), [], "7", count=3)
    assert len(first) == 3 and len({f["fault"] for f in first}) == 3
    picks = {tuple(f["fault"] for f in drill.plan_drill(lab(), [], str(seed), count=2)) for seed in range(20)}
    assert len(picks) > 1


def test_plan_refuses_a_lab_that_offers_nothing():
    snapshot = dict(name="lab", containers=[], links={}, parents=[], shims={}, nat=[], proxies=[])
    with pytest.raises(drill.DrillError, match="offers no fault"):
        drill.plan_drill(snapshot, [], "1")


def broken(snapshot: dict, fault: str, target: str | None = None) -> tuple[dict, dict]:
    """A planned fault, and the snapshot as it is once the fault is there."""
    record = drill.plan_drill(snapshot, [(fault, target)], "1")[0]
    after = copy.deepcopy(snapshot)
    web = next(c for c in after["containers"] if c["name"] == "lab-web")
    if fault == "proxy_killed":
        after["proxies"] = after["proxies"][1:]
    elif fault == "dnat_deleted":
        after["nat"].remove(RULE)
    elif fault == "promisc_off":
        after["links"]["lab-nic"]["promisc"] = False
    elif fault == "parent_down":
        after["links"]["lab-nic"]["up"] = False
    elif fault == "container_stopped":
        next(c for c in after["containers"] if c["name"] == record["target"])["running"] = False
    elif fault == "link_target_recreated":
        web.update(id="f" * 64, created="2026-01-02T00:00:00")
    elif fault == "shim_route_deleted":
        after["shims"]["lab-shm"] = [r for r in after["shims"]["lab-shm"] if r["dst"] != record["dst"]]
    return record, after


@pytest.mark.parametrize("fault", drill.FAULTS)
def test_still_broken_sees_each_fault_and_its_repair(fault):
    record, after = broken(lab(), fault, "alpha" if fault == "container_stopped" else None)
    assert drill.still_broken(after, record) is True
    assert drill.still_broken(lab(), record) is False
    rows = drill.check_rows(after, [record], "localhost")
    assert rows[0]["status"] == "fail" and rows[0]["kind"] == "drill" and rows[0]["host"] == "localhost"
    assert rows[0]["detail"] == "still there: " + record["task"]
    assert drill.check_rows(lab(), [record], "h")[0]["status"] == "pass"


def test_stale_link_is_repaired_once_the_linker_knows_the_new_target():
    record, after = broken(lab(), "link_target_recreated")
    client = next(c for c in after["containers"] if c["name"] == "lab-client")
    client["link_targets"] = {"lab-web": "f" * 12}
    assert drill.still_broken(after, record) is False
    client["link_targets"] = {}  # made by hand: the creation times tell
    assert drill.still_broken(after, record) is True
    client["created"] = "2026-01-03T00:00:00"
    assert drill.still_broken(after, record) is False


@pytest.mark.parametrize("fault, undo, change", [
    ("promisc_off", False, dict(flags=0, change=0x100)),
    ("promisc_off", True, dict(flags=0x100, change=0x100)),
    ("parent_down", False, dict(state="down")),
    ("parent_down", True, dict(state="up")),
])
def test_link_change(fault, undo, change):
    assert drill.link_change(dict(fault=fault, target="lab-nic"), undo) == change


def test_route_change_is_the_recorded_route_in_the_main_table():
    assert drill.route_change(dict(dst="172.31.250.11/32")) == dict(dst="172.31.250.11", dst_len=32, table=254)
    assert drill.route_change(dict(dst="172.31.250.128/25")) == dict(dst="172.31.250.128", dst_len=25, table=254)


def test_nat_argv_deletes_and_appends_the_same_rule():
    record = dict(rule=RULE)
    assert drill.nat_argv(record, False)[:6] == ["iptables", "-w", "-t", "nat", "-D", "DOCKER"]
    assert drill.nat_argv(record, True)[4:] == ["-A"] + RULE.split()[1:]


def test_readers_parse_what_the_engine_and_ip_print():
    assert parse_link_targets("lab-web=0123456789ab,x=y") == {"lab-web": "0123456789ab", "x": "y"}
    assert parse_links(["/lab-web:/lab-client/www"]) == [dict(target="lab-web", alias="www")]
    assert link_state(dict(flags=0x1 | 0x100)) == dict(up=True, promisc=True)
    assert link_state(dict(flags=0x1002)) == dict(up=False, promisc=False)
    inspect = dict(Name="/lab-web", Id="abc", Created="t", State=dict(Running=True),
                   HostConfig=dict(PortBindings={"80/tcp": [{"HostIp": "", "HostPort": "8080"}], "53/udp": [{"HostPort": ""}]}),
                   NetworkSettings=dict(Networks={"bridge": {"IPAddress": "172.17.0.2"}}),
                   Config=dict(Labels={"labnet.docker.link_targets": ""}))
    assert container_snapshot(inspect) == dict(
        name="lab-web", id="abc", running=True, ips=["172.17.0.2"], ports=[dict(host_port=8080, container_port=80, proto="tcp")],
        links=[], link_targets={}, created="t")
