# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Published ports: parse ``[host_ip:][host_port:]container_port[/proto]``, normalise, compare.

Plain functions over plain data. A spec becomes one :class:`PortBinding` per published port, so
that ``80`` equals ``80/tcp``, a range equals its ports, and bindings compare as sets. The engine
keeps the same facts in ``HostConfig.PortBindings``; :func:`bindings_from_engine` reads them into
the same shape.
"""

from __future__ import annotations

import ipaddress
import re
from collections import namedtuple
from collections.abc import Sequence

PROTOCOLS = ("tcp", "udp", "sctp")
ANY_IPV4 = "0.0.0.0"
ANY_IPV6 = "::"

PORT_SPEC_FORMAT = "[host_ip:][host_port:]container_port[/tcp|udp|sctp], ports 1-65535, ranges as 8000-8009"

# host_port None: the engine picks a free host port.
PortBinding = namedtuple("PortBinding", ["host_ip", "host_port", "container_port", "protocol"])


class PortSpecError(ValueError):
    """A published port that cannot be parsed; the message names the value and the format."""


_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def _port_range(text: str, spec: str, what: str) -> list[int]:
    match = _RANGE.match(text)
    if not match:
        raise PortSpecError("%r: the %s %r is not a port or a range like 8000-8009 (format: %s)" % (spec, what, text, PORT_SPEC_FORMAT))
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else first
    for port in (first, last):
        if not 1 <= port <= 65535:
            raise PortSpecError("%r: the %s %d is outside 1-65535" % (spec, what, port))
    if last < first:
        raise PortSpecError("%r: the %s range %s runs backwards; write it low-high" % (spec, what, text))
    return list(range(first, last + 1))


def _split_host_ip(spec: str, rest: str) -> tuple[str | None, str]:
    """Take a leading host address off ``rest``: ``[v6]:...`` or ``a.b.c.d:...:...``."""
    if rest.startswith("["):
        end = rest.find("]:")
        if end < 0:
            raise PortSpecError("%r: an IPv6 host address is written [address]:host_port:container_port" % spec)
        host_ip, rest = rest[1:end], rest[end + 2:]
    else:
        parts = rest.split(":")
        if len(parts) <= 2:
            return None, rest
        if len(parts) > 3:
            raise PortSpecError("%r: too many colons; write an IPv6 host address in brackets, [::1]:8080:80" % spec)
        host_ip, rest = parts[0], ":".join(parts[1:])
    try:
        host_ip = str(ipaddress.ip_address(host_ip))
    except ValueError:
        raise PortSpecError("%r: the host address %r is not an IP address" % (spec, host_ip)) from None
    return host_ip, rest


def parse_published_port(spec) -> list[PortBinding]:
    """The bindings one published-port spec stands for; raises :class:`PortSpecError`."""
    if isinstance(spec, bool) or not isinstance(spec, (str, int)):
        raise PortSpecError("%r is not a port spec (format: %s)" % (spec, PORT_SPEC_FORMAT))
    text = str(spec).strip()
    if not text:
        raise PortSpecError("an empty string is not a port spec (format: %s)" % PORT_SPEC_FORMAT)
    protocol = "tcp"
    if "/" in text:
        text, protocol = text.rsplit("/", 1)
        protocol = protocol.lower()
        if protocol not in PROTOCOLS:
            raise PortSpecError("%r: the protocol %r is not one of %s" % (spec, protocol, ", ".join(PROTOCOLS)))
    host_ip, rest = _split_host_ip(str(spec), text)
    parts = rest.split(":")
    if len(parts) == 1:
        host_text, container_text = "", parts[0]
    elif len(parts) == 2:
        host_text, container_text = parts
    else:
        raise PortSpecError("%r: too many colons (format: %s)" % (spec, PORT_SPEC_FORMAT))
    container_ports = _port_range(container_text, str(spec), "container port")
    host_ports: Sequence[int | None] = [None] * len(container_ports)
    if host_text:
        host_ports = _port_range(host_text, str(spec), "host port")
        if len(host_ports) != len(container_ports):
            raise PortSpecError(
                "%r: the host range has %d ports and the container range %d; give both ranges the same length"
                % (spec, len(host_ports), len(container_ports))
            )
    host_ip = host_ip or ANY_IPV4
    return [PortBinding(host_ip, hp, cp, protocol) for hp, cp in zip(host_ports, container_ports)]


def binding_text(binding: PortBinding) -> str:
    """``host_ip:host_port:container_port/proto``; an engine-chosen host port is left empty."""
    host_ip = "[%s]" % binding.host_ip if ":" in binding.host_ip else binding.host_ip
    host_port = "" if binding.host_port is None else str(binding.host_port)
    return "%s:%s:%d/%s" % (host_ip, host_port, binding.container_port, binding.protocol)


def _is_any(host_ip: str) -> bool:
    return host_ip in (ANY_IPV4, ANY_IPV6)


def _family(host_ip: str) -> int:
    return 6 if ":" in host_ip else 4


def bindings_collide(first: PortBinding, second: PortBinding) -> bool:
    """Whether two bindings ask for the same host port of one address family.

    An any-address binding takes every address of its family: ``0.0.0.0:8080`` and ``[::]:8080`` are
    the two halves of the docker CLI's ``-p 8080:80`` (the engine binds ``::`` for IPv6 only), not a
    collision.
    """
    if first.host_port is None or second.host_port is None:
        return False
    if first.host_port != second.host_port or first.protocol != second.protocol:
        return False
    if _family(first.host_ip) != _family(second.host_ip):
        return False
    return first.host_ip == second.host_ip or _is_any(first.host_ip) or _is_any(second.host_ip)


def host_port_collisions(bindings_by_owner: dict) -> list[tuple[str, PortBinding, str, PortBinding]]:
    """Pairs of bindings, across and within owners, that ask for the same host port.

    ``bindings_by_owner`` maps an owner (a container name) to its bindings. Each colliding pair is
    reported once, as ``(owner, binding, other_owner, other_binding)``, in input order.
    """
    flat = [(owner, binding) for owner, bindings in bindings_by_owner.items() for binding in bindings]
    found = []
    for index, (owner, binding) in enumerate(flat):
        for other_owner, other in flat[index + 1:]:
            if bindings_collide(binding, other):
                found.append((owner, binding, other_owner, other))
    return found


def engine_port_bindings(bindings) -> dict:
    """``HostConfig.PortBindings`` for the engine: ``{"80/tcp": [{"HostIp": ..., "HostPort": ...}]}``."""
    result: dict = {}
    for binding in sorted(set(bindings), key=binding_text):
        key = "%d/%s" % (binding.container_port, binding.protocol)
        result.setdefault(key, []).append(
            {"HostIp": binding.host_ip, "HostPort": "" if binding.host_port is None else str(binding.host_port)}
        )
    return result


def bindings_from_engine(port_bindings: dict | None) -> set:
    """The bindings in an inspected ``HostConfig.PortBindings`` (or ``NetworkSettings.Ports``)."""
    found = set()
    for key, entries in (port_bindings or {}).items():
        port, _sep, protocol = key.partition("/")
        for entry in entries or []:
            host_port = entry.get("HostPort") or ""
            found.add(
                PortBinding(
                    entry.get("HostIp") or ANY_IPV4,
                    int(host_port) if host_port else None,
                    int(port),
                    protocol or "tcp",
                )
            )
    return found
