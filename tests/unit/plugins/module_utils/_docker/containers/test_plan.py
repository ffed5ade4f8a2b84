# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan as pure data: a wanted set and a snapshot of the engine in, one step per container out."""
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker.container_spec import LINK_TARGETS_LABEL
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.plan import (
    make_plan,
    missing_label,
    ownership_problems,
    target_ids,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.records import Options, Snapshot
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.spec import SetRefused, read_set

IMAGE_ID = "sha256:" + "b" * 64
IMAGE = {"Id": IMAGE_ID, "Config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"], "Labels": {}}}
BRIDGE = {"Name": "bridge", "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]}}
DEFAULTS = dict(image="labnet/box:latest", command=None, env={}, hostname=None, networks=None, links=[], published_ports=[],
                restart_policy="no", labels={}, etc_hosts={}, state="started", pull="missing")


def wanted(*containers, labels=None, adopt=False):
    params = dict(containers=[dict(DEFAULTS, **c) for c in containers], labels=labels or {}, parallel=4, adopt=adopt,
                  stop_timeout=10, show_env_values=False)
    return read_set(params)


def engine_container(name, cid, env=(), running=True, labels=None, links=None, image=IMAGE_ID):
    """An inspect document as the engine gives it for a container made with DEFAULTS."""
    return {
        "Id": cid, "Name": "/" + name, "Image": image,
        "State": {"Running": running, "Status": "running" if running else "exited"},
        "Config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin", *env], "Hostname": cid[:12], "Labels": dict(labels or {})},
        "HostConfig": {"Links": links, "PortBindings": {}, "RestartPolicy": {"Name": "no"}, "ExtraHosts": None},
        "NetworkSettings": {"Networks": {"bridge": {"IPAMConfig": None, "Aliases": None, "Links": None}}},
    }


def snapshot(containers=None, images=None):
    return Snapshot(containers=containers or {}, images={"labnet/box:latest": IMAGE} if images is None else images,
                    networks={"bridge": BRIDGE})


def plan_of(containers, snap, labels=None, adopt=False):
    options, specs = wanted(*containers, labels=labels, adopt=adopt)
    for spec in specs:
        snap.containers.setdefault(spec["name"], None)
    return make_plan(specs, snap, options)


WEB = {"name": "web"}
CLIENT = {"name": "client", "links": ["web:site"]}
WEB_ID = "a" * 64
CLIENT_ID = "c" * 64
CLIENT_LABELS = {LINK_TARGETS_LABEL: "web=" + WEB_ID[:12]}
LINKED_CLIENT = engine_container("client", CLIENT_ID, labels=CLIENT_LABELS, links=["/web:/client/site"])


@pytest.mark.parametrize(
    "containers, engine, expected",
    [
        ([WEB], {}, {"web": ("create", [])}),
        ([WEB], {"web": engine_container("web", WEB_ID)}, {"web": ("none", [])}),
        ([WEB], {"web": engine_container("web", WEB_ID, running=False)}, {"web": ("start", [])}),
        ([dict(WEB, state="stopped")], {"web": engine_container("web", WEB_ID)}, {"web": ("stop", [])}),
        ([dict(WEB, state="absent")], {"web": engine_container("web", WEB_ID)}, {"web": ("remove", [])}),
        ([dict(WEB, state="absent")], {}, {"web": ("none", [])}),
        ([dict(WEB, env={"A": "1"})], {"web": engine_container("web", WEB_ID)}, {"web": ("recreate", ["changed: env"])}),
        ([dict(WEB, env={"A": "1"}), CLIENT],
         {"web": engine_container("web", WEB_ID), "client": LINKED_CLIENT},
         {"web": ("recreate", ["changed: env"]), "client": ("recreate", ["link target web is recreated"])}),
        ([WEB, CLIENT],
         {"web": engine_container("web", WEB_ID), "client": LINKED_CLIENT},
         {"web": ("none", []), "client": ("none", [])}),
        ([WEB, CLIENT],
         {"web": engine_container("web", "e" * 64), "client": LINKED_CLIENT},
         {"web": ("none", []), "client": ("recreate", ["a link target was recreated since this container was made"])}),
    ],
    ids=["absent-create", "same-none", "stopped-start", "running-stop", "remove", "absent-none", "env-recreate",
         "target-recreated", "linked-none", "target-remade-elsewhere"],
)
def test_steps(containers, engine, expected):
    plan = plan_of(containers, snapshot(engine))
    assert {name: (step.action, step.reasons) for name, step in plan.steps.items()} == expected


def test_adopting_a_linked_container_made_by_hand_keeps_it():
    by_hand = engine_container("client", CLIENT_ID, links=["/web:/client/site"])
    engine = {"web": engine_container("web", WEB_ID), "client": by_hand}
    kept = plan_of([WEB, CLIENT], snapshot(dict(engine)), adopt=True)
    assert {name: (step.action, step.reasons) for name, step in kept.steps.items()} == {"web": ("none", []), "client": ("none", [])}
    # Without adopt, a container without the label cannot prove its link target is the one it was made with.
    refused = plan_of([WEB, CLIENT], snapshot(dict(engine)))
    assert refused.steps["client"].reasons == ["a link target was recreated since this container was made"]
    # Adopting still recreates it when its target is recreated, or when it differs.
    changed = plan_of([dict(WEB, env={"A": "1"}), dict(CLIENT, env={"B": "2"})], snapshot(dict(engine)), adopt=True)
    assert changed.steps["client"].reasons == ["link target web is recreated", "changed: env"]


