# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""TCP probes of published ports, from this host, by two paths that Docker serves differently.

* loopback (``127.0.0.1:<host port>``): the nat table's OUTPUT rule skips ``127.0.0.0/8``, so
  only docker-proxy answers there (unless dockerd runs with ``userland-proxy: false``, which
  DNATs loopback too, with ``route_localnet``);
* a non-loopback address of this host (the network's gateway address, or the binding's own
  host address): the nat table's OUTPUT chain DNATs it straight to the container.

A connection that docker-proxy accepts and then closes at once without a byte means the proxy
could not reach the container; that counts as a failure. Every probe has a bounded timeout and
the probes run side by side.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Mapping, Sequence

DEFAULT_TIMEOUT = 2.0
# How long a connected probe waits to see whether the far end closes at once.
SETTLE_SECONDS = 0.3
MAX_WORKERS = 32


def probe_targets(binding: Mapping[str, Any], userland_proxy: bool = True, ip6_nat: bool = False) -> dict:
    """Where to connect for each path: ``{'loopback': addr|None, 'nat': addr|None}``.

    Only TCP bindings that Docker publishes are probed; UDP has no connection to prove anything.
    ``::1`` is served by docker-proxy alone (IPv6 has no ``route_localnet``), so it is tried only
    with ``userland_proxy``. The IPv6 NAT path (the network's IPv6 gateway) is tried only where
    the engine NATs IPv6 (``ip6_nat``: ``ip6tables`` on and the container has an IPv6 address).
    """
    targets: dict[str, str | None] = {"loopback": None, "nat": None}
    if binding["proto"] != "tcp" or not binding["nat"]:
        return targets  # a port Docker does not publish (macvlan, ipvlan) has no host path to try
    host_ip = binding["host_ip"]
    if host_ip in ("0.0.0.0", "127.0.0.1"):
        targets["loopback"] = "127.0.0.1"
    elif host_ip in ("::", "::1") and userland_proxy:
        targets["loopback"] = "::1"
    if ":" not in host_ip:
        if host_ip == "0.0.0.0":
            targets["nat"] = binding.get("gateway")
        elif not host_ip.startswith("127."):
            targets["nat"] = host_ip
    elif ip6_nat and binding.get("container_ipv6"):
        if host_ip == "::":
            targets["nat"] = binding.get("gateway_v6")
        elif host_ip != "::1":
            targets["nat"] = host_ip
    return targets


def _engine_paths(engine: dict) -> dict:
    return dict(userland_proxy=bool(engine.get("userland_proxy", True)), ip6_nat=bool(engine.get("ip6tables")))


def tcp_probe(address: str, port: int, timeout: float = DEFAULT_TIMEOUT) -> tuple[bool, str | None]:
    """Connect to ``address:port``; (True, None) when something answers, else (False, why)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((address, port))
    except socket.timeout:
        return False, "no answer within %ss" % timeout
    except OSError as exc:
        return False, exc.strerror or str(exc)
    try:
        sock.settimeout(SETTLE_SECONDS)
        data = sock.recv(1)
        if not data:
            return False, "accepted, then closed at once: nothing behind the port answered"
        return True, None
    except socket.timeout:
        return True, None  # connected and held open: a server waits for a request
    except OSError as exc:
        return False, "accepted, then %s" % (exc.strerror or exc)
    finally:
        sock.close()


def probe_bindings(bindings: Sequence[Mapping[str, Any]], key, timeout: float = DEFAULT_TIMEOUT, engine: dict | None = None) -> dict:
    """Probe every binding by both paths; ``{key(binding): result}``.

    ``engine`` (``userland_proxy``, ``ip6tables``) says which paths the engine serves; without it,
    the defaults of :func:`probe_targets`.

    A result has ``loopback`` and ``nat`` (True, False, or None when that path does not apply),
    with the ``*_target`` address tried and the ``*_error`` seen.
    """
    jobs = []
    for binding in bindings:
        paths = probe_targets(binding, **_engine_paths(engine)) if engine is not None else probe_targets(binding)
        for path, address in paths.items():
            if address:
                jobs.append((key(binding), path, address, binding["host_port"]))
    results: dict = {key(binding): dict(loopback=None, nat=None) for binding in bindings}
    if not jobs:
        return results
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(jobs))) as pool:
        outcomes = pool.map(lambda job: tcp_probe(job[2], job[3], timeout), jobs)
        for (binding_key, path, address, _port), (ok, error) in zip(jobs, outcomes):
            result = results[binding_key]
            result[path] = ok
            result[path + "_target"] = address
            result[path + "_error"] = error
    return results
