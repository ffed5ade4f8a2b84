# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Docker's port-forwarding rules, read by meaning from iptables and nftables dumps.

The engine layouts write the same meaning in different places (see :mod:`firewall_layout`):

* Docker 20.10 to 27 (iptables): nat ``DOCKER`` chain DNAT rules, POSTROUTING MASQUERADE, filter
  ``DOCKER`` chain ACCEPT rules reached from FORWARD;
* Docker 28.0.0: the same, with FORWARD matching the ipset ``docker-ext-bridges-v4``;
* Docker 28.0.1 and later: the same nat rules, the filter side split over ``DOCKER-FORWARD``,
  ``DOCKER-BRIDGE``, ``DOCKER-CT`` and ``DOCKER-INTERNAL``;
* Docker's nftables backend: the tables ``ip docker-bridges`` and ``ip6 docker-bridges``.

IPv6 rules (``ip6tables``, written when dockerd runs with ``ip6tables`` on) have the same
shape; each rule records its ``family`` (4 or 6). iptables 1.8.10 and later print some matches
differently (``-p tcp --dport`` with or without ``-m tcp``, quoted comments): options are read by
name wherever they stand, so every print format parses.

Every rule becomes a plain dict with the same keys (``target``, ``proto``, ``dport``, ``src``,
``dst``, ``to_ip``, ``to_port`` ...), so callers match on target, protocol, port and destination,
never on a chain name or a position. Pure functions over text, plus :func:`read_rules`, the one
reader of the host.
"""

from __future__ import annotations

import json
import os
import shlex

from ansible_collections.labnet.docker.plugins.module_utils._portaudit.firewall_backend import iptables_backend

# The table Docker's nftables firewall backend writes.
DOCKER_NFT_TABLE = "docker-bridges"

# iptables options whose value this module keeps, by the key they get in a rule dict.
_OPTION_KEYS = {
    "-p": "proto",
    "--protocol": "proto",
    "-s": "src",
    "--source": "src",
    "-d": "dst",
    "--destination": "dst",
    "-i": "in_iface",
    "--in-interface": "in_iface",
    "-o": "out_iface",
    "--out-interface": "out_iface",
    "--dport": "dport",
    "--destination-port": "dport",
    "-j": "target",
    "--jump": "target",
    "--to-destination": "to_destination",
}


def new_rule(backend: str, table: str | None, chain: str, text: str, family: int = 4) -> dict:
    """An empty rule dict: every parser returns rules with exactly these keys."""
    return dict(
        backend=backend,
        family=family,
        table=table,
        chain=chain,
        target=None,
        proto=None,
        src=None,
        dst=None,
        in_iface=None,
        out_iface=None,
        dport=None,
        to_ip=None,
        to_port=None,
        negated=[],
        match_sets=[],
        text=text,
    )


def _host_address(value: str | None) -> str | None:
    """``172.17.0.2/32`` as ``172.17.0.2``; networks keep their prefix."""
    if value is None:
        return None
    if value.endswith("/32") or value.endswith("/128"):
        return value.rsplit("/", 1)[0]
    return value


def split_destination(value: str | None) -> tuple[str | None, int | None]:
    """A DNAT destination (``172.17.0.2:80``, ``172.17.0.2``, ``[fd00::2]:80``) as (address, port)."""
    if not value:
        return None, None
    if value.startswith("["):
        address, _sep, rest = value[1:].partition("]")
        port = rest.lstrip(":")
    elif value.count(":") == 1:
        address, _sep, port = value.partition(":")
    else:
        address, port = value, ""
    port = port.split("-", 1)[0]
    return address, int(port) if port.isdigit() else None


def parse_iptables_rule(line: str, backend: str, table: str, family: int = 4) -> dict | None:
    """One ``-A CHAIN ...`` line (as ``iptables -S`` and ``iptables-save`` print it) as a rule dict."""
    tokens = line.split()
    if '"' in line or "'" in line:  # quoted comments: rare, and shlex is slow
        try:
            tokens = shlex.split(line)
        except ValueError:
            pass
    if len(tokens) < 2 or tokens[0] != "-A":
        return None
    rule = new_rule(backend, table, tokens[1], line.strip(), family)
    negate = False
    i = 2
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "!":
            negate = True
            continue
        if token == "--match-set" and i < len(tokens):
            rule["match_sets"].append(tokens[i])  # -m set --match-set NAME dst
            i += 1
            negate = False
            continue
        key = _OPTION_KEYS.get(token)
        if key and i < len(tokens):
            rule[key] = tokens[i]
            i += 1
            if negate:
                rule["negated"].append(key)
        negate = False
    if rule["dport"] is not None:
        rule["dport"] = int(rule["dport"]) if rule["dport"].isdigit() else rule["dport"]
    rule["src"] = _host_address(rule["src"])
    rule["dst"] = _host_address(rule["dst"])
    rule["to_ip"], rule["to_port"] = split_destination(rule.pop("to_destination", None))
    return rule


def parse_iptables_dump(text: str, backend: str, table: str | None = None, family: int = 4) -> list[dict]:
    """Rules of an ``iptables-save`` dump (tables marked ``*nat``) or of ``iptables -t TABLE -S``.

    ``table`` names the table of ``-S`` output, which does not say it; ``*table`` lines win.
    ``family`` is 6 for ``ip6tables`` output.
    """
    rules = []
    current = table
    for line in (text or "").splitlines():
        if line.startswith("*"):
            current = line[1:].strip()
        elif line.startswith("-A ") and current:
            rule = parse_iptables_rule(line, backend, current, family)
            if rule:
                rules.append(rule)
    return rules


def declared_chains(text: str, table: str | None = None) -> list[tuple[str, str]]:
    """(table, chain) of every user chain a dump declares: ``-N CHAIN`` (``-S``) or ``:CHAIN - [0:0]``
    (``iptables-save``). Empty chains (Docker 28's ``DOCKER-USER``) show only there."""
    chains = []
    current = table
    for line in (text or "").splitlines():
        if line.startswith("*"):
            current = line[1:].strip()
        elif line.startswith("-N ") and current:
            chains.append((current, line[3:].strip()))
        elif line.startswith(":") and current:
            name, _sep, policy = line[1:].partition(" ")
            if policy.startswith("-"):
                chains.append((current, name))
    return chains


# nftables --------------------------------------------------------------------------------------

def _nft_value(right):
    """The right-hand side of an nft match: a plain value, a prefix ``a.b.c.d/n``, or a set."""
    if isinstance(right, dict):
        if "prefix" in right:
            return "%s/%s" % (right["prefix"]["addr"], right["prefix"]["len"])
        if "set" in right:
            return ",".join(str(_nft_value(item)) for item in right["set"])
        if "range" in right:
            return "-".join(str(_nft_value(item)) for item in right["range"])
    return right


def _nft_match(rule: dict, match: dict, words: list[str]) -> None:
    left = match.get("left") or {}
    op = match.get("op", "==")
    value = _nft_value(match.get("right"))
    key = None
    if "meta" in left:
        name = left["meta"].get("key")
        key = {"iifname": "in_iface", "oifname": "out_iface", "l4proto": "proto"}.get(name)
        label = name
    elif "payload" in left:
        payload = left["payload"]
        field = payload.get("field")
        protocol = payload.get("protocol")
        if field == "dport" and protocol in ("tcp", "udp", "sctp"):
            key = "dport"
            rule["proto"] = rule["proto"] or protocol
        elif field in ("saddr", "daddr") and protocol in ("ip", "ip6"):
            key = "src" if field == "saddr" else "dst"
        label = "%s %s" % (protocol, field)
    else:
        label = json.dumps(left, sort_keys=True)
    if key:
        rule[key] = value
        if op == "!=":
            rule["negated"].append(key)
    shown = '"%s"' % value if key in ("in_iface", "out_iface") else value
    words.append("%s %s%s" % (label, "" if op == "==" else op + " ", shown))


def parse_nft_rule(nft_rule: dict, backend: str = "nftables") -> dict:
    """One rule object of ``nft -j list ruleset`` as a rule dict, with a readable ``text``."""
    chain = nft_rule.get("chain", "")
    table = chain.split("-", 1)[0] if chain.split("-", 1)[0] in ("nat", "filter", "raw") else nft_rule.get("table")
    rule = new_rule(backend, table, chain, "", 6 if nft_rule.get("family") == "ip6" else 4)
    words: list[str] = []
    for expr in nft_rule.get("expr") or []:
        if "match" in expr:
            _nft_match(rule, expr["match"], words)
        elif "dnat" in expr:
            dnat = expr["dnat"] or {}
            rule["target"] = "DNAT"
            rule["to_ip"] = dnat.get("addr")
            rule["to_port"] = int(dnat["port"]) if str(dnat.get("port", "")).isdigit() else None
            words.append("dnat to %s%s" % (rule["to_ip"], ":%s" % rule["to_port"] if rule["to_port"] else ""))
        elif "masquerade" in expr:
            rule["target"] = "MASQUERADE"
            words.append("masquerade")
        elif "accept" in expr:
            rule["target"] = "ACCEPT"
            words.append("accept")
        elif "drop" in expr:
            rule["target"] = "DROP"
            words.append("drop")
        elif "jump" in expr or "goto" in expr:
            verb = "jump" if "jump" in expr else "goto"
            rule["target"] = expr[verb].get("target")
            words.append("%s %s" % (verb, rule["target"]))
        elif "return" in expr:
            rule["target"] = "RETURN"
            words.append("return")
    if isinstance(rule["dport"], str) and rule["dport"].isdigit():
        rule["dport"] = int(rule["dport"])
    rule["src"] = _host_address(rule["src"])
    rule["dst"] = _host_address(rule["dst"])
    rule["text"] = "nft %s %s %s: %s" % (nft_rule.get("family"), nft_rule.get("table"), chain, " ".join(words))
    return rule


def parse_nft_ruleset(text: str, table: str = DOCKER_NFT_TABLE) -> list[dict]:
    """The rules of Docker's own nftables table in ``nft -j list ruleset`` output.

    Tables that iptables-nft writes are left out: the iptables dumps report those.
    """
    if not text or not text.strip():
        return []
    data = json.loads(text)
    rules = []
    for item in data.get("nftables", []):
        nft_rule = item.get("rule")
        if nft_rule and nft_rule.get("table") == table and nft_rule.get("family") in ("ip", "ip6", "inet"):
            rules.append(parse_nft_rule(nft_rule))
    return rules


def nft_has_table(text: str, table: str = DOCKER_NFT_TABLE) -> bool:
    """Whether ``nft -j list ruleset`` output holds Docker's table."""
    if not text or not text.strip():
        return False
    return any(
        (item.get("table") or {}).get("name") == table for item in json.loads(text).get("nftables", [])
    )


# meaning -----------------------------------------------------------------------------------------

def is_docker_dnat(rule: dict) -> bool:
    """A DNAT rule that forwards a host port (Docker's, or one added by hand beside them).

    A DNAT to a loopback address is not one: inside a container on a user-defined network (a
    nested lab host, say) the outer engine redirects DNS to its embedded resolver at 127.0.0.11.
    """
    return (rule["target"] == "DNAT" and rule["table"] == "nat" and rule["to_ip"] is not None
            and not rule["to_ip"].startswith("127.") and rule["to_ip"] != "::1")


def is_masquerade(rule: dict) -> bool:
    return rule["target"] == "MASQUERADE" and rule["table"] == "nat"


def is_filter_accept(rule: dict) -> bool:
    """A filter ACCEPT rule to one address and port: what Docker adds per published port."""
    return (
        rule["target"] == "ACCEPT"
        and rule["table"] == "filter"
        and rule["dst"] is not None
        and "/" not in rule["dst"]
        and rule["dport"] is not None
        and "dst" not in rule["negated"]
    )


def classify_rules(rules: list[dict]) -> dict:
    """The rules a port audit needs, sorted by meaning: ``dnat``, ``masquerade``, ``accept``."""
    return dict(
        dnat=[rule for rule in rules if is_docker_dnat(rule)],
        masquerade=[rule for rule in rules if is_masquerade(rule)],
        accept=[rule for rule in rules if is_filter_accept(rule)],
    )


def holds_docker_rules(rules: list[dict]) -> bool:
    """Whether a backend's rules include Docker's (a DOCKER chain, or Docker's nft table)."""
    return any(rule["chain"].startswith("DOCKER") or rule["backend"] == "nftables" for rule in rules)


# reading the host --------------------------------------------------------------------------------

# The iptables commands that name their backend (iptables 1.8 and later): (backend, command, family).
IPTABLES_COMMANDS = (
    ("iptables-nft", "iptables-nft", 4),
    ("iptables-legacy", "iptables-legacy", 4),
    ("iptables-nft", "ip6tables-nft", 6),
    ("iptables-legacy", "ip6tables-legacy", 6),
)
RULE_TABLES = ("nat", "filter")
# iptables' own backend names, as ``iptables -V`` prints them, and ours.
BACKEND_NAMES = {"nf_tables": "iptables-nft", "legacy": "iptables-legacy"}


def _run(module, argv: list[str]) -> tuple[int, str, str]:
    return module.run_command(argv, environ_update={"LANG": "C"}, expand_user_and_vars=False)


def legacy_tables(proc_root: str = "/proc", family: int = 4) -> set[str]:
    """The legacy (x_tables) tables of one family that exist in the reader's network namespace.

    ``iptables-legacy -t nat -S`` makes the nat table where it does not exist (and may load
    ``iptable_nat``), so a read-only audit reads only the tables listed here; none when the file is
    missing (``ip_tables``/``ip6_tables`` is not loaded: the legacy backend holds no rules).
    """
    names = "ip_tables_names" if family == 4 else "ip6_tables_names"
    try:
        with open(os.path.join(proc_root, "net", names)) as f:
            return {line.strip() for line in f if line.strip()}
    except OSError:
        return set()


def read_iptables_backend(module, binary: str, backend: str, family: int = 4,
                          proc_root: str = "/proc") -> tuple[list[dict], list[dict], str | None]:
    """nat and filter rules of one iptables backend and family, read with the wait flag (``-w``).

    Returns (rules, chains, problem): ``chains`` are the user chains declared (``-N``), as dicts
    with ``backend``, ``family``, ``table`` and ``chain``. A table that does not exist in that
    backend is empty, not an error. A legacy table that does not exist is not read at all, since
    reading it would make it.
    """
    rules: list[dict] = []
    chains: list[dict] = []
    existing = legacy_tables(proc_root, family) if backend == "iptables-legacy" else set(RULE_TABLES)
    for table in RULE_TABLES:
        if table not in existing:
            continue  # never created by reading it
        rc, out, err = _run(module, [binary, "-w", "5", "-t", table, "-S"])
        if rc != 0:
            text = (err or out).strip()
            if "does not exist" in text:
                continue  # the kernel has no such table in this backend: it holds no rules
            return rules, chains, "%s -w 5 -t %s -S failed (rc=%s): %s" % (binary, table, rc, text)
        rules.extend(parse_iptables_dump(out, backend, table, family))
        chains.extend(dict(backend=backend, family=family, table=name, chain=chain)
                      for name, chain in declared_chains(out, table))
    return rules, chains, None


def _iptables_binaries(module) -> list[tuple[str, str, int]]:
    """(backend, path, family) of every iptables command on the host."""
    found = [(backend, module.get_bin_path(command), family) for backend, command, family in IPTABLES_COMMANDS]
    binaries = [(backend, path, family) for backend, path, family in found if path]
    if binaries:
        return binaries
    # iptables before 1.8 has one command per family, and ``iptables -V`` says which backend it drives.
    plain = iptables_backend(module)
    if not plain["path"]:
        return []
    backend = BACKEND_NAMES.get(plain["backend"], "iptables-legacy")
    binaries = [(backend, plain["path"], 4)]
    ip6 = module.get_bin_path("ip6tables")
    if ip6:
        binaries.append((backend, ip6, 6))
    return binaries


def _read_nft(module, backends: dict, problems: list[str]) -> None:
    nft = module.get_bin_path("nft")
    if not nft:
        return
    rc, out, err = _run(module, [nft, "-j", "list", "ruleset"])
    if rc != 0:
        problems.append("nft -j list ruleset failed (rc=%s): %s" % (rc, (err or out).strip()))
        return
    try:
        if nft_has_table(out):
            backends["nftables"] = parse_nft_ruleset(out)
    except ValueError as exc:
        problems.append("nft -j list ruleset printed no valid JSON: %s" % exc)


def read_rules(module) -> dict:
    """One read of every backend that may hold Docker's rules on the managed host, IPv4 and IPv6.

    Returns ``rules`` (all of them, each tagged with its backend and family), ``chains`` (the user
    chains declared, see :func:`read_iptables_backend`), ``backends`` (rule counts by backend, both
    families together), ``docker_backends`` (the backends that hold Docker's rules) and ``problems``.
    """
    backends: dict = {}
    chains: list[dict] = []
    problems: list[str] = []
    for backend, binary, family in _iptables_binaries(module):
        backend_rules, backend_chains, problem = read_iptables_backend(module, binary, backend, family)
        if problem:
            problems.append(problem)
        backends.setdefault(backend, []).extend(backend_rules)
        chains.extend(backend_chains)
    _read_nft(module, backends, problems)
    rules = [rule for backend_rules in backends.values() for rule in backend_rules]
    return dict(
        rules=rules,
        chains=chains,
        backends={backend: len(backend_rules) for backend, backend_rules in backends.items()},
        docker_backends=[backend for backend, backend_rules in backends.items() if holds_docker_rules(backend_rules)],
        problems=problems,
    )
