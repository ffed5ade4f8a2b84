# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which of Docker's firewall layouts a host's rules follow, told from the chains and matches found.

Docker's engines write the same meaning (DNAT per published port, MASQUERADE per subnet, ACCEPT
per container port) in different places:

=================  =========================================================================
layout             what shows it
=================  =========================================================================
``docker-chain``   Docker 20.10 to 27: FORWARD jumps to ``DOCKER``, ``DOCKER-USER`` and
                   ``DOCKER-ISOLATION-STAGE-1``/``-2`` per bridge
``ipset``          Docker 28.0.0: FORWARD matches the ipset ``docker-ext-bridges-v4`` (and ``-v6``)
``docker-forward`` Docker 28.0.1 and later: FORWARD jumps to ``DOCKER-FORWARD``, which spreads
                   over ``DOCKER-CT``, ``DOCKER-BRIDGE`` (and ``DOCKER-INTERNAL`` in some 28.x)
``nftables``       Docker's own nftables tables ``ip docker-bridges``, ``ip6 docker-bridges``
=================  =========================================================================

The audit itself matches rules by meaning, so it needs none of this; the summary says what the
audit saw, so that a user can tell what it assumed. Pure functions over what
``nat_rules.read_rules`` returns.
"""

from __future__ import annotations

from ansible_collections.labnet.docker.plugins.module_utils._portaudit.nat_rules import is_docker_dnat

# Chains that only Docker 28.0.1 and later make.
FORWARD_CHAINS = ("DOCKER-FORWARD", "DOCKER-BRIDGE", "DOCKER-CT", "DOCKER-INTERNAL")
# The ipsets Docker 28.0.0 matched its bridges with.
EXT_BRIDGE_SETS = ("docker-ext-bridges-v4", "docker-ext-bridges-v6")

LAYOUT_ENGINES = {
    "docker-forward": "Docker 28.0.1 and later",
    "ipset": "Docker 28.0.0",
    "docker-chain": "Docker 20.10 to 27",
    "nftables": "Docker's nftables backend",
}


def docker_chains(rules: list[dict], chains: list[dict]) -> list[str]:
    """Every Docker chain found, declared or holding rules, in any table, backend and family."""
    names = {chain["chain"] for chain in chains} | {rule["chain"] for rule in rules}
    return sorted(name for name in names if name.startswith("DOCKER"))


def _family_nat(rules: list[dict], chains: list[dict], family: int) -> bool:
    """Whether Docker NATs this family: its nat table holds a DOCKER chain or Docker's rules."""
    if any(c["family"] == family and c["table"] == "nat" and c["chain"] == "DOCKER" for c in chains):
        return True
    return any(rule["family"] == family and (rule["chain"] == "DOCKER" and rule["table"] == "nat" or is_docker_dnat(rule))
               for rule in rules)


def layout_name(names: list[str], ipsets: list[str], nft: bool) -> str | None:
    """The layout the chains and ipsets found belong to (see the module's table), or None."""
    if any(name in FORWARD_CHAINS for name in names):
        return "docker-forward"
    if any(name in EXT_BRIDGE_SETS for name in ipsets):
        return "ipset"
    if "DOCKER" in names:
        return "docker-chain"
    if nft:
        return "nftables"
    return None


def describe_layout(rules: list[dict], chains: list[dict], docker_backends: list[str]) -> dict:
    """The firewall layout the audit saw: ``layout``, ``engines``, ``chains``, ``ipsets``,
    ``ipv4_nat``, ``ipv6_nat``, ``docker_user``, ``backend`` and ``backends``."""
    names = docker_chains(rules, chains)
    ipsets = sorted({name for rule in rules for name in rule.get("match_sets") or () if name.startswith("docker")})
    layout = layout_name(names, ipsets, any(rule["backend"] == "nftables" for rule in rules))
    return dict(
        layout=layout,
        engines=LAYOUT_ENGINES.get(layout or ""),
        chains=names,
        ipsets=ipsets,
        ipv4_nat=_family_nat(rules, chains, 4),
        ipv6_nat=_family_nat(rules, chains, 6),
        docker_user="DOCKER-USER" in names,
        backend=docker_backends[0] if docker_backends else None,
        backends=list(docker_backends),
    )


def layout_of(read: dict) -> dict:
    """:func:`describe_layout` of what ``nat_rules.read_rules`` returned, with its ``problems``."""
    layout = describe_layout(read["rules"], read["chains"], read["docker_backends"])
    layout["problems"] = list(read["problems"])
    return layout
