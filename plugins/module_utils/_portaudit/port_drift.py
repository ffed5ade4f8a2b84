# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The audit of published ports: bindings x rules x proxies x listeners -> ports and drift.

Pure functions over plain data (what :mod:`published_ports`, :mod:`nat_rules` and
:mod:`_proc_sockets` return), so that the analysis is tested, and timed, without a host. Every
lookup goes through a dict built once, so the cost grows with the number of ports, not with
ports times rules.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ansible_collections.labnet.docker.plugins.module_utils._portaudit.published_ports import is_selected

WILDCARDS = ("0.0.0.0", "::")

PROBLEMS = (
    "dnat_missing",
    "proxy_missing",
    "listener_missing",
    "stale_dnat",
    "orphan_proxy",
    "ip_forward_off",
    "unreachable",
)


def binding_label(binding: dict) -> str:
    host_ip = binding["host_ip"]
    shown = "[%s]" % host_ip if ":" in host_ip else host_ip
    return "%s:%s/%s" % (shown, binding["host_port"], binding["proto"])


def is_ipv6(address: str | None) -> bool:
    return bool(address and ":" in address)


def target_ip(binding: dict) -> str | None:
    """The container address a binding's traffic goes to.

    A binding on an IPv6 host address (``::``, ``::1``) goes to the container's IPv6 address on
    that network when it has one (dockerd then writes an ip6tables DNAT rule, and its docker-proxy
    names that address); otherwise docker-proxy carries it to the IPv4 address, with no NAT.
    """
    if is_ipv6(binding["host_ip"]) and binding.get("container_ipv6"):
        return binding["container_ipv6"]
    return binding["container_ip"]


def nat_expected(binding: dict, engine: dict) -> bool:
    """Whether dockerd writes a DNAT rule for this binding: ``iptables`` for IPv4 host addresses,
    ``ip6tables`` for IPv6 ones on a network where the container has an IPv6 address."""
    if not binding["nat"]:
        return False
    if is_ipv6(binding["host_ip"]):
        return bool(engine.get("ip6tables")) and bool(binding.get("container_ipv6"))
    return bool(engine.get("iptables"))


def _index(items, key):
    index: dict = {}
    for item in items:
        index.setdefault(key(item), []).append(item)
    return index


class RuleIndex:
    """The classified rules (see ``nat_rules.classify_rules``), indexed for per-binding lookups."""

    def __init__(self, classified: dict):
        self.dnat = classified.get("dnat") or []
        self.dnat_by_port = _index(self.dnat, lambda rule: (rule.get("family", 4), rule["proto"], rule["dport"]))
        masquerade = classified.get("masquerade") or []
        self.masquerade_sources = {rule["src"] for rule in masquerade if rule["src"] and "src" not in rule["negated"]}
        self.hairpin = {
            (rule["src"], rule["proto"], rule["dport"])
            for rule in masquerade
            if rule["src"] and rule["src"] == rule["dst"]
        }
        self.local_masquerade_bridges = {
            rule["out_iface"] for rule in masquerade if rule["out_iface"] and not rule["src"] and "out_iface" not in rule["negated"]
        }
        self.accept = {(rule["dst"], rule["proto"], rule["dport"]) for rule in classified.get("accept") or []}

    def dnat_for(self, binding: dict) -> dict | None:
        """The DNAT rule that forwards this binding: same family, protocol, host port, destination."""
        family = 6 if is_ipv6(binding["host_ip"]) else 4
        for rule in self.dnat_by_port.get((family, binding["proto"], binding["host_port"]), ()):
            if rule["to_ip"] != target_ip(binding):
                continue
            if rule["to_port"] not in (None, binding["container_port"]):
                continue
            if "dst" in rule["negated"]:
                continue
            if rule["dst"] in (None, binding["host_ip"]) or binding["host_ip"] in WILDCARDS:
                return rule
        return None

    def hairpin_for(self, binding: dict) -> bool:
        return (
            (target_ip(binding), binding["proto"], binding["container_port"]) in self.hairpin
            or binding["bridge"] in self.local_masquerade_bridges
        )