def test_planned_ids_come_from_the_snapshot():
    plan = plan_of([WEB], snapshot({"web": engine_container("web", WEB_ID, running=False)}))
    assert plan.steps["web"].planned_id == WEB_ID
    assert plan.steps["web"].running is False


def test_waves_put_removals_first_then_link_order():
    plan = plan_of([CLIENT, {"name": "gone", "state": "absent"}, WEB],
                   snapshot({"gone": engine_container("gone", "f" * 64)}))
    assert plan.waves == [["gone"], ["web"], ["client"]]
    assert [step.line() for step in plan.changing()] == ["remove gone", "create web", "create client"]


def test_a_missing_image_is_pulled_first_and_counts_as_a_change():
    options, specs = wanted(WEB)
    plan = make_plan(specs, snapshot({"web": None}, images={"labnet/box:latest": None}), options, pulls=["labnet/box:latest"])
    assert plan.steps["web"].reasons == ["image labnet/box:latest is pulled first"]
    assert plan.changed is True


@pytest.mark.parametrize(
    "ids, remade, expected",
    [
        ({"web": WEB_ID}, set(), {"web": WEB_ID}),  # acting: the real id
        ({"web": WEB_ID}, {"web"}, {"web": "(new)"}),  # planning: the target is remade, its id is not known
        ({}, set(), {"web": "(new)"}),
    ],
)
def test_target_ids_planned_and_real_are_two_inputs(ids, remade, expected):
    _options, specs = wanted(WEB, CLIENT)
    by_name = {c["name"]: c for c in specs}
    assert target_ids(by_name["client"], by_name, snapshot(), ids, remade) == expected


def test_target_ids_of_an_outside_target_come_from_the_snapshot():
    _options, specs = wanted(CLIENT)
    snap = snapshot()
    snap.outside["web"] = engine_container("web", WEB_ID)
    assert target_ids(specs[0], {"client": specs[0]}, snap, {}, set()) == {"web": WEB_ID}


@pytest.mark.parametrize(
    "have, labels, expected",
    [
        ({"labnet.lab": "one"}, {"labnet.lab": "one"}, None),
        ({"labnet.lab": "two"}, {"labnet.lab": "one"}, "labnet.lab=one"),
        ({}, {"labnet.lab": "one", "a": "b"}, "a=b"),
        ({"x": "y"}, {}, None),
    ],
)
def test_missing_label(have, labels, expected):
    assert missing_label({"Config": {"Labels": have}}, labels) == expected


OURS = {"labnet.lab": "one"}


@pytest.mark.parametrize(
    "labels, adopt, container_labels, state, refused, expected",
    [
        (OURS, False, OURS, "started", False, ("none", [])),
        (OURS, False, {}, "started", True, None),
        (OURS, False, {}, "absent", True, None),
        (OURS, True, {}, "started", False, ("recreate", ["adopted: it lacks the label labnet.lab=one", "changed: labels"])),
        (OURS, True, {}, "absent", False, ("remove", [])),
        ({}, False, {}, "started", False, ("none", [])),
    ],
    ids=["ours", "foreign-refused", "foreign-absent-refused", "foreign-adopted", "foreign-adopted-removed", "no-task-labels"],
)
def test_ownership(labels, adopt, container_labels, state, refused, expected):
    options, specs = wanted(dict(WEB, state=state), labels=labels, adopt=adopt)
    snap = snapshot({"web": engine_container("web", WEB_ID, labels=container_labels)})
    problems = ownership_problems(specs, snap, options)
    if refused:
        assert problems == [
            "containers[0] (web): the container 'web' on the engine is not this set's: it lacks the label labnet.lab=one; "
            "rename or remove it yourself, or set adopt: true to replace it (gracefully stopped, kept until its "
            "replacement runs)"
        ]
        return
    assert problems == []
    step = make_plan(specs, snap, options).steps["web"]
    assert (step.action, step.reasons) == expected
    assert step.adopted is (adopt and state != "absent")


def test_options_defaults():
    options, _specs = wanted(WEB)
    assert options == Options(parallel=4, labels={}, adopt=False, stop_timeout=10, show_env_values=False)


@pytest.mark.parametrize(
    "option, words",
    [
        (dict(parallel=0), "parallel: 0 is less than 1; give 1 or more"),
        (dict(stop_timeout=-1), "stop_timeout: -1 is less than 0; give 0 or more seconds"),
    ],
)
def test_task_options_are_checked(option, words):
    params = dict(containers=[dict(DEFAULTS, **WEB)], labels={}, parallel=4, adopt=False, stop_timeout=10, show_env_values=False)
    params.update(option)
    with pytest.raises(SetRefused) as refused:
        read_set(params)
    assert words in refused.value.problems
