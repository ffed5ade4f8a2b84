# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import (
    PortBinding,
    PortSpecError,
    binding_text,
    bindings_collide,
    bindings_from_engine,
    engine_port_bindings,
    host_port_collisions,
    parse_published_port,
)


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("80", [PortBinding("0.0.0.0", None, 80, "tcp")]),
        (80, [PortBinding("0.0.0.0", None, 80, "tcp")]),
        ("8080:80", [PortBinding("0.0.0.0", 8080, 80, "tcp")]),
        ("8080:80/tcp", [PortBinding("0.0.0.0", 8080, 80, "tcp")]),
        ("53:53/UDP", [PortBinding("0.0.0.0", 53, 53, "udp")]),
        ("127.0.0.1:8080:80", [PortBinding("127.0.0.1", 8080, 80, "tcp")]),
        ("127.0.0.1::80", [PortBinding("127.0.0.1", None, 80, "tcp")]),
        ("[::1]:8080:80/sctp", [PortBinding("::1", 8080, 80, "sctp")]),
        ("8000-8002:80-82", [PortBinding("0.0.0.0", 8000 + i, 80 + i, "tcp") for i in range(3)]),
        ("9000-9001", [PortBinding("0.0.0.0", None, 9000, "tcp"), PortBinding("0.0.0.0", None, 9001, "tcp")]),
        ("65535:1", [PortBinding("0.0.0.0", 65535, 1, "tcp")]),
    ],
)
def test_parse_published_port(spec, expected):
    assert parse_published_port(spec) == expected


@pytest.mark.parametrize(
    "spec, words",
    [
        ("70000:80", "host port 70000 is outside 1-65535"),
        ("8080:0", "container port 0 is outside 1-65535"),
        ("8080:80/icmp", "protocol 'icmp' is not one of tcp, udp, sctp"),
        ("http:80", "host port 'http' is not a port"),
        ("8000-8002:80-81", "host range has 3 ports and the container range 2"),
        ("82-80", "range 82-80 runs backwards"),
        ("300.1.1.1:80:80", "host address '300.1.1.1' is not an IP address"),
        ("::1:80:80", "too many colons"),
        ("[::1:80:80", "IPv6 host address is written [address]"),
        ("", "empty string"),
        (True, "is not a port spec"),
    ],
)
def test_bad_specs_name_the_value_and_the_rule(spec, words):
    with pytest.raises(PortSpecError) as err:
        parse_published_port(spec)
    assert words in str(err.value)


def test_short_and_long_forms_are_one_port():
    assert set(parse_published_port("80")) == set(parse_published_port("0.0.0.0::80/tcp"))
    assert set(parse_published_port("8000-8001:80-81")) == set(parse_published_port("8000:80") + parse_published_port("8001:81"))


@pytest.mark.parametrize(
    "first, second, collide",
    [
        ("8080:80", "8080:81", True),
        ("127.0.0.1:8080:80", "8080:81", True),
        ("127.0.0.1:8080:80", "127.0.0.2:8080:80", False),
        ("8080:80/tcp", "8080:80/udp", False),
        ("80", "80", False),  # engine-chosen host ports never collide
        ("[::1]:8080:80", "[::1]:8080:81", True),
        ("[::]:8080:80", "[::1]:8080:81", True),
        # -p 8080:80 of the docker CLI: one port per address family, the same host port twice
        ("8080:80", "[::]:8080:80", False),
        ("127.0.0.1:8080:80", "[::1]:8080:80", False),
    ],
)
def test_bindings_collide(first, second, collide):
    assert bindings_collide(parse_published_port(first)[0], parse_published_port(second)[0]) is collide


def test_host_port_collisions_across_and_within_owners():
    found = host_port_collisions(
        {
            "web": parse_published_port("8080:80"),
            "api": parse_published_port("8079-8080:90-91"),
            "dns": parse_published_port("53:53/udp") + parse_published_port("127.0.0.1:53:5353/udp"),
        }
    )
    assert [(a, binding_text(b), c, binding_text(d)) for a, b, c, d in found] == [
        ("web", "0.0.0.0:8080:80/tcp", "api", "0.0.0.0:8080:91/tcp"),
        ("dns", "0.0.0.0:53:53/udp", "dns", "127.0.0.1:53:5353/udp"),
    ]


def test_engine_round_trip():
    bindings = parse_published_port("127.0.0.1:8080:80") + parse_published_port("[::1]::80") + parse_published_port("53:53/udp")
    engine = engine_port_bindings(bindings)
    assert engine == {
        "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}, {"HostIp": "::1", "HostPort": ""}],
        "53/udp": [{"HostIp": "0.0.0.0", "HostPort": "53"}],
    }
    assert bindings_from_engine(engine) == set(bindings)


def test_engine_defaults_read_as_any_address():
    assert bindings_from_engine({"80/tcp": [{"HostIp": "", "HostPort": "8080"}], "81/tcp": None}) == {
        PortBinding("0.0.0.0", 8080, 80, "tcp")
    }
    assert bindings_from_engine(None) == set()


def test_binding_text():
    assert binding_text(PortBinding("::1", None, 80, "udp")) == "[::1]::80/udp"