def _find_listener(listeners_by_port: dict, binding: dict) -> dict | None:
    """The socket that listens for a binding: on its own address, else on its family's wildcard.

    An IPv4 binding is never matched to an IPv6 wildcard socket: Docker opens those IPv6-only.
    """
    candidates = listeners_by_port.get((binding["proto"], binding["host_port"]), [])
    for wanted in (binding["host_ip"], "::" if is_ipv6(binding["host_ip"]) else "0.0.0.0"):
        for listener in candidates:
            if listener["address"] == wanted:
                return listener
    return None


def _proxy_key(item: dict) -> tuple:
    return (item["proto"], item["host_ip"], item["host_port"], item["container_ip"], item["container_port"])


def _binding_proxy_keys(binding: Mapping[str, Any]) -> list[tuple]:
    """The keys of the docker-proxy that may serve a binding: to its IPv4 or its IPv6 address.

    Docker 26 and later proxy an IPv6 host address to the container's IPv6 address, 20.10 (and a
    container with no IPv6 address) to its IPv4 one.
    """
    head = (binding["proto"], binding["host_ip"], binding["host_port"])
    keys = [head + (binding["container_ip"], binding["container_port"])]
    ipv6 = binding.get("container_ipv6")
    if ipv6:
        keys.insert(0 if ":" in binding["host_ip"] else 1, head + (ipv6, binding["container_port"]))
    return keys


def _proxy_for(proxies_by_key: dict, binding: dict) -> dict | None:
    for key in _binding_proxy_keys(binding):
        if key in proxies_by_key:
            return proxies_by_key[key]
    return None


def drift_entry(problem: str, message: str, binding: dict | None = None, **extra) -> dict:
    entry = dict(
        problem=problem,
        container=None,
        proto=None,
        host_ip=None,
        host_port=None,
        container_ip=None,
        container_port=None,
        message=message,
        rule=None,
        backend=None,
        pid=None,
    )
    if binding:
        for key in ("container", "proto", "host_ip", "host_port", "container_ip", "container_port"):
            entry[key] = binding.get(key)
    entry.update(extra)
    return entry


def _probe_failed(probe: dict | None) -> bool:
    if not probe:
        return False
    tried = [probe.get(path) for path in ("loopback", "nat") if probe.get(path) is not None]
    return bool(tried) and not any(tried)


def _probe_details(probe: dict | None) -> str:
    probe = probe or {}
    parts = []
    for path, label in (("loopback", "from loopback"), ("nat", "from a host address, by NAT")):
        if probe.get(path) is False:
            parts.append("%s to %s (%s)" % (label, probe.get(path + "_target"), probe.get(path + "_error")))
    return "; ".join(parts)


def _subnet_of(binding: dict, address: str | None) -> str | None:
    return binding.get("subnet_v6") if is_ipv6(address) else binding["subnet"]


def _address_label(address: str, port: int) -> str:
    return "[%s]:%s" % (address, port) if is_ipv6(address) else "%s:%s" % (address, port)


RESERVED_ONLY = (
    "connected only to dockerd's own socket for the port, which forwards nothing (no DNAT rule, no docker-proxy): "
    "the connection waits there, unanswered"
)


def _discount_reservation(probe: dict | None, found: dict) -> dict | None:
    """The probe, with the paths that only reached dockerd's own listening socket counted as failed.

    Docker 26 and later keep a listening socket for each published port in dockerd itself (with
    ``userland-proxy: false``, or to hand it to docker-proxy with ``-use-listen-fd``); nothing
    accepts on it. With neither a DNAT rule nor a docker-proxy for the binding, a probe that
    connects has landed on that socket: the kernel completes the handshake, no data ever comes.
    """
    listener = found["listener"]
    if not probe or found["dnat"] is not None or found["proxy"] is not None:
        return probe
    if not listener or listener.get("process") != "dockerd":
        return probe
    probe = dict(probe)
    for path in ("loopback", "nat"):
        if probe.get(path):
            probe[path] = False
            probe[path + "_error"] = RESERVED_ONLY
    return probe


