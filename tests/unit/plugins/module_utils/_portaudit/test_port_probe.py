# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Probes against real sockets on this host's loopback."""
from __future__ import annotations

import socket
import threading

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import port_probe as pp


def binding(**kw):
    base = dict(container="web", proto="tcp", host_ip="0.0.0.0", host_port=8080, nat=True, gateway="172.17.0.1")
    base.update(kw)
    return base


@pytest.mark.parametrize(
    "kw, expected",
    [
        ({}, dict(loopback="127.0.0.1", nat="172.17.0.1")),
        (dict(host_ip="127.0.0.1"), dict(loopback="127.0.0.1", nat=None)),
        (dict(host_ip="192.0.2.5"), dict(loopback=None, nat="192.0.2.5")),
        (dict(host_ip="::"), dict(loopback="::1", nat=None)),
        (dict(proto="udp"), dict(loopback=None, nat=None)),
        (dict(nat=False), dict(loopback=None, nat=None)),
    ],
)
def test_probe_targets(kw, expected):
    assert pp.probe_targets(binding(**kw)) == expected


V6 = dict(host_ip="::", container_ipv6="fd00:6a:1::2", gateway_v6="fd00:6a:1::1")


@pytest.mark.parametrize(
    "kw, engine, expected",
    [
        (V6, dict(userland_proxy=True, ip6_nat=True), dict(loopback="::1", nat="fd00:6a:1::1")),
        # No NAT serves ::1 (IPv6 has no route_localnet): without a proxy only the gateway path is tried.
        (V6, dict(userland_proxy=False, ip6_nat=True), dict(loopback=None, nat="fd00:6a:1::1")),
        (V6, dict(userland_proxy=True, ip6_nat=False), dict(loopback="::1", nat=None)),
        (dict(V6, host_ip="::1"), dict(userland_proxy=True, ip6_nat=True), dict(loopback="::1", nat=None)),
        (dict(V6, host_ip="2001:db8::5"), dict(userland_proxy=True, ip6_nat=True), dict(loopback=None, nat="2001:db8::5")),
        # A container with no IPv6 address: docker-proxy carries IPv6 to IPv4, no NAT path.
        (dict(V6, container_ipv6=None), dict(userland_proxy=True, ip6_nat=True), dict(loopback="::1", nat=None)),
        ({}, dict(userland_proxy=False, ip6_nat=True), dict(loopback="127.0.0.1", nat="172.17.0.1")),
    ],
)
def test_probe_targets_of_ipv6_bindings(kw, engine, expected):
    assert pp.probe_targets(binding(**kw), **engine) == expected


@pytest.fixture
def server():
    """A loopback server that holds each connection open, like a web server waiting for a request."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []

    def accept():
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for conn in held:
        conn.close()


@pytest.fixture
def closer():
    """A loopback server that accepts and closes at once, as docker-proxy does when its container is gone."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def accept():
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_open_port_answers(server):
    assert pp.tcp_probe("127.0.0.1", server, 2) == (True, None)


def test_closed_port_is_refused():
    ok, error = pp.tcp_probe("127.0.0.1", free_port(), 2)
    assert ok is False and "refused" in error.lower()


def test_accept_then_close_is_a_failure(closer):
    ok, error = pp.tcp_probe("127.0.0.1", closer, 2)
    assert ok is False and "closed at once" in error


def test_probe_bindings_by_path(server):
    open_binding = binding(container="a", host_ip="127.0.0.1", host_port=server)
    closed_binding = binding(container="b", host_ip="127.0.0.1", host_port=free_port())
    udp = binding(container="c", proto="udp")
    results = pp.probe_bindings([open_binding, closed_binding, udp], lambda b: b["container"], 2)
    assert results["a"]["loopback"] is True and results["a"]["nat"] is None
    assert results["b"]["loopback"] is False and results["b"]["loopback_target"] == "127.0.0.1"
    assert results["c"] == {"loopback": None, "nat": None}
