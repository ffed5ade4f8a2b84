# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker import network_endpoints as ne

NET = dict(Name="labnet", Id="n" * 64)
CID = "c0ffee" + "0" * 58


def inspect(**endpoint):
    settings = dict(NetworkID=NET["Id"], IPAMConfig=None, IPAddress="", GlobalIPv6Address="", Aliases=None,
                    Links=None, MacAddress="", DriverOpts=None)
    settings.update(endpoint)
    return dict(Id=CID, Name="/web", State=dict(Running=True), NetworkSettings=dict(Networks={"labnet": settings}))


def record(**overrides):
    base = ne.Endpoint(id=CID, name="web", running=True, ipv4_address=None, ipv6_address=None, static=False,
                       aliases=[], links=[], mac_address=None, driver_opts={}, link_local_ips=[])
    base.update(overrides)  # type: ignore[typeddict-item]
    return base


def test_a_static_endpoint_is_recorded_in_full():
    attrs = inspect(IPAMConfig=dict(IPv4Address="10.1.0.9", IPv6Address="fd00::9", LinkLocalIPs=["169.254.1.9"]),
                    IPAddress="10.1.0.9", GlobalIPv6Address="fd00::9", Aliases=["www", "c0ffee000000"],
                    Links=["db:database", "cache:cache"], MacAddress="02:42:0a:01:00:09", DriverOpts={"k": "v"})
    assert ne.endpoint_from_inspect(attrs, NET) == record(
        ipv4_address="10.1.0.9", ipv6_address="fd00::9", static=True, aliases=["www"],
        links=["cache:cache", "db:database"], mac_address="02:42:0a:01:00:09", driver_opts={"k": "v"},
        link_local_ips=["169.254.1.9"])


def test_a_dynamic_endpoint_keeps_the_address_the_pool_gave():
    endpoint = ne.endpoint_from_inspect(inspect(IPAddress="10.1.0.130", MacAddress="02:42:0a:01:00:82"), NET)
    assert endpoint["ipv4_address"] == "10.1.0.130"
    assert endpoint["static"] is False
    assert endpoint["mac_address"] == "02:42:0a:01:00:82"


def test_a_stopped_container_of_another_network_of_the_same_name_is_not_ours():
    assert ne.endpoint_from_inspect(inspect(NetworkID="x" * 64), NET) is None
    assert ne.endpoint_from_inspect(inspect(NetworkID=""), NET) is not None
    assert ne.endpoint_from_inspect(dict(Id=CID, NetworkSettings=dict(Networks={})), NET) is None


def test_connect_kwargs_give_every_part_back():
    endpoint = record(ipv4_address="10.1.0.9", ipv6_address="fd00::9", aliases=["www"], links=["db:database", "cache"],
                      mac_address="02:42:0a:01:00:09", driver_opts={"k": "v"}, link_local_ips=["169.254.1.9"])
    assert ne.connect_kwargs(endpoint) == dict(
        ipv4_address="10.1.0.9", ipv6_address="fd00::9", aliases=["www"], links=[("db", "database"), ("cache", "cache")],
        link_local_ips=["169.254.1.9"], driver_opt={"k": "v"}, mac_address="02:42:0a:01:00:09")


def test_connect_kwargs_leave_out_what_the_endpoint_had_not():
    assert ne.connect_kwargs(record()) == dict(ipv4_address=None, ipv6_address=None, aliases=None, links=None,
                                               link_local_ips=None, driver_opt=None, mac_address=None)


def test_the_connect_command_names_every_part():
    endpoint = record(ipv4_address="10.1.0.9", ipv6_address="fd00::9", aliases=["www"], links=["db:database"])
    assert ne.connect_command("labnet", endpoint) == (
        "docker network connect --ip 10.1.0.9 --ip6 fd00::9 --alias www --link db:database labnet web")


def test_link_targets_are_connected_first():
    a = record(name="a", id="1", links=["z:zed"])
    m = record(name="m", id="2")
    z = record(name="z", id="3", links=["outside:o"])
    assert [e["name"] for e in ne.connect_order([a, m, z])] == ["z", "a", "m"]


def test_a_link_cycle_keeps_name_order():
    a = record(name="a", id="1", links=["b"])
    b = record(name="b", id="2", links=["a"])
    assert [e["name"] for e in ne.connect_order([b, a])] == ["b", "a"]


