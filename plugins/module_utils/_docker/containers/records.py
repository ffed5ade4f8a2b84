# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The records that travel between reading the set, planning, converging and reporting.

``ContainerSpec`` and ``NetworkSpec`` are TypedDicts (plain dicts at run time, so that
:mod:`..container_spec` reads them as before); the others are dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, TypedDict

# The actions of a plan step, and the outcomes of a run, in the words of the module's result.
ACTIONS = ("create", "recreate", "start", "stop", "remove", "none")
CREATING_ACTIONS = ("create", "recreate")
OUTCOMES = ("converged", "kept_old", "failed", "untouched")

Inspect = Dict[str, Any]  # an engine inspect document, as the API returns it


class NetworkSpec(TypedDict):
    name: str
    ipv4_address: Optional[str]
    ipv6_address: Optional[str]
    mac_address: Optional[str]
    aliases: List[str]


class RuntimeSpec(TypedDict):
    """A container's runtime options, in the normal form of runtime_options.wanted_runtime, and what follows a start."""

    entrypoint: Optional[List[str]]
    user: Optional[str]
    working_dir: Optional[str]
    capabilities: List[str]
    cap_drop: List[str]
    privileged: bool
    sysctls: Dict[str, str]
    devices: List[str]
    volumes: List[str]
    tmpfs: Dict[str, str]
    memory: int
    cpus: int
    dns: List[str]
    dns_search: List[str]
    healthcheck: Optional[Dict[str, Any]]
    # readiness and start-up, not compared: they act after a (re)start
    wait: str
    wait_timeout: int
    post_start: List[List[str]]


class ContainerSpec(RuntimeSpec):
    """One container of the set, read and checked (``labels`` merged with the task's)."""

    index: int
    name: str
    place: str
    image: Optional[str]
    command: Optional[List[str]]
    env: Dict[str, str]
    hostname: Optional[str]
    networks: List[NetworkSpec]
    links: List[Tuple[str, str]]
    published_ports: list
    restart_policy: str
    labels: Dict[str, str]
    etc_hosts: Dict[str, str]
    state: str
    pull: str


@dataclass
class Options:
    """The task-wide options that planning and converging use."""

    parallel: int = 4
    labels: Dict[str, str] = field(default_factory=dict)
    adopt: bool = False
    stop_timeout: int = 10
    show_env_values: bool = False
    timeout: int = 60  # seconds for each engine call


@dataclass
class Snapshot:
    """What the engine holds, read once before planning.

    ``containers`` maps each set member's name to its inspect document (None when absent),
    ``images`` each image reference to its inspect document (None when missing), ``networks``
    each network name (and each network's own name) to its inspect document (None when missing),
    ``outside`` each link target that is not in the set to its inspect document (None when absent).
    """

    containers: Dict[str, Optional[Inspect]] = field(default_factory=dict)
    images: Dict[str, Optional[Inspect]] = field(default_factory=dict)
    networks: Dict[str, Optional[Inspect]] = field(default_factory=dict)
    outside: Dict[str, Optional[Inspect]] = field(default_factory=dict)
    api_version: str = "1.44"  # the engine API version the client speaks

    def current_id(self, name: str) -> Optional[str]:
        info = self.containers.get(name)
        return info["Id"] if info else None


@dataclass
class Step:
    """What the plan does with one container, and why."""

    name: str
    action: str
    reasons: List[str] = field(default_factory=list)
    before: Optional[dict] = None
    after: Optional[dict] = None
    planned_id: Optional[str] = None  # the id the container had when planned; acting checks it again
    running: bool = False  # whether it ran when planned
    adopted: bool = False  # a container without the task's labels, taken over with adopt

    def line(self) -> str:
        text = "%s %s" % (self.action, self.name)
        if self.reasons:
            text += " (%s)" % "; ".join(self.reasons)
        return text


@dataclass
class Plan:
    """One step per container (input order), and the waves to run them in (removals first)."""

    steps: Dict[str, Step]
    waves: List[List[str]]
    pulls: List[str] = field(default_factory=list)

    def changing(self) -> List[Step]:
        return [self.steps[name] for wave in self.waves for name in wave if self.steps[name].action != "none"]

    @property
    def changed(self) -> bool:
        return bool(self.pulls) or any(step.action != "none" for step in self.steps.values())


@dataclass
class RunRecord:
    """What converging did: the action lines, the outcome per container, the failure messages."""

    actions: List[str] = field(default_factory=list)
    converged: List[str] = field(default_factory=list)
    outcomes: Dict[str, str] = field(default_factory=dict)
    failures: List[str] = field(default_factory=list)
    ids: Dict[str, str] = field(default_factory=dict)  # the real id of each container made or kept
