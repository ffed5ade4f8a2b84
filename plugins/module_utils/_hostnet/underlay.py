# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A lab's VXLAN underlay, planned without netlink or iptables.

The rules live here once: which address a lab host uses on the underlay (``lab_underlay_address``,
else an ``ansible_host`` that is an IP address, else the address of its default-route NIC), the
name of the lab's VXLAN link for a VNI, the name of the segment preflight's probes, and the firewall chain that accepts the VXLAN port only from
the lab's own hosts, written as the lines ``iptables -S`` prints so that verify compares them as they are.
"""

from __future__ import annotations

import hashlib
import ipaddress

from ansible_collections.labnet.docker.plugins.module_utils._hostnet.ifname import IFNAME_MAX
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.vxlan import DEFAULT_PORT, MIN_MTU, VNI_MAX, VNI_MIN

UNDERLAY_KINDS = ("vxlan",)
# iptables refuses chain names of 29 characters and more.
CHAIN_MAX = 28
CHAIN_PREFIX = "LABVX-"
HASH_DIGITS = 5
# Where each candidate comes from, in the order they are tried.
ADDRESS_SOURCES = (
    ("address", "lab_underlay_address"),
    ("ansible_host", "ansible_host"),
    ("default_route", "the address of the default-route NIC"),
)


class UnderlayError(Exception):
    """The underlay cannot be planned as asked; the message names the field, the value and the fix."""


def _ip(value):
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None


def pick_address(host: str, candidates: dict | None) -> tuple[str, str]:
    """``(address, source)`` of ``host`` on the underlay.

    ``candidates`` holds ``address`` (lab_underlay_address: must be an IP address), ``ansible_host``
    (used when it is an IP address) and ``default_route`` (the address the role read on the host).
    """
    candidates = candidates or {}
    explicit = candidates.get("address")
    if explicit not in (None, ""):
        address = _ip(explicit)
        if address is None:
            raise UnderlayError("lab_underlay_address=%r of host %s is not an IP address. Give the address that the "
                                "other lab hosts reach this host at." % (explicit, host))
        return str(address), "lab_underlay_address"
    for key, source in ADDRESS_SOURCES[1:]:
        address = _ip(candidates.get(key)) if candidates.get(key) else None
        if address is not None and not address.is_loopback:
            return str(address), source
    raise UnderlayError(
        "host %s has no underlay address: lab_underlay_address is not set, ansible_host=%r is not an IP address, "
        "and no default-route NIC address was found (%r). Set lab_underlay_address for %s to the address the other "
        "lab hosts reach it at." % (host, candidates.get("ansible_host"), candidates.get("default_route"), host))


def check_settings(where: str, vni, port, mtu) -> tuple[int, int, int | None]:
    """``(vni, port, mtu)`` of an underlay, checked by the rules of labnet.docker.vxlan_link."""
    if isinstance(vni, bool) or not isinstance(vni, int) or not VNI_MIN <= vni <= VNI_MAX:
        raise UnderlayError("%s: vni=%r is not a VXLAN network identifier. Give an integer from %d to %d, one per "
                            "network of the lab." % (where, vni, VNI_MIN, VNI_MAX))
    port = DEFAULT_PORT if port is None else port
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise UnderlayError("%s: port=%r is not a UDP port. Give one from 1 to 65535, or leave it out for %d."
                            % (where, port, DEFAULT_PORT))
    if mtu is not None and (isinstance(mtu, bool) or not isinstance(mtu, int) or mtu < MIN_MTU):
        raise UnderlayError("%s: mtu=%r is not an MTU of %d or more. Leave it out to get the underlay's MTU minus the "
                            "VXLAN overhead." % (where, mtu, MIN_MTU))
    return vni, port, mtu


def _hashed(name: str, keep: int) -> str:
    return name[:keep] + hashlib.sha256(name.encode("utf-8")).hexdigest()[:HASH_DIGITS]


def link_name(lab: str, vni: int) -> str:
    """The lab's VXLAN link for ``vni``: ``<lab>-vx<vni>``, or the lab's beginning and a hash when too long
    (and the VNI in hex where even the hash leaves no room for its decimal digits)."""
    suffix = "-vx%d" % vni
    plain = lab + suffix
    if len(plain) <= IFNAME_MAX:
        return plain
    if len(suffix) + HASH_DIGITS > IFNAME_MAX:
        suffix = "-vx%x" % vni
    return _hashed(lab, IFNAME_MAX - len(suffix) - HASH_DIGITS) + suffix


def probe_name(lab: str, index: int) -> str:
    """The segment preflight's probe on the parent of the lab's ``index``-th network: ``<lab>-pb<index>``, hashed when too long."""
    suffix = "-pb%d" % index
    plain = lab + suffix
    if len(plain) <= IFNAME_MAX:
        return plain
    return _hashed(lab, IFNAME_MAX - len(suffix) - HASH_DIGITS) + suffix


def chain_name(lab: str) -> str:
    """The lab's own iptables chain for its VXLAN port: ``LABVX-<lab>``, hashed when too long."""
    plain = CHAIN_PREFIX + lab
    if len(plain) <= CHAIN_MAX:
        return plain
    return CHAIN_PREFIX + _hashed(lab, CHAIN_MAX - len(CHAIN_PREFIX) - HASH_DIGITS)


def _cidr(address: str) -> str:
    parsed = ipaddress.ip_address(address)
    return "%s/%d" % (parsed, parsed.max_prefixlen)


def firewall_rules(chain: str, ports, peers) -> dict:
    """The rules as ``iptables -S`` prints them: ``jumps`` in INPUT (one per VXLAN port) and the
    chain's ``rules``: accept each peer, drop the rest. Only IPv4 peers: iptables holds IPv4 only."""
    v4 = [p for p in peers if ipaddress.ip_address(p).version == 4]
    jumps = ["-A INPUT -p udp -m udp --dport %d -j %s" % (port, chain) for port in sorted(set(ports))]
    rules = ["-A %s -s %s -j ACCEPT" % (chain, _cidr(peer)) for peer in v4] + ["-A %s -j DROP" % chain]
    return dict(chain=chain, ports=sorted(set(ports)), peers=list(v4), jumps=jumps, rules=rules)
