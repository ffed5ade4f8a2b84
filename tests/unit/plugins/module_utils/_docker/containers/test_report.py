# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report's pure parts: env masking, the diff, the check-mode record, a container's entry."""
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.records import Plan, Step
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.replacement import aside_name, endpoint_of
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.report import (
    MASK,
    check_mode_record,
    container_report,
    masked_env,
    plan_diff,
)


@pytest.mark.parametrize(
    "env, other, expected",
    [
        ({"A": "1"}, {"A": "1"}, {"A": MASK}),
        ({"A": "1"}, {"A": "2"}, {"A": MASK + " (changed)"}),
        ({"A": "1"}, {}, {"A": MASK + " (changed)"}),
        ({}, {"A": "1"}, {}),
        ({"A": "1"}, None, {"A": MASK}),  # the other side has no environment at all (created, removed)
    ],
)
def test_masked_env(env, other, expected):
    assert masked_env(env, other) == expected


def plan():
    steps = {
        "web": Step("web", "recreate", ["changed: env"], before={"env": {"K": "old"}}, after={"env": {"K": "new"}}),
        "db": Step("db", "none"),
        "gone": Step("gone", "remove", before={"env": {"K": "v"}}),
    }
    return Plan(steps=steps, waves=[["gone"], ["db", "web"]], pulls=["labnet/box:latest"])


CONTAINERS = [{"name": "web", "state": "started"}, {"name": "db", "state": "started"}, {"name": "gone", "state": "absent"}]


@pytest.mark.parametrize("show, before, after", [
    (False, {"K": MASK + " (changed)"}, {"K": MASK + " (changed)"}),
    (True, {"K": "old"}, {"K": "new"}),
])
def test_plan_diff_masks_env_unless_shown(show, before, after):
    diff = plan_diff(CONTAINERS, plan(), {"web": {"State": {"Running": True}}}, show_env_values=show)
    assert diff["before"]["web"] == {"env": before, "state": "started"}
    assert diff["after"]["web"] == {"env": after, "state": "started"}
    assert "db" not in diff["before"]
    assert diff["before"]["gone"] == {"env": {"K": MASK} if not show else {"K": "v"}, "state": "absent"}
    assert diff["after"]["gone"] == {"state": "absent"}


def test_check_mode_record():
    record = check_mode_record(plan())
    assert record.actions == ["pull labnet/box:latest", "remove gone", "recreate web (changed: env)"]
    assert record.converged == ["db"]
    assert record.outcomes == {"web": "untouched", "db": "converged", "gone": "untouched"}


def test_an_absent_container_is_reported_as_absent():
    assert container_report(Step("web", "remove"), None, []) == dict(
        id=None, status="absent", action="remove", changed=True, networks={}, links=[], hosts_entries=[], ports=[])


def test_aside_name_and_endpoint_of():
    assert aside_name("web", "0123456789abcdef") == "web-old-0123456789ab"
    endpoint = {"IPAMConfig": {"IPv4Address": "10.0.0.5"}, "Aliases": ["a1", "0123456789ab"], "Links": ["web:peer"]}
    assert endpoint_of(endpoint, "0123456789abcdef") == dict(ipv4_address="10.0.0.5", aliases=["a1"], links=[("web", "peer")])
    assert endpoint_of({}, "0123456789abcdef") == dict(ipv4_address=None, aliases=None, links=None)
