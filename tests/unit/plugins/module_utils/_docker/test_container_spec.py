# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import copy

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker.container_spec import (
    COMPARED_FIELDS,
    LINK_TARGETS_LABEL,
    current_spec,
    env_dict,
    legacy_link,
    link_targets_label,
    spec_differences,
    wanted_spec,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import parse_published_port

CID = "c0ffee0123456789abcdef"
WEB_ID = "feed00112233445566"

IMAGE = {
    "Id": "sha256:box",
    "Config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"], "Labels": {"org.opencontainers.image.title": "box"}},
}


def container(**changes):
    wanted = dict(
        name="client",
        command=["sleep", "60"],
        env={"MODE": "lab"},
        hostname=None,
        networks=[{"name": "bridge", "ipv4_address": None, "aliases": []}, {"name": "lan", "ipv4_address": "10.0.0.5", "aliases": ["c", "cl"]}],
        published_ports=parse_published_port("127.0.0.1:8080:80") + parse_published_port("53:53/udp"),
        restart_policy="unless-stopped",
        labels={"labnet.lab": "demo"},
        etc_hosts={"far": "192.0.2.7"},
    )
    wanted.update(changes)
    return wanted


LINKS = {"bridge": ["web:site"], "lan": ["web:site"]}

# What the engine reports for a container made from container() above.
INSPECT = {
    "Id": CID,
    "Name": "/client",
    "Image": "sha256:box",
    "Config": {
        "Cmd": ["sleep", "60"],
        "Env": ["MODE=lab", "PATH=/bin"],
        "Hostname": CID[:12],
        "Labels": {"org.opencontainers.image.title": "box", "labnet.lab": "demo", LINK_TARGETS_LABEL: "web=" + WEB_ID[:12]},
    },
    "HostConfig": {
        "Links": ["/web:/client/site"],
        "PortBindings": {"53/udp": [{"HostIp": "", "HostPort": "53"}], "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]},
        "RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0},
        "ExtraHosts": ["far:192.0.2.7"],
    },
    "NetworkSettings": {
        "Networks": {
            "bridge": {"IPAMConfig": None, "Links": None, "Aliases": None},
            "lan": {"IPAMConfig": {"IPv4Address": "10.0.0.5"}, "Links": ["web:site"], "Aliases": ["cl", CID[:12], "c"]},
        }
    },
}


def wanted():
    return wanted_spec(container(), IMAGE, LINKS, {"web": WEB_ID})


def test_same_container_compares_equal():
    assert spec_differences(wanted(), current_spec(INSPECT)) == []
    assert set(wanted()) == set(COMPARED_FIELDS)


@pytest.mark.parametrize(
    "path, value, field",
    [
        (("Image",), "sha256:other", "image"),
        (("Config", "Cmd"), ["sleep", "61"], "command"),
        (("Config", "Env"), ["MODE=prod", "PATH=/bin"], "env"),
        (("Config", "Hostname"), "client", "hostname"),
        (("NetworkSettings", "Networks", "lan", "IPAMConfig"), {"IPv4Address": "10.0.0.6"}, "networks"),
        (("NetworkSettings", "Networks", "lan", "Aliases"), ["c", CID[:12]], "networks"),
        (("NetworkSettings", "Networks", "lan", "Links"), ["web:www"], "links"),
        (("HostConfig", "Links"), None, "links"),
        (("HostConfig", "PortBindings"), {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8081"}]}, "published_ports"),
        (("HostConfig", "RestartPolicy"), {"Name": "always"}, "restart_policy"),
        (("Config", "Labels"), {"labnet.lab": "demo"}, "labels"),
        (("HostConfig", "ExtraHosts"), ["far:192.0.2.8"], "etc_hosts"),
    ],
)
def test_each_field_is_compared(path, value, field):
    inspect = copy.deepcopy(INSPECT)
    node = inspect
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert spec_differences(wanted(), current_spec(inspect)) == [field]


def test_a_recreated_link_target_shows_in_the_labels():
    after = wanted_spec(container(), IMAGE, LINKS, {"web": "0123456789abcdef"})
    assert spec_differences(after, current_spec(INSPECT)) == ["labels"]


def test_no_command_means_the_image_command():
    inspect = copy.deepcopy(INSPECT)
    inspect["Config"]["Cmd"] = ["/bin/sh"]
    assert spec_differences(wanted_spec(container(command=None), IMAGE, LINKS, {"web": WEB_ID}), current_spec(inspect)) == []
    assert spec_differences(wanted_spec(container(command=None), IMAGE, LINKS, {"web": WEB_ID}), current_spec(INSPECT)) == ["command"]


def test_explicit_hostname_and_its_alias():
    inspect = copy.deepcopy(INSPECT)
    inspect["Config"]["Hostname"] = "alpha"
    inspect["NetworkSettings"]["Networks"]["lan"]["Aliases"] = ["c", "cl", "alpha"]
    assert spec_differences(wanted_spec(container(hostname="alpha"), IMAGE, LINKS, {"web": WEB_ID}), current_spec(inspect)) == []


def test_order_of_ports_aliases_and_env_means_nothing():
    shuffled = container(
        env={"MODE": "lab"},
        published_ports=list(reversed(container()["published_ports"])),
        networks=[{"name": "bridge", "ipv4_address": None, "aliases": []}, {"name": "lan", "ipv4_address": "10.0.0.5", "aliases": ["cl", "c", "c"]}],
    )
    assert spec_differences(wanted_spec(shuffled, IMAGE, {"lan": ["web:site"], "bridge": ["web:site"]}, {"web": WEB_ID}), current_spec(INSPECT)) == []


def test_helpers():
    assert env_dict(["A=1", "B=x=y", "C"]) == {"A": "1", "B": "x=y", "C": ""}
    assert legacy_link("/web:/client/site") == "web:site"
    assert link_targets_label({"web": WEB_ID, "db": "(new)"}) == "db=(new),web=" + WEB_ID[:12]