def _binding_drift(binding: dict, found: dict, engine: dict, probe: dict | None, rule_sources: str) -> list[dict]:
    """The drift entries of one binding, given what was found for it (``dnat``, ``proxy``, ``listener``)."""
    label = binding_label(binding)
    name = binding["container"]
    target = binding["container_ip"]
    dnat, proxy = found["dnat"], found["proxy"]
    drift = []
    if nat_expected(binding, engine) and dnat is None:
        drift.append(drift_entry(
            "dnat_missing",
            "Container %s publishes %s, but no %s DNAT rule forwards %s port %s to %s (read from %s): "
            "connections from other hosts do not arrive. Restart the container so that Docker writes the "
            "rule again, and find what removed it (a firewall reload that flushed the nat table?)."
            % (name, label, "IPv6 (ip6tables)" if is_ipv6(target) else "IPv4", binding["proto"],
               binding["host_port"], _address_label(target, binding["container_port"]), rule_sources), binding))
    if engine.get("userland_proxy") and binding["nat"] and proxy is None:
        drift.append(drift_entry(
            "proxy_missing",
            "Container %s publishes %s and dockerd runs with userland-proxy on, but no docker-proxy serves it: "
            "connections to the loopback address of this host fail%s. Restart the container "
            "(docker restart %s) to get a new proxy."
            % (name, label, ", while other hosts still get through by the DNAT rule" if dnat else "", name),
            binding))
    if proxy is not None and found["listener"] is None:
        drift.append(drift_entry(
            "listener_missing",
            "docker-proxy (pid %s) serves %s for container %s, but no socket listens on that address and port: "
            "the proxy cannot accept connections. Restart the container (docker restart %s)."
            % (proxy["pid"], label, name, name), binding, pid=proxy["pid"]))
    if _probe_failed(probe):
        drift.append(drift_entry(
            "unreachable",
            "No connection reached container %s through %s: %s. Check the drift above for this port, "
            "and that the container's service listens on port %s."
            % (name, label, _probe_details(probe), binding["container_port"]), binding))
    return drift


def _audit_binding(binding, rules, proxies_by_key, listeners_by_port, engine, probe, rule_sources):
    """One port of the result, and its drift entries.

    The port and its drift name the container address the traffic goes to (:func:`target_ip`):
    the IPv6 one for an IPv6 binding that Docker NATs.
    """
    target = target_ip(binding)
    shown = dict(binding, container_ip=target)
    dnat = rules.dnat_for(binding) if binding["nat"] else None
    proxy = _proxy_for(proxies_by_key, binding)
    listener = _find_listener(listeners_by_port, binding)
    found = dict(dnat=dnat, proxy=proxy, listener=listener)
    probe = _discount_reservation(probe, found)
    drift = _binding_drift(shown, found, engine, probe, rule_sources)
    # MASQUERADE and hairpin rules exist where Docker NATs the binding's family.
    nat_family = binding["nat"] and (not is_ipv6(binding["host_ip"]) or bool(binding.get("container_ipv6")))
    port = dict(
        container=binding["container"],
        container_id=binding["container_id"],
        network=binding["network"],
        network_driver=binding["network_driver"],
        container_ip=target,
        container_port=binding["container_port"],
        proto=binding["proto"],
        host_ip=binding["host_ip"],
        host_port=binding["host_port"],
        nat=binding["nat"],
        dnat=dnat["text"] if dnat else None,
        dnat_backend=dnat["backend"] if dnat else None,
        masquerade=_subnet_of(binding, target) in rules.masquerade_sources if nat_family else False,
        hairpin=rules.hairpin_for(binding) if nat_family else False,
        filter_accept=(target, binding["proto"], binding["container_port"]) in rules.accept,
        proxy=proxy["pid"] if proxy else None,
        listener=dict(pid=listener["pid"], process=listener["process"], address=listener["address"]) if listener else None,
        reachable=dict(loopback=probe.get("loopback"), nat=probe.get("nat")) if probe else None,
        status="no_nat" if not binding["nat"] else ("drift" if drift else "ok"),
        problems=[entry["problem"] for entry in drift],
        note=binding["note"],
    )
    return port, drift


def binding_key(binding: Mapping[str, Any]) -> tuple:
    return (binding["container"], binding["proto"], binding["host_ip"], binding["host_port"])