def test_create_kwargs_make_the_network_again_as_it_was():
    attrs = dict(Name="labnet", Driver="macvlan", Options={"parent": "lab0"}, EnableIPv6=True, Internal=False,
                 Attachable=True, Labels={"lab": "x"},
                 IPAM=dict(Driver="default", Options=None, Config=[dict(Subnet="10.1.0.0/24", Gateway="10.1.0.1")]))
    assert ne.create_kwargs_from_inspect(attrs) == dict(
        driver="macvlan", options={"parent": "lab0"}, enable_ipv6=True, internal=False, attachable=True,
        labels={"lab": "x"}, check_duplicate=True,
        ipam=dict(Driver="default", Options={}, Config=[dict(Subnet="10.1.0.0/24", Gateway="10.1.0.1")]))


@pytest.mark.parametrize("attrs, labels, problem", [
    (dict(Name="n", Driver="macvlan", Labels={"lab": "x", "extra": "1"}), {"lab": "x"}, None),
    (dict(Name="n", Driver="macvlan", Labels={}), None, None),
    (dict(Name="n", Driver="macvlan", Labels={}), {}, None),
    (dict(Name="n", Driver="bridge", Labels={"lab": "x"}), {"lab": "x"},
     "Network n exists and is a bridge network, not a macvlan network"),
    (dict(Name="n", Driver="macvlan", Labels=None), {"lab": "x"},
     "Network n exists but lacks the label lab=x that this task gives its network (it has no labels)"),
    (dict(Name="n", Driver="macvlan", Labels={"lab": "y"}), {"lab": "x", "b": "2"},
     "lacks the labels b=2, lab=x that this task gives its network (it has lab=y)"),
])
def test_ownership(attrs, labels, problem):
    found = ne.ownership_problem(attrs, "macvlan", labels)
    if problem is None:
        assert found is None
    else:
        assert problem in found and "force=true" in found


def test_foreign_endpoints_leave_out_ours():
    attrs = dict(Containers={"a" * 64: dict(Name="ours"), "b" * 64: dict(Name="theirs"), "ep-123": dict(Name="lb")})
    assert ne.foreign_endpoints(attrs, {"a" * 64}) == ["theirs"]


def progress(**overrides):
    p = ne.new_progress()
    p.update(overrides)  # type: ignore[typeddict-item]
    return p


A = record(name="a", id="1")
B = record(name="b", id="2", links=["c"])
C = record(name="c", id="3")


def plan(p):
    return [(verb, e["name"] if e else None) for verb, e in ne.rollback_plan(p, [A, B, C])]


def test_rollback_while_the_old_network_stands_reconnects_only_those_taken_off():
    assert plan(progress(disconnected=["1", "3"])) == [("connect_old", "a"), ("connect_old", "c")]


def test_rollback_after_the_remove_makes_the_old_network_again_and_connects_all():
    assert plan(progress(disconnected=["1", "2", "3"], old_removed=True)) == [
        ("create_old", None), ("connect_old", "a"), ("connect_old", "c"), ("connect_old", "b")]


def test_rollback_after_a_create_clears_whatever_has_the_name_first():
    assert plan(progress(disconnected=["1", "2", "3"], old_removed=True, create_sent=True, new_id="n2",
                         connected=["3"])) == [
        ("check_new_free", None), ("disconnect_new", "c"), ("remove_new", None),
        ("create_old", None), ("connect_old", "a"), ("connect_old", "c"), ("connect_old", "b")]


def test_rollback_after_a_create_that_timed_out_still_looks_for_it():
    steps = plan(progress(disconnected=["1", "2", "3"], old_removed=True, create_sent=True))
    assert steps[:2] == [("check_new_free", None), ("remove_new", None)]


def test_outcome_summary_names_the_stranded_with_the_fix():
    outcomes = [ne.outcome(A, ne.RESTORED), ne.outcome(C, ne.STRANDED, "Address already in use")]
    text = ne.outcome_summary("labnet", outcomes, [A, C])
    assert text == ("Stranded, attached to no network labnet: c (Address already in use; reconnect it with: "
                    "docker network connect labnet c).")
    assert ne.outcome_summary("labnet", [ne.outcome(A, ne.RESTORED)], [A]) == (
        "Every container is attached as it was (restored: a).")
