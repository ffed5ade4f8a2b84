# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Container links: parse ``target[:alias]``, order a set in waves, find cycles.

Plain functions over plain data. A container's dependencies are the link targets that are in the
same set; targets outside the set must already run and do not order anything.
"""

from __future__ import annotations

import re

# The engine's rule for container names (and so for link targets and aliases).
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
NAME_RULE = "two or more of a-z A-Z 0-9 _ . -, starting with a letter or digit"

# While a container is replaced, the old one waits under <name>-old-<first 12 of its id>: see
# _docker/containers/replacement.py. The lab role never prunes a container of that name.
ASIDE_PATTERN = re.compile(r"^(?P<name>.+)-old-(?P<id>[0-9a-f]{12})$")


def aside_name(name: str, old_id: str | None) -> str:
    """The name the old container waits under while its replacement is made."""
    return "%s-old-%s" % (name, (old_id or "none")[:12])


def is_aside_name(name: str) -> bool:
    """Whether ``name`` is that of an old container set aside during a replacement."""
    return bool(ASIDE_PATTERN.match(name))


# A link alias becomes a host name in /etc/hosts or the engine's DNS: one character is enough.
ALIAS_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
ALIAS_RULE = "a-z A-Z 0-9 _ . -, starting with a letter or digit"


class LinkSpecError(ValueError):
    """A link that is not ``target`` or ``target:alias``."""


class LinkCycleError(ValueError):
    """The links of a set form a cycle; ``cycle`` lists it, first name repeated at the end."""

    def __init__(self, cycle: list[str]):
        super().__init__("the links form a cycle: %s" % " -> ".join(cycle))
        self.cycle = cycle


def parse_link(spec) -> tuple[str, str]:
    """``(target, alias)`` of ``target`` or ``target:alias``; the alias defaults to the target."""
    if not isinstance(spec, str):
        raise LinkSpecError("%r is not a string; write target or target:alias" % (spec,))
    parts = spec.strip().lstrip("/").split(":")
    if len(parts) > 2:
        raise LinkSpecError("%r has more than one colon; write target or target:alias" % spec)
    target = parts[0]
    alias = parts[1] if len(parts) == 2 else target
    if not NAME_PATTERN.match(target):
        raise LinkSpecError("%r: the target %r is not a container name (%s)" % (spec, target, NAME_RULE))
    if not ALIAS_PATTERN.match(alias):
        raise LinkSpecError("%r: the alias %r is not a host name (%s)" % (spec, alias, ALIAS_RULE))
    return target, alias


def find_cycle(dependencies: dict[str, list[str]]) -> list[str] | None:
    """A cycle in ``dependencies`` (name -> names it needs first), or None.

    Names not in the mapping are outside the set and end a path. The cycle is returned as the
    names along it with the first repeated at the end, such as ``["a", "b", "a"]``.
    """
    done: set[str] = set()
    for start in dependencies:
        if start in done:
            continue
        path: list[str] = []
        on_path: dict[str, int] = {}
        stack = [(start, iter(dependencies[start]))]
        path.append(start)
        on_path[start] = 0
        while stack:
            name, remaining = stack[-1]
            for nxt in remaining:
                if nxt not in dependencies or nxt in done:
                    continue
                if nxt in on_path:
                    return path[on_path[nxt]:] + [nxt]
                on_path[nxt] = len(path)
                path.append(nxt)
                stack.append((nxt, iter(dependencies[nxt])))
                break
            else:
                stack.pop()
                path.pop()
                del on_path[name]
                done.add(name)
    return None


def link_waves(dependencies: dict[str, list[str]]) -> list[list[str]]:
    """The names in dependency order, grouped in waves that may run side by side.

    Wave 0 holds the names that need nothing in the set; wave N those whose deepest dependency is
    in wave N-1. Within a wave the input order is kept. Raises :class:`LinkCycleError`.
    """
    cycle = find_cycle(dependencies)
    if cycle:
        raise LinkCycleError(cycle)
    level: dict[str, int] = {}

    def depth(name: str) -> int:
        if name not in level:
            inside = [d for d in dependencies[name] if d in dependencies and d != name]
            level[name] = 1 + max((depth(d) for d in inside), default=-1)
        return level[name]

    for name in dependencies:
        depth(name)
    waves: list[list[str]] = [[] for _level in range(max(level.values(), default=-1) + 1)]
    for name in dependencies:
        waves[level[name]].append(name)
    return waves


def dependents(dependencies: dict[str, list[str]], name: str) -> list[str]:
    """The names that link to ``name`` directly, in input order."""
    return [other for other, needs in dependencies.items() if name in needs]


def place_links(links, own_networks, target_networks: dict) -> tuple[dict, list]:
    """On which networks each link is made.

    ``links`` are ``(target, alias)`` pairs, ``own_networks`` the container's network names,
    ``target_networks`` each target's network names. A link is made on every network the two
    share: on the default bridge as a legacy link, elsewhere as an endpoint link. Returns
    ``({network: ["target:alias", ...]}, [targets that share no network])``.
    """
    placed: dict = {}
    unplaced = []
    for target, alias in links:
        shared = [net for net in own_networks if net in set(target_networks.get(target) or ())]
        if not shared:
            unplaced.append(target)
        for net in shared:
            placed.setdefault(net, []).append("%s:%s" % (target, alias))
    return placed, unplaced