def _host_wide_drift(rules, proxies: list[dict], addresses: set, binding_keys: set, host_wide) -> list[dict]:
    """Drift that belongs to no binding: DNAT rules to addresses no container holds, proxies nobody publishes."""
    drift = []
    for rule in rules.dnat:
        if rule["to_ip"] not in addresses and host_wide(rule["proto"], rule["dport"]):
            drift.append(drift_entry(
                "stale_dnat",
                "A DNAT rule forwards %s port %s to %s:%s, an address no running container holds: %s (%s). "
                "Delete it (for iptables: the same rule with -D in place of -A, in the nat table) or restart "
                "the engine so that it writes its rules again."
                % (rule["proto"], rule["dport"], rule["to_ip"], rule["to_port"], rule["text"], rule["backend"]),
                proto=rule["proto"], host_port=rule["dport"], container_ip=rule["to_ip"],
                container_port=rule["to_port"], host_ip=rule["dst"], rule=rule["text"], backend=rule["backend"]))
    for proxy in proxies:
        if _proxy_key(proxy) not in binding_keys and host_wide(proxy["proto"], proxy["host_port"]):
            drift.append(drift_entry(
                "orphan_proxy",
                "docker-proxy (pid %s) holds %s for %s:%s, but no running container publishes that binding: "
                "the port stays busy. Stop it (kill %s) once you have checked that no container needs it."
                % (proxy["pid"], binding_label(proxy), proxy["container_ip"], proxy["container_port"], proxy["pid"]),
                proxy, pid=proxy["pid"]))
    return drift


def analyse_ports(
    bindings: Sequence[Mapping[str, Any]],
    classified_rules: dict,
    proxies: list[dict],
    listeners: list[dict],
    engine: dict,
    container_addresses=None,
    probes: dict | None = None,
    selected: list[str] | None = None,
    rule_sources: str = "the nat table",
    transient_bindings: Sequence[Mapping[str, Any]] | None = None,
) -> dict:
    """Audit every binding against the rules, proxies, listeners and (optional) probes.

    ``bindings`` are all the engine's bindings; ``selected`` (container names or id prefixes)
    limits the report to those containers, and host-wide findings (stale rules, orphan proxies) to
    the host ports those containers publish. ``probes`` maps :func:`binding_key` to a probe
    result. ``transient_bindings`` are those of containers that started or stopped while the host
    was read: they are not reported, and their rules and proxies are not drift. Returns ``ports``,
    ``drift`` and ``counts``.
    """
    transient_bindings = list(transient_bindings or [])
    every_binding = list(bindings) + transient_bindings
    rules = RuleIndex(classified_rules)
    probes = probes or {}
    addresses = set(container_addresses or ())
    addresses |= {ip for b in every_binding for ip in b.get("container_ips") or ()}
    proxies_by_key = {_proxy_key(proxy): proxy for proxy in proxies}
    listeners_by_port = _index(listeners, lambda listener: (listener["proto"], listener["port"]))

    in_scope = [binding for binding in bindings if is_selected(binding, selected)]
    scope_ports = {(b["proto"], b["host_port"]) for b in in_scope}

    ports, drift = [], []
    for binding in in_scope:
        port, port_drift = _audit_binding(
            binding, rules, proxies_by_key, listeners_by_port, engine, probes.get(binding_key(binding)), rule_sources
        )
        ports.append(port)
        drift.extend(port_drift)

    def host_wide(proto, host_port):
        return not selected or (proto, host_port) in scope_ports

    binding_keys = {key for binding in every_binding for key in _binding_proxy_keys(binding)}
    drift.extend(_host_wide_drift(rules, proxies, addresses, binding_keys, host_wide))

    nat_ports = [port for port in ports if port["nat"]]
    if engine.get("ip_forward") is False and nat_ports and engine.get("iptables"):
        drift.append(drift_entry(
            "ip_forward_off",
            "net.ipv4.ip_forward is 0, so the kernel forwards nothing to the %d published port(s) on bridge "
            "networks. Turn it on (sysctl -w net.ipv4.ip_forward=1) and keep it on in /etc/sysctl.d/." % len(nat_ports)))

    return dict(ports=ports, drift=drift, counts=count_results(ports, drift, rules, proxies, listeners))


def count_results(ports, drift, rules, proxies, listeners) -> dict:
    by_problem = {problem: 0 for problem in PROBLEMS}
    for entry in drift:
        by_problem[entry["problem"]] += 1
    return dict(
        containers=len({port["container"] for port in ports}),
        ports=len(ports),
        ports_ok=sum(1 for port in ports if port["status"] == "ok"),
        ports_with_drift=sum(1 for port in ports if port["status"] == "drift"),
        ports_without_nat=sum(1 for port in ports if port["status"] == "no_nat"),
        drift=len(drift),
        by_problem=by_problem,
        dnat_rules=len(rules.dnat),
        proxies=len(proxies),
        listeners=len(listeners),
    )
