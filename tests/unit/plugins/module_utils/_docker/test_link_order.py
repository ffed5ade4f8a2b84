# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker.link_order import (
    aside_name,
    is_aside_name,
    LinkCycleError,
    LinkSpecError,
    dependents,
    find_cycle,
    link_waves,
    parse_link,
    place_links,
)


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("web", ("web", "web")),
        ("web:alias", ("web", "alias")),
        ("/web:w", ("web", "w")),
        ("lab-1.web_2:x.y", ("lab-1.web_2", "x.y")),
    ],
)
def test_parse_link(spec, expected):
    assert parse_link(spec) == expected


@pytest.mark.parametrize(
    "spec, words",
    [
        ("a:b:c", "more than one colon"),
        ("w:alias", "the target 'w' is not a container name"),
        ("web:-x", "the alias '-x' is not a host name"),
        ("web:", "the alias '' is not a host name"),
        (["web"], "is not a string"),
    ],
)
def test_bad_links(spec, words):
    with pytest.raises(LinkSpecError) as err:
        parse_link(spec)
    assert words in str(err.value)


def test_waves_group_independent_containers_and_keep_input_order():
    deps = {"client": ["web", "db"], "web": ["db"], "db": [], "cache": [], "monitor": ["outside"]}
    assert link_waves(deps) == [["db", "cache", "monitor"], ["web"], ["client"]]


def test_waves_of_nothing():
    assert link_waves({}) == []


@pytest.mark.parametrize(
    "deps, cycle",
    [
        ({"a": ["a"]}, ["a", "a"]),
        ({"a": ["b"], "b": ["a"]}, ["a", "b", "a"]),
        ({"x": [], "a": ["b"], "b": ["c"], "c": ["a"]}, ["a", "b", "c", "a"]),
        ({"top": ["a"], "a": ["b"], "b": ["c"], "c": ["a"]}, ["a", "b", "c", "a"]),
    ],
)
def test_cycles_are_listed(deps, cycle):
    assert find_cycle(deps) == cycle
    with pytest.raises(LinkCycleError) as err:
        link_waves(deps)
    assert err.value.cycle == cycle
    assert " -> ".join(cycle) in str(err.value)


def test_diamond_is_no_cycle():
    deps = {"top": ["left", "right"], "left": ["base"], "right": ["base"], "base": []}
    assert find_cycle(deps) is None
    assert link_waves(deps) == [["base"], ["left", "right"], ["top"]]


def test_dependents():
    deps = {"client": ["web"], "probe": ["web", "db"], "web": [], "db": []}
    assert dependents(deps, "web") == ["client", "probe"]
    assert dependents(deps, "client") == []


def test_place_links_on_every_shared_network():
    placed, unplaced = place_links(
        [("web", "site"), ("db", "db"), ("far", "far")],
        ["bridge", "lan"],
        {"web": ["bridge", "lan"], "db": ["lan"], "far": ["other"]},
    )
    assert placed == {"bridge": ["web:site"], "lan": ["web:site", "db:db"]}
    assert unplaced == ["far"]


@pytest.mark.parametrize("name, aside", [
    ("lab-web-old-0123456789ab", True),
    ("lab-web-old-0123456789", False),  # not the 12 characters of an id
    ("lab-web-old-0123456789AB", False),  # ids are lower-case hex
    ("lab-old-timer", False),
])
def test_is_aside_name(name, aside):
    assert is_aside_name(name) is aside


def test_aside_name_is_what_is_aside_name_recognises():
    assert is_aside_name(aside_name("lab-web", "0123456789abcdef" * 4))
