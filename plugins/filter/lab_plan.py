# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lab planner: one topology in, a per-host plan out.

Pure functions over plain data (no daemon, no netlink), so that the rules are unit-tested:

- every macvlan network gets, on each host it spans, an ``ip_range`` carved from its subnet
  (``ip_range: auto``): the subnet is cut into equal blocks, the blocks that hold a fixed address
  (gateway, static container addresses, aux addresses, shim addresses) are skipped, and the hosts
  take the free blocks in inventory order. Deterministic and without overlap;
- containers with ``ipv4_address: auto`` (or none) get the lowest free address of their host's range;
- host shims with ``address: auto`` get the highest free addresses outside every range;
- links to a container on the same host become Docker links; links to a container on another host
  become ``/etc/hosts`` entries with the target's address on a network both share;
- checks name the container they run from, the host that container lives on and the address to use.

Every error is an :class:`LabPlanError` that names the field, the value and the fix.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError

# One vocabulary: the planner takes exactly the names, links, ports, interface names, modes,
# container options and wires that the modules take, so these rules come from module_utils and nowhere else.
from ansible_collections.labnet.docker.plugins.module_utils._docker import runtime_options as rt
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.spec import normalise_runtime
from ansible_collections.labnet.docker.plugins.module_utils._docker.link_order import (
    ALIAS_PATTERN,
    ALIAS_RULE,
    NAME_PATTERN,
    NAME_RULE,
    LinkSpecError,
    is_aside_name,
    parse_link,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import (
    ANY_IPV4,
    ANY_IPV6,
    PortSpecError,
    parse_published_port,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import underlay as _underlay
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.ifname import IFNAME_MAX, IFNAME_RULE, is_interface_name
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import DEFAULT_MACVLAN_MODE, MACVLAN_MODES
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.wires import WireError, parse_wires

LAB_LABEL = "labnet.lab"
DEFAULT_IMAGE = "labnet/box:latest"
# The smallest block that ip_range: auto will carve (a /29 leaves 6 usable addresses).
SMALLEST_AUTO_BLOCK = 29
NETWORK_DRIVERS = ("macvlan", "bridge")
CONTAINER_KEYS = ("name", "host", "image", "command", "env", "hostname", "networks", "links", "published_ports",
                  "restart_policy", "labels")
# The container options passed through to labnet.docker.linked_containers as they are, after the
# module's own rules (module_utils/_docker/containers/spec.py) have checked them.
RUNTIME_KEYS = ("entrypoint", "user", "working_dir", "capabilities", "cap_drop", "privileged", "sysctls", "devices",
                "volumes", "tmpfs", "memory", "cpus", "dns", "dns_search", "healthcheck", "wait", "wait_timeout",
                "post_start")


class LabPlanError(AnsibleFilterError):
    """The topology is wrong; the message names the field, the value and the fix."""


def _name(field: str, value, what: str) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise LabPlanError("%s=%r is not a valid %s name. Use %s." % (field, value, what, NAME_RULE))
    return value


def _lab_name(value) -> str:
    """The lab's name prefixes container and network names (``<lab>-<name>``), so one character is enough."""
    if not isinstance(value, str) or not ALIAS_PATTERN.match(value):
        raise LabPlanError("lab_name=%r is not a valid lab name. Use %s." % (value, ALIAS_RULE))
    return value


def _ifname(field: str, value) -> str:
    if isinstance(value, str) and len(value) > IFNAME_MAX:
        raise LabPlanError(
            "%s=%r is %d characters long; Linux interface names have at most %d. Choose a shorter name."
            % (field, value, len(value), IFNAME_MAX)
        )
    if not is_interface_name(value):
        raise LabPlanError("%s=%r is not a valid interface name. Use %s." % (field, value, IFNAME_RULE))
    return value


def _per_host(field: str, value, hosts: list[str], required: bool = True) -> dict:
    """A setting given once for all hosts (a string) or per host (a dict host -> value)."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(hosts))
        if unknown:
            raise LabPlanError(
                "%s names hosts that the network does not span: %s. Hosts it spans: %s. "
                "Fix the host names or the network's hosts." % (field, ", ".join(unknown), ", ".join(hosts))
            )
        missing = [h for h in hosts if h not in value]
        if missing and required:
            raise LabPlanError(
                "%s gives no value for host(s) %s. Give one per host, or a single value for all hosts."
                % (field, ", ".join(missing))
            )
        return {h: value.get(h) for h in hosts}
    if value is None and required:
        raise LabPlanError("%s is required. Give one value for all hosts, or a dict of host to value." % field)
    return {h: value for h in hosts}


def _address(field: str, value, subnet) -> ipaddress.IPv4Address:
    """An address inside ``subnet``; an integer N (or "N") means the subnet's N-th address."""
    if isinstance(value, int) and not isinstance(value, bool) or (isinstance(value, str) and value.isdigit()):
        if not 0 < int(value) < subnet.num_addresses - 1:
            raise LabPlanError(
                "%s=%r is a host number, but %s has host numbers 1 to %d. Choose one in that range."
                % (field, value, subnet, subnet.num_addresses - 2)
            )
        return subnet.network_address + int(value)
    try:
        address = ipaddress.ip_address(str(value))
    except ValueError:
        raise LabPlanError(
            "%s=%r is not an IPv4 address. Give an address inside %s without a prefix length, or 'auto'."
            % (field, value, subnet)
        ) from None
    if address.version != 4 or address not in subnet:
        raise LabPlanError(
            "%s=%r is outside the subnet %s. Choose an address inside %s." % (field, value, subnet, subnet)
        )
    if address in (subnet.network_address, subnet.broadcast_address):
        raise LabPlanError(
            "%s=%r is the %s address of %s, which no host may use. Choose another address."
            % (field, value, "network" if address == subnet.network_address else "broadcast", subnet)
        )
    return address


def _network(field: str, value) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.ip_network(str(value), strict=True)
    except ValueError as exc:
        raise LabPlanError(
            "%s=%r is not an IPv4 network in CIDR notation (%s). Write it as, for example, 172.31.250.0/24."
            % (field, value, exc)
        ) from None
    if network.version != 4:
        raise LabPlanError("%s=%r is not an IPv4 network; the lab plans IPv4 only." % (field, value))
    return network


def carve_ip_ranges(subnet, hosts: list[str], fixed, prefix: int | None = None) -> dict:
    """Per-host ``ip_range`` blocks of ``subnet``: equal, disjoint, free of ``fixed`` addresses.

    The subnet is cut into 2, 4, 8, ... blocks (or blocks of ``prefix`` when given) until there are
    enough blocks without a fixed address for every host; hosts take them lowest first, in order.
    """
    subnet = ipaddress.ip_network(subnet)
    fixed = [ipaddress.ip_address(a) for a in fixed]
    if not hosts:
        return {}
    if prefix is not None:
        if not subnet.prefixlen < prefix <= 30:
            raise LabPlanError(
                "ip_range_prefix=%r does not fit the subnet %s: it must be longer than /%d and at most /30."
                % (prefix, subnet, subnet.prefixlen)
            )
        candidates = [prefix]
    else:
        candidates = list(range(subnet.prefixlen + 1, SMALLEST_AUTO_BLOCK + 1))
    for new_prefix in candidates:
        free = [b for b in subnet.subnets(new_prefix=new_prefix) if not any(a in b for a in fixed)]
        if len(free) >= len(hosts):
            return {host: str(block) for host, block in zip(hosts, free)}
    raise LabPlanError(
        "ip_range: auto cannot carve %d disjoint range(s) out of %s that avoid the fixed addresses %s. "
        "Use a larger subnet, move the static addresses together, or give ip_range per host."
        % (len(hosts), subnet, ", ".join(str(a) for a in sorted(fixed)) or "(none)")
    )


def _free_addresses(pool, taken, reverse: bool = False):
    """Usable addresses of ``pool`` (network and broadcast of the pool excluded) not in ``taken``."""
    hosts = list(pool.hosts()) if pool.prefixlen < 31 else list(pool)
    if reverse:
        hosts.reverse()
    return (a for a in hosts if a not in taken)


def _parse_link(field: str, value) -> tuple[str, str]:
    try:
        return parse_link(value)
    except LinkSpecError as exc:
        raise LabPlanError("%s: %s." % (field, exc)) from None


def _published_port(field: str, value) -> str:
    """A published-port spec, checked as labnet.docker.linked_containers checks it."""
    try:
        parse_published_port(value)
    except PortSpecError as exc:
        raise LabPlanError("%s: %s." % (field, exc)) from None
    return str(value)


def _ipv6_subnet(where: str, net: dict) -> dict:
    """``subnet_v6`` and ``gateway_v6`` of a dual-stack network (both None without ``subnet_v6``)."""
    if not net.get("subnet_v6"):
        if net.get("gateway_v6"):
            raise LabPlanError("%s: gateway_v6=%r needs subnet_v6. Give subnet_v6 too." % (where, net["gateway_v6"]))
        return dict(subnet_v6=None, gateway_v6=None)
    try:
        subnet = ipaddress.ip_network(str(net["subnet_v6"]), strict=True)
    except ValueError as exc:
        raise LabPlanError("%s: subnet_v6=%r is not a network in CIDR notation (%s). Write it as, for example, "
                           "fd00:250::/64." % (where, net["subnet_v6"], exc)) from None
    if subnet.version != 6:
        raise LabPlanError("%s: subnet_v6=%r is not an IPv6 network. Give an IPv6 subnet such as fd00:250::/64." % (where, net["subnet_v6"]))
    gateway = net.get("gateway_v6")
    if gateway and not _ipv6_in(gateway, subnet):
        raise LabPlanError("%s: gateway_v6=%r is not an IPv6 address inside %s. Choose one inside it." % (where, gateway, subnet))
    return dict(subnet_v6=subnet, gateway_v6=str(gateway) if gateway else None)


def _ipv6_in(value, subnet) -> bool:
    try:
        return ipaddress.IPv6Address(str(value)) in subnet
    except ValueError:
        return False


def _attachment_extras(field: str, att: dict, net: dict | None) -> dict:
    """A network attachment's MAC and IPv6 address, checked by the rules linked_containers uses."""
    extras = {}
    for key, parse in (("mac_address", rt.parse_mac), ("ipv6_address", rt.parse_ipv6)):
        if att.get(key) in (None, ""):
            continue
        try:
            extras[key] = parse(att[key])
        except rt.OptionError as exc:
            raise LabPlanError("%s.%s=%r: %s." % (field, key, att[key], exc)) from None
    address6 = extras.get("ipv6_address")
    if address6 and net is not None:
        if net["subnet_v6"] is None:
            raise LabPlanError("%s.ipv6_address=%s: network %r has no subnet_v6. Give the network a subnet_v6, or drop "
                               "ipv6_address." % (field, address6, net["name"]))
        if not _ipv6_in(address6, net["subnet_v6"]) or address6 == net["gateway_v6"]:
            raise LabPlanError("%s.ipv6_address=%s is outside network %r's subnet_v6 %s or is its gateway. Choose another "
                               "address inside it." % (field, address6, net["name"], net["subnet_v6"]))
    return extras


def _runtime_options(where: str, ctr: dict) -> dict:
    """The container's runtime options, checked by labnet.docker.linked_containers' own rules, as given."""
    unknown = sorted(set(ctr) - set(RUNTIME_KEYS) - set(CONTAINER_KEYS))
    if unknown:
        raise LabPlanError("%s: unknown option(s) %s. A lab container takes %s." % (where, ", ".join(unknown), ", ".join(CONTAINER_KEYS + RUNTIME_KEYS)))
    problems: list[str] = []
    normalise_runtime(dict(ctr, state="started"), where, problems)
    if problems:
        raise LabPlanError("%s. Fix the value, then run again." % "; ".join(problems))
    return {key: ctr[key] for key in RUNTIME_KEYS if ctr.get(key) not in (None, [], {}, "")}


def _underlay_settings(where: str, net: dict, lab: str) -> dict | None:
    """``underlay: vxlan`` of a macvlan network: its VNI, UDP port, MTU and the VXLAN link's name."""
    kind = net.get("underlay")
    if kind in (None, "", "none"):
        stray = [key for key in ("vni", "port", "mtu") if net.get(key) is not None]
        if stray:
            raise LabPlanError("%s: %s=%r is for underlay: vxlan. Add underlay: vxlan, or drop it."
                               % (where, stray[0], net[stray[0]]))
        return None
    if kind not in _underlay.UNDERLAY_KINDS:
        raise LabPlanError("%s: underlay=%r is not a lab underlay. Use underlay: vxlan (with vni), or leave it out "
                           "for hosts on one L2 segment." % (where, kind))
    if net.get("create_parent"):
        raise LabPlanError("%s: create_parent=true and underlay: vxlan both make the parent. Drop create_parent: the "
                           "VXLAN link is the parent." % where)
    try:
        vni, port, mtu = _underlay.check_settings(where, net.get("vni"), net.get("port"), net.get("mtu"))
    except _underlay.UnderlayError as exc:
        raise LabPlanError(str(exc)) from None
    return dict(kind=kind, vni=vni, port=port, mtu=mtu, name=_underlay.link_name(lab, vni))


def _macvlan_settings(where: str, net: dict, hosts: list, underlay: dict | None = None) -> dict:
    """A macvlan network's mode, parent (and the veth peer of a parent to create) per host.

    With an underlay the parent is the VXLAN link (named by ``parent``, else after the lab and the VNI)."""
    mode = net.get("mode", DEFAULT_MACVLAN_MODE)
    if mode not in MACVLAN_MODES:
        raise LabPlanError("%s: mode=%r is not one of %s." % (where, mode, ", ".join(MACVLAN_MODES)))
    parents = _per_host(where + ".parent", net.get("parent") or (underlay or {}).get("name"), hosts)
    for host, parent in parents.items():
        _ifname("%s.parent (host %s)" % (where, host), parent)
    create = bool(net.get("create_parent", False))
    peers = {}
    if create:
        peer_value = net.get("parent_peer")
        if peer_value is None:
            peers = {h: (p[:IFNAME_MAX - 1] + "p") for h, p in parents.items()}
        else:
            peers = _per_host(where + ".parent_peer", peer_value, hosts)
        for host, peer in peers.items():
            _ifname("%s.parent_peer (host %s)" % (where, host), peer)
            if peer == parents[host]:
                raise LabPlanError("%s: parent_peer=%r equals the parent's name. Give the peer another name." % (where, peer))
    return dict(mode=mode, parents=parents, create_parent=create, peers=peers)


def _bridge_settings(where: str, net: dict, hosts: list) -> dict:
    """A user-defined bridge lives on one host and has no parent, shim or per-host ranges."""
    if len(hosts) != 1:
        raise LabPlanError("%s: a bridge network lives on one host, but hosts=%r. Give one host, or use driver: macvlan "
                           "to span hosts." % (where, hosts))
    for key in ("parent", "parent_peer", "shim", "mode", "underlay", "vni"):
        if net.get(key) not in (None, False):
            raise LabPlanError("%s: %s=%r is for macvlan networks; a bridge network has none. Drop it, or use driver: macvlan."
                               % (where, key, net[key]))
    if net.get("create_parent"):
        raise LabPlanError("%s: create_parent=true is for macvlan networks. Drop it, or use driver: macvlan." % where)
    return dict(mode=None, parents={h: None for h in hosts}, create_parent=False, peers={}, ip_range=None, shim=None)


class _Planner:
    def __init__(self, topology, lab_name, hosts, default_image, underlay_hosts=None):
        if not isinstance(topology, dict):
            raise LabPlanError("The lab topology must be a dict with networks, containers and checks; got %r." % (topology,))
        self.topology = topology
        self.lab = _lab_name(lab_name)
        if not hosts or not isinstance(hosts, (list, tuple)):
            raise LabPlanError("The lab needs at least one host (lab_hosts is %r). List the inventory hosts it spans." % (hosts,))
        self.hosts = [str(h) for h in hosts]
        self.default_image = default_image or DEFAULT_IMAGE
        self.networks: dict = {}
        self.containers: dict = {}
        self.wires: list = []
        self.underlay_hosts = underlay_hosts if isinstance(underlay_hosts, dict) else {}
        self.underlay_addresses: dict = {}

    # -- names -------------------------------------------------------------------------------
    def docker_name(self, name: str) -> str:
        return "%s-%s" % (self.lab, name)

    def named_entries(self, key: str, kind: str, seen: dict):
        """Yield ``(name, where, entry)`` for each entry of ``topology[key]``, checked to be a dict
        with a valid, unique name (``seen`` holds the names already read)."""
        for i, entry in enumerate(self.topology.get(key) or []):
            where = "%s[%d]" % (key, i)
            if not isinstance(entry, dict):
                raise LabPlanError("%s must be a dict; got %r." % (where, entry))
            name = _name(where + ".name", entry.get("name"), kind)
            where = "%s %r" % (kind, name)
            if name in seen:
                raise LabPlanError("%s is defined twice. Give each %s a unique name." % (where, kind))
            yield name, where, entry

    # -- networks ----------------------------------------------------------------------------
    def read_networks(self):
        for name, where, net in self.named_entries("networks", "network", self.networks):
            driver = net.get("driver", "macvlan")
            if driver not in NETWORK_DRIVERS:
                raise LabPlanError(
                    "%s: driver=%r is not a lab network driver. Use macvlan or bridge, or attach containers to an "
                    "existing Docker network by its name instead." % (where, driver)
                )
            subnet = _network(where + ".subnet", net.get("subnet"))
            hosts = net.get("hosts") or (list(self.hosts) if driver == "macvlan" else self.hosts[:1])
            unknown = [h for h in hosts if h not in self.hosts]
            if unknown:
                raise LabPlanError(
                    "%s: hosts %s are not lab hosts (%s). Add them to the inventory group or fix the names."
                    % (where, ", ".join(unknown), ", ".join(self.hosts))
                )
            gateway = _address(where + ".gateway", net.get("gateway") or next(subnet.hosts()), subnet)
            aux = {}
            for key, value in (net.get("aux_addresses") or {}).items():
                aux[str(key)] = str(_address("%s.aux_addresses.%s" % (where, key), value, subnet))
            prefix = net.get("ip_range_prefix")
            self.networks[name] = dict(
                name=name,
                docker_name=self.docker_name(name),
                driver=driver,
                subnet=subnet,
                gateway=gateway,
                hosts=list(hosts),
                aux=aux,
                ip_range=net.get("ip_range", "auto"),
                prefix=int(prefix) if prefix is not None else None,
                shim=net.get("shim"),
                internal=bool(net.get("internal", False)),
                statics={},  # address -> container
                **_ipv6_subnet(where, net),
            )
            if driver == "macvlan":
                underlay = _underlay_settings(where, net, self.lab)
                self.networks[name].update(_macvlan_settings(where, net, hosts, underlay), underlay=underlay)
            else:
                self.networks[name].update(_bridge_settings(where, net, hosts), underlay=None)
        self.check_parents()
        self.check_underlays()

    def check_underlays(self) -> None:
        """Every host of an underlay network has an underlay address; one VNI and port per network."""
        seen: dict = {}
        for net in self.networks.values():
            underlay = net["underlay"]
            if underlay is None:
                continue
            key = (underlay["vni"], underlay["port"])
            other = seen.setdefault(key, net["name"])
            if other != net["name"]:
                raise LabPlanError("Networks %r and %r both use vni %d on port %d; the kernel carries one VXLAN link per VNI "
                                   "and port. Give one of them another vni." % (other, net["name"], key[0], key[1]))
            for host in net["hosts"]:
                if host not in self.underlay_addresses:
                    try:
                        self.underlay_addresses[host] = _underlay.pick_address(host, self.underlay_hosts.get(host))[0]
                    except _underlay.UnderlayError as exc:
                        raise LabPlanError("network %r (underlay: vxlan): %s" % (net["name"], exc)) from None
            addresses = [self.underlay_addresses[h] for h in net["hosts"]]
            if len(set(addresses)) != len(addresses) or len({ipaddress.ip_address(a).version for a in addresses}) > 1:
                raise LabPlanError("network %r (underlay: vxlan): the hosts' underlay addresses %s must be distinct and of one "
                                   "address family. Set lab_underlay_address per host." % (net["name"], dict(zip(net["hosts"], addresses))))

    def check_parents(self):
        """Two lab networks on one parent on one host: the engine refuses it, so the planner does first."""
        seen: dict = {}
        for net in self.networks.values():
            for host, parent in net["parents"].items():
                if parent is None:
                    continue
                other = seen.setdefault((host, parent), net["name"])
                if other != net["name"]:
                    raise LabPlanError(
                        "Networks %r and %r both use parent %r on host %s; a parent carries one macvlan network. "
                        "Give one of them another parent." % (other, net["name"], parent, host)
                    )

    # -- containers --------------------------------------------------------------------------
    def read_containers(self):
        for name, where, ctr in self.named_entries("containers", "container", self.containers):
            host = str(ctr.get("host") or self.hosts[0])
            if host not in self.hosts:
                raise LabPlanError(
                    "%s: host=%r is not a lab host (%s). Fix the name or add the host to the inventory."
                    % (where, host, ", ".join(self.hosts))
                )
            attachments = [self.read_attachment(name, where, host, j, att) for j, att in enumerate(ctr.get("networks") or [])]
            command = ctr.get("command")
            self.containers[name] = dict(
                name=name,
                docker_name=self.docker_name(name),
                host=host,
                image=ctr.get("image") or self.default_image,
                command=command,
                env=dict(ctr.get("env") or {}),
                hostname=ctr.get("hostname") or name,
                attachments=attachments,
                links=[_parse_link("%s.links[%d]" % (where, k), link) for k, link in enumerate(ctr.get("links") or [])],
                published_ports=[_published_port("%s.published_ports[%d]" % (where, k), port)
                                 for k, port in enumerate(ctr.get("published_ports") or [])],
                restart_policy=ctr.get("restart_policy", "unless-stopped"),
                labels=dict(ctr.get("labels") or {}),
                runtime=_runtime_options(where, ctr),
            )

    def read_attachment(self, name: str, where: str, host: str, j: int, att) -> dict:
        """One entry of a container's ``networks``, with its planned static address."""
        if isinstance(att, str):
            att = dict(name=att)
        field = "%s.networks[%d]" % (where, j)
        net_name = _name(field + ".name", att.get("name"), "network")
        entry: dict[str, Any] = dict(name=net_name, aliases=list(att.get("aliases") or []), address=None)
        net = self.networks.get(net_name)
        if net is not None:
            if host not in net["hosts"]:
                raise LabPlanError(
                    "%s is on host %s, but network %r spans only %s. Add the host to the network or move the container."
                    % (where, host, net_name, ", ".join(net["hosts"]))
                )
            wanted = att.get("ipv4_address", "auto")
            if wanted not in (None, "", "auto"):
                address = _address(field + ".ipv4_address", wanted, net["subnet"])
                if address == net["gateway"] or str(address) in net["aux"].values():
                    raise LabPlanError(
                        "%s.ipv4_address=%s is network %r's %s. Choose another address."
                        % (field, address, net_name, "gateway" if address == net["gateway"] else "aux address")
                    )
                owner = net["statics"].get(address)
                if owner:
                    raise LabPlanError(
                        "%s.ipv4_address=%s is already container %r's address on network %r. Give each container its own address."
                        % (field, address, owner, net_name)
                    )
                net["statics"][address] = name
                entry["address"] = address
        elif att.get("ipv4_address") not in (None, "", "auto"):
            raise LabPlanError(
                "%s: network %r is not a lab network, so the lab cannot plan address %s on it. "
                "Define it under networks, or drop ipv4_address." % (field, net_name, att.get("ipv4_address"))
            )
        entry.update(_attachment_extras(field, att, net))
        return entry

    # -- wires -------------------------------------------------------------------------------
    def read_wires(self) -> None:
        """Point-to-point wires, checked by labnet.docker.container_wires' own parser, between lab containers
        on one host, on interface names Docker does not give the containers' networks (eth0, eth1, ...)."""
        raws = self.topology.get("wires") or []
        try:
            wires = parse_wires(raws)
        except WireError as exc:
            raise LabPlanError("%s." % str(exc).rstrip(".")) from None
        self.wires = []
        for index, wire in enumerate(wires):
            ends = []
            for side, end in (("a", wire.a), ("b", wire.b)):
                field = "wires[%d].%s=%r" % (index, side, raws[index][side])
                ctr = self.containers.get(end.container)
                if ctr is None:
                    raise LabPlanError("%s names container %r, which is not a lab container (%s). Fix the wire end."
                                       % (field, end.container, ", ".join(sorted(self.containers))))
                taken = ["eth%d" % i for i in range(max(1, len(ctr["attachments"])))]
                if end.ifname in taken:
                    raise LabPlanError("%s: container %r has Docker's %s (one per network). Give the wire end another "
                                       "interface name, such as %s." % (field, end.container, ", ".join(taken), "p2p%d" % index))
                ends.append(ctr)
            if ends[0]["host"] != ends[1]["host"]:
                raise LabPlanError("wires[%d]: container %r is on host %s and %r on host %s; a wire joins two containers on "
                                   "one host. Move one of them, or join them with a macvlan network."
                                   % (index, ends[0]["name"], ends[0]["host"], ends[1]["name"], ends[1]["host"]))
            self.wires.append(dict(wire=wire, host=ends[0]["host"], a=ends[0], b=ends[1]))

    def wire_spec(self, entry: dict) -> dict:
        """The wire as labnet.docker.container_wires takes it, with the containers' Docker names."""
        wire = entry["wire"]
        spec: dict[str, Any] = dict(a="%s:%s" % (entry["a"]["docker_name"], wire.a.ifname),
                                    b="%s:%s" % (entry["b"]["docker_name"], wire.b.ifname))
        for side, end in (("a", wire.a), ("b", wire.b)):
            if end.address:
                spec[side + "_address"] = end.address
        if wire.mtu is not None:
            spec["mtu"] = wire.mtu
        return spec

    # -- addresses ---------------------------------------------------------------------------
    def plan_addresses(self):
        for net in self.networks.values():
            self.plan_network(net)

    def _explicit_shim_addresses(self, net) -> dict:
        shim = net["shim"]
        if not shim:
            return {}
        where = "network %r.shim" % net["name"]
        value = shim.get("address", "auto") if isinstance(shim, dict) else "auto"
        if value == "auto":
            return {}
        per_host = _per_host(where + ".address", value, net["hosts"])
        return {h: _address("%s.address (host %s)" % (where, h), str(a).split("/", maxsplit=1)[0], net["subnet"]) for h, a in per_host.items()}

    def plan_network(self, net):
        subnet = net["subnet"]
        where = "network %r" % net["name"]
        shim_addresses = self._explicit_shim_addresses(net)
        fixed = {net["gateway"], *net["statics"], *(ipaddress.ip_address(a) for a in net["aux"].values()), *shim_addresses.values()}
        spec = net["ip_range"]
        if spec == "auto":
            ranges = carve_ip_ranges(subnet, net["hosts"], fixed, net["prefix"])
        elif spec in (None, "", "none"):
            ranges = {h: None for h in net["hosts"]}
        else:
            ranges = _per_host(where + ".ip_range", spec, net["hosts"])
        ranges = {h: (_network("%s.ip_range (host %s)" % (where, h), r) if r else None) for h, r in ranges.items()}
        for host, block in ranges.items():
            if block is not None and not block.subnet_of(subnet):
                raise LabPlanError("%s.ip_range=%s (host %s) is outside the subnet %s. Choose a range inside it." % (where, block, host, subnet))
        blocks = [(h, b) for h, b in ranges.items() if b is not None]
        for i, (h1, b1) in enumerate(blocks):
            for h2, b2 in blocks[i + 1:]:
                if b1.overlaps(b2):
                    raise LabPlanError(
                        "%s: the ip_range of host %s (%s) overlaps that of host %s (%s); each host's engine hands out "
                        "addresses from its own range, so they must not overlap. Use ip_range: auto, or disjoint ranges."
                        % (where, h1, b1, h2, b2)
                    )
        for address, owner in net["statics"].items():
            owner_host = self.containers[owner]["host"]
            for host, block in blocks:
                if host != owner_host and address in block:
                    raise LabPlanError(
                        "Container %r's address %s on network %r lies in host %s's ip_range %s, where that host's engine "
                        "may hand it out. Choose an address outside the other hosts' ranges." % (owner, address, net["name"], host, block)
                    )
        taken = set(fixed)
        net["shims"] = self.plan_shims(net, shim_addresses, taken, blocks)
        self.plan_container_addresses(net, ranges, taken)
        net["ranges"] = ranges
        net["probes"] = self.plan_probes(net, taken, blocks)

    def plan_probes(self, net: dict, taken: set, blocks: list) -> dict:
        """The segment preflight's temporary macvlan probes of a plain macvlan network across hosts: one per host
        on its parent, at the highest addresses that nothing of the lab uses, outside every host's range."""
        if net["driver"] != "macvlan" or net["underlay"] or net["create_parent"] or len(net["hosts"]) < 2:
            return {}
        name = _underlay.probe_name(self.lab, list(self.networks).index(net["name"]))
        free = (a for a in _free_addresses(net["subnet"], taken, reverse=True) if not any(a in block for dummy, block in blocks))
        probes = {}
        for host in net["hosts"]:
            address = next(free, None)
            if address is None:
                raise LabPlanError("network %r: no free address is left for the segment preflight's probe on host %s. Use a "
                                   "larger subnet." % (net["name"], host))
            probes[host] = dict(name=name, parent=net["parents"][host], address="%s/%d" % (address, net["subnet"].prefixlen),
                                ip=str(address))
        return probes

    def plan_shims(self, net: dict, shim_addresses: dict, taken: set, blocks: list) -> dict:
        """Each host's shim; one with address: auto takes the highest free address outside every range."""
        if not net["shim"]:
            return {}
        where = "network %r" % net["name"]
        shims = {}
        shim = net["shim"] if isinstance(net["shim"], dict) else {}
        names = _per_host(where + ".shim.name", shim.get("name"), net["hosts"])
        for host in net["hosts"]:
            _ifname("%s.shim.name (host %s)" % (where, host), names[host])
            address = shim_addresses.get(host)
            if address is None:
                address = next(
                    (a for a in _free_addresses(net["subnet"], taken, reverse=True) if not any(a in block for dummy, block in blocks)),
                    None,
                )
                if address is None:
                    raise LabPlanError("%s: no free address is left for the shim on host %s. Give shim.address." % (where, host))
                taken.add(address)
            shims[host] = dict(name=names[host], address=address, routes=shim.get("routes"))
        return shims

    def plan_container_addresses(self, net: dict, ranges: dict, taken: set) -> None:
        """Containers with automatic addresses take the lowest free address of their host's range."""
        for ctr in self.containers.values():
            for att in ctr["attachments"]:
                if att["name"] != net["name"] or att["address"] is not None:
                    continue
                pool = ranges.get(ctr["host"]) or net["subnet"]
                address = next(_free_addresses(pool, taken), None)
                if address is None:
                    raise LabPlanError(
                        "network %r: no free address is left in %s for container %r. Use a larger range or give ipv4_address."
                        % (net["name"], pool, ctr["name"])
                    )
                taken.add(address)
                att["address"] = address

    # -- output ------------------------------------------------------------------------------
    def address_on_shared_network(self, source: dict, target: dict):
        """Target's address on a lab network both containers are on, with that network's name."""
        mine = {a["name"] for a in source["attachments"]}
        for att in target["attachments"]:
            if att["name"] in mine and att["name"] in self.networks and att["address"] is not None:
                return att["address"], att["name"]
        return None, None

    def container_spec(self, ctr: dict) -> dict:
        """The container as labnet.docker.linked_containers takes it."""
        links, etc_hosts = [], {}
        for target_name, alias in ctr["links"]:
            target = self.containers.get(target_name)
            if target is None:
                raise LabPlanError(
                    "container %r links to %r, which is not a lab container (%s). Fix the link target."
                    % (ctr["name"], target_name, ", ".join(sorted(self.containers)))
                )
            if target["host"] == ctr["host"]:
                links.append("%s:%s" % (target["docker_name"], alias))
                continue
            address = self.address_on_shared_network(ctr, target)[0]
            if address is None:
                raise LabPlanError(
                    "container %r (host %s) links to %r on host %s, but they share no lab network. Links only work on "
                    "one host; across hosts both containers must be on one macvlan network." % (ctr["name"], ctr["host"], target_name, target["host"])
                )
            etc_hosts[alias] = str(address)
            etc_hosts.setdefault(target["hostname"], str(address))
        networks = []
        for att in ctr["attachments"]:
            net = self.networks.get(att["name"])
            entry = dict(name=net["docker_name"] if net else att["name"])
            if att["address"] is not None:
                entry["ipv4_address"] = str(att["address"])
            if att["aliases"]:
                entry["aliases"] = list(att["aliases"])
            for key in ("ipv6_address", "mac_address"):
                if att.get(key):
                    entry[key] = att[key]
            networks.append(entry)
        spec = dict(
            name=ctr["docker_name"],
            image=ctr["image"],
            hostname=ctr["hostname"],
            networks=networks,
            links=links,
            published_ports=list(ctr["published_ports"]),
            restart_policy=ctr["restart_policy"],
            labels=dict(ctr["labels"], **{LAB_LABEL: self.lab, "labnet.lab.container": ctr["name"]}),
        )
        if ctr["command"] is not None:
            spec["command"] = ctr["command"]
        if ctr["env"]:
            spec["env"] = {k: str(v) for k, v in ctr["env"].items()}
        if etc_hosts:
            spec["etc_hosts"] = etc_hosts
        spec.update(ctr["runtime"])
        return spec

    def network_entry(self, net: dict, host: str) -> dict:
        entry = dict(
            name=net["name"],
            docker_name=net["docker_name"],
            parent=net["parents"][host],
            create_parent=net["create_parent"],
            parent_peer=net["peers"].get(host),
            subnet=str(net["subnet"]),
            gateway=str(net["gateway"]),
            ip_range=str(net["ranges"][host]) if net["ranges"].get(host) else None,
            aux_addresses=dict(net["aux"]),
            mode=net["mode"],
            labels={LAB_LABEL: self.lab},
            shim=None,
            driver=net["driver"],
            internal=net["internal"],
            subnet_v6=str(net["subnet_v6"]) if net["subnet_v6"] else None,
            gateway_v6=net["gateway_v6"],
            underlay=self.underlay_entry(net, host),
        )
        shim = net["shims"].get(host)
        if shim:
            routes = shim["routes"]
            if routes is None:
                routes = [entry["ip_range"]] if entry["ip_range"] else []
                block = net["ranges"].get(host)
                for ctr in self.containers.values():
                    for att in ctr["attachments"]:
                        if ctr["host"] == host and att["name"] == net["name"] and (block is None or att["address"] not in block):
                            routes.append("%s/32" % att["address"])
            entry["shim"] = dict(name=shim["name"], address="%s/32" % shim["address"], routes=list(routes))
        return entry

    def underlay_link(self, net: dict, host: str) -> dict:
        """The VXLAN link of an underlay network on ``host`` (see :meth:`underlay_entry`)."""
        entry = self.underlay_entry(net, host)
        if entry is None:
            raise LabPlanError("network %r has no underlay on host %r" % (net["name"], host))
        return entry["link"]

    def underlay_entry(self, net: dict, host: str) -> dict | None:
        """The VXLAN link of ``net`` on ``host``, as labnet.docker.vxlan_link takes it: peers are the other hosts."""
        underlay = net["underlay"]
        if underlay is None:
            return None
        link = dict(name=net["parents"][host], vni=underlay["vni"], port=underlay["port"], local=self.underlay_addresses[host],
                    remotes=[self.underlay_addresses[h] for h in net["hosts"] if h != host])
        if underlay["mtu"] is not None:
            link["mtu"] = underlay["mtu"]
        return dict(kind=underlay["kind"], link=link)

    def underlay_firewall(self, host: str) -> dict | None:
        """The lab's chain on ``host``: its VXLAN ports accepted from the other lab hosts of its underlay networks only."""
        links = [self.underlay_link(n, host) for n in self.networks.values() if n["underlay"] and host in n["hosts"]]
        if not links:
            return None
        peers = sorted({p for link in links for p in link["remotes"]}, key=ipaddress.ip_address)
        return _underlay.firewall_rules(_underlay.chain_name(self.lab), [link["port"] for link in links], peers)

    def underlay_checks(self) -> list:
        """Each host's VXLAN links (the module in check mode: link, MTU and FDB peers) and its firewall chain."""
        checks = []
        for host in self.hosts:
            for net in self.networks.values():
                if net["underlay"] and host in net["hosts"]:
                    link = self.underlay_link(net, host)
                    checks.append(dict(kind="vxlan", host=host, source=host, network=net["name"], link=link,
                                       name="vxlan %s on %s: vni %d, port %d, peers %s" % (
                                           link["name"], host, link["vni"], link["port"], ", ".join(link["remotes"]) or "none")))
            firewall = self.underlay_firewall(host)
            if firewall:
                checks.append(dict(kind="vxlan_firewall", host=host, source=host, firewall=firewall,
                                   name="firewall %s on %s: udp %s only from %s" % (
                                       firewall["chain"], host, ", ".join(str(p) for p in firewall["ports"]),
                                       ", ".join(firewall["peers"]) or "no host")))
        return checks

    def plan_checks(self) -> list:
        spec = self.topology.get("checks") or {}
        checks = self.ping_checks(spec.get("ping") or []) + self.http_checks(spec.get("http") or [])
        checks += self.route_checks(spec.get("route") or [])
        if spec.get("wires", True):
            checks += self.wire_checks()
        if spec.get("host_ping", True):
            checks += self.host_ping_checks()
        if spec.get("ports", "auto"):
            checks += self.port_checks()
        if spec.get("port_forward", True):
            checks += self.port_forward_checks()
        if spec.get("underlay", True):
            checks += self.underlay_checks()
        return checks

    def ping_checks(self, pairs: list) -> list:
        checks = []
        for i, pair in enumerate(pairs):
            field = "checks.ping[%d]" % i
            if isinstance(pair, dict):
                source_name, target_name = pair.get("from"), pair.get("to")
            elif isinstance(pair, (list, tuple)) and len(pair) == 2:
                source_name, target_name = pair
            else:
                raise LabPlanError("%s=%r is not a ping pair. Write [from, to] or {from: ..., to: ...}." % (field, pair))
            source, target = self._container(field + ".from", source_name), self._container(field + ".to", target_name)
            address, network = self.address_on_shared_network(source, target)
            if address is None:
                raise LabPlanError(
                    "%s: %r and %r share no lab network, so there is no planned address to ping. Put both on one lab network."
                    % (field, source_name, target_name)
                )
            checks.append(dict(
                kind="ping", host=source["host"], container=source["docker_name"], source=source_name,
                target=target_name, address=str(address), network=network,
                name="ping %s -> %s (%s on %s)" % (source_name, target_name, address, network),
            ))
        return checks

    def route_checks(self, entries: list) -> list:
        """Ping a container on another segment and see the router as the first hop (traceroute)."""
        checks = []
        for i, route in enumerate(entries):
            field = "checks.route[%d]" % i
            if not isinstance(route, dict) or not all(route.get(k) for k in ("from", "to", "via")):
                raise LabPlanError("%s=%r needs 'from', 'to' and 'via' (containers: source, target, router; 'address' optional)." % (field, route))
            source, target = self._container(field + ".from", route["from"]), self._container(field + ".to", route["to"])
            router = self._container(field + ".via", route["via"])
            hop, network = self.address_on_shared_network(source, router)
            address = route.get("address") or next(
                (a["address"] for a in target["attachments"] if a["name"] in self.networks and a["address"]), None)
            if hop is None or address is None:
                raise LabPlanError("%s: %r needs a lab network shared with the router %r, and %r a planned address on a lab "
                                   "network. Put them on lab networks." % (field, route["from"], route["via"], route["to"]))
            checks.append(dict(
                kind="route", host=source["host"], container=source["docker_name"], source=route["from"],
                target=route["to"], address=str(address), hop=str(hop), via=route["via"],
                name="route %s -> %s (%s) via %s (%s on %s)" % (route["from"], route["to"], address, route["via"], hop, network),
            ))
        return checks

    def wire_checks(self) -> list:
        """Each wire's ends as planned (the module in check mode) and a ping across it from the a end."""
        checks = []
        for entry in self.wires:
            wire, spec = entry["wire"], self.wire_spec(entry)
            checks.append(dict(kind="wire", host=entry["host"], wire=spec, source=entry["a"]["name"],
                               name="wire %s ends" % wire.name))
            if wire.b.address:
                address = wire.b.address.split("/")[0]
                checks.append(dict(
                    kind="wire_ping", host=entry["host"], container=entry["a"]["docker_name"], source=entry["a"]["name"],
                    target=entry["b"]["name"], via=wire.a.ifname, address=address,
                    name="ping across wire %s (%s via %s)" % (wire.name, address, wire.a.ifname),
                ))
        return checks

    def http_checks(self, entries: list) -> list:
        checks = []
        for i, http in enumerate(entries):
            field = "checks.http[%d]" % i
            if not isinstance(http, dict) or not http.get("from") or not http.get("url"):
                raise LabPlanError("%s=%r needs 'from' (a container) and 'url'." % (field, http))
            source = self._container(field + ".from", http["from"])
            url_host = urlsplit(str(http["url"])).hostname or ""
            try:
                ipaddress.ip_address(url_host)
                url_host = ""  # an address needs no name
            except ValueError:
                pass
            checks.append(dict(
                kind="http", host=source["host"], container=source["docker_name"], source=http["from"],
                url=http["url"], url_host=url_host, expect=http.get("expect", ""),
                name="http %s -> %s" % (http["from"], http["url"]),
            ))
        return checks

    def host_ping_checks(self) -> list:
        checks = []
        for net in self.networks.values():
            for host, shim in net["shims"].items():
                for ctr in self.containers.values():
                    for att in ctr["attachments"]:
                        if ctr["host"] == host and att["name"] == net["name"]:
                            checks.append(dict(
                                kind="host_ping", host=host, source=host, target=ctr["name"],
                                address=str(att["address"]), network=net["name"], via=shim["name"],
                                name="ping host %s -> %s (%s via shim %s)" % (host, ctr["name"], att["address"], shim["name"]),
                            ))
        return checks

    def port_checks(self) -> list:
        checks = []
        for ctr in self.containers.values():
            # Docker publishes ports through a bridge network only (the default bridge when the
            # container names no network); a container only on lab (macvlan) networks gets no NAT.
            if ctr["attachments"] and all(a["name"] in self.networks for a in ctr["attachments"]):
                continue
            for binding in ctr["published_ports"]:
                address, host_port = _probe_target(binding)
                if host_port is None:
                    continue
                checks.append(dict(
                    kind="port", host=ctr["host"], container=ctr["docker_name"], source=ctr["host"],
                    target=ctr["name"], address=address, port=host_port, binding=binding,
                    name="port %s:%s -> %s (%s)" % ("[%s]" % address if ":" in address else address, host_port, ctr["name"], binding),
                ))
        return checks

    def port_forward_checks(self) -> list:
        checks = []
        for host in self.hosts:
            names = sorted(c["docker_name"] for c in self.containers.values() if c["host"] == host and c["published_ports"])
            if names:
                checks.append(dict(
                    kind="port_forward", host=host, containers=names, source=host,
                    name="port_forward_info on %s: %s" % (host, ", ".join(names)),
                ))
        return checks

    def _container(self, field, name):
        ctr = self.containers.get(name)
        if ctr is None:
            raise LabPlanError(
                "%s=%r is not a lab container (%s). Fix the name." % (field, name, ", ".join(sorted(self.containers)))
            )
        return ctr

    def plan(self) -> dict:
        self.read_networks()
        self.read_containers()
        self.read_wires()
        self.plan_addresses()
        hosts = {}
        for host in self.hosts:
            networks = [self.network_entry(n, host) for n in self.networks.values() if host in n["hosts"]]
            hosts[host] = dict(
                networks=networks,
                containers=[self.container_spec(c) for c in self.containers.values() if c["host"] == host],
                wires=[self.wire_spec(w) for w in self.wires if w["host"] == host],
                underlay_firewall=self.underlay_firewall(host),
                probes=[dict(n["probes"][host], network=n["name"], docker_name=n["docker_name"],
                             peers=[dict(host=h, ip=p["ip"]) for h, p in n["probes"].items() if h != host])
                        for n in self.networks.values() if host in n["probes"]],
            )
        return dict(
            name=self.lab,
            label={LAB_LABEL: self.lab},
            hosts=hosts,
            containers=[dict(
                name=c["name"], docker_name=c["docker_name"], host=c["host"], image=c["image"],
                addresses={self.networks[a["name"]]["docker_name"] if a["name"] in self.networks else a["name"]:
                           (str(a["address"]) if a["address"] is not None else None) for a in c["attachments"]},
                links=["%s:%s" % link for link in c["links"]],
                published_ports=list(c["published_ports"]),
                router=str((c["runtime"].get("sysctls") or {}).get("net.ipv4.ip_forward", "0")) == "1",
            ) for c in self.containers.values()],
            wires=[dict(self.wire_spec(w), host=w["host"], a_container=w["a"]["name"], b_container=w["b"]["name"])
                   for w in self.wires],
            checks=self.plan_checks(),
        )


def _probe_target(binding: str):
    """Where a host reaches a published port: ``(address, host_port)``; ``(None, None)`` for unpublished.

    A range is probed at its first port; an any-address binding from its family's loopback.
    """
    first = parse_published_port(binding)[0]
    if first.host_port is None:
        return None, None  # the engine picks the host port
    loopback = {ANY_IPV4: "127.0.0.1", ANY_IPV6: "::1"}
    return loopback.get(first.host_ip, first.host_ip), first.host_port


def lab_plan(topology, lab_name, hosts, default_image=DEFAULT_IMAGE, underlay_hosts=None):
    """Plan a lab: see the module docstring and plugins/filter/lab_plan.yml."""
    return _Planner(topology, lab_name, hosts, default_image, underlay_hosts).plan()


def lab_absent_containers(names, keep_aside: bool = False):
    """Container names as labnet.docker.linked_containers entries with ``state: absent``.

    With ``keep_aside``, old containers set aside by a replacement that could not put them back
    (``<name>-old-<id>``) are left out: they may be the last copy of what a user had.
    """
    return [dict(name=str(name), state="absent") for name in names or [] if not (keep_aside and is_aside_name(str(name)))]


def lab_container_ids(containers) -> dict[str, str]:
    """``{name: id}`` of containers as community.docker.docker_host_info lists them.

    A linked container also answers to ``/<client>/<alias>``: only its own name counts.
    """
    ids = {}
    for container in containers or []:
        own = [name.lstrip("/") for name in container.get("Names") or [] if "/" not in name.lstrip("/")]
        if own:
            ids[own[0]] = container.get("Id")
    return ids


class FilterModule:
    """labnet.docker.lab_plan, labnet.docker.lab_absent_containers and labnet.docker.lab_container_ids."""

    def filters(self):
        return {"lab_plan": lab_plan, "lab_absent_containers": lab_absent_containers, "lab_container_ids": lab_container_ids}
