#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lab_checks
short_description: Run a lab host's checks side by side, and name the first broken hop of each that fails
version_added: 0.2.0
description:
  - Runs the checks that the P(labnet.docker.lab_plan#filter) filter plans for one host (its C(checks), selected by
    C(host)) all at once, each in its own thread, and returns one result per check.
  - "Kinds: V(ping) and V(wire_ping) (busybox C(ping) inside the source container, through the Engine API's exec),
    V(route) (a ping, then C(traceroute): hop 1 must be the router), V(http) (C(wget) inside the client, by a name
    that its C(/etc/hosts) must hold), V(host_ping) (the host's C(ping) bound to the shim with C(-I)) and V(port)
    (a TCP connection from the host to a published port, retried until O(check_timeout))."
  - A ping sends O(ping_count) requests O(ping_interval) seconds apart and gives up after O(check_timeout) seconds
    (C(-w) and C(-W)), so a passing ping takes well under a second and a failing one at most the timeout.
  - A check of another kind (V(wire) and V(port_forward) are run by M(labnet.docker.container_wires) and
    M(labnet.docker.port_forward_info)) is returned as not supported, with a warning row, and never run.
  - For every check that fails, reads the facts about the hops on its path and returns the first broken one
    and its fix as RV(results[].diagnosis). The hops, in the order a packet takes them, are the containers'
    states, the name in the client's C(/etc/hosts) and the link target's address, the containers' attachment and
    address on the network, the network itself, its macvlan parent (present, up, promiscuous) and mode, the
    host's shim (present, up, addressed) and its route, and the published port's listener and C(docker-proxy).
  - Never changes anything.
author:
  - labnet.docker maintainers (@labnet)
extends_documentation_fragment:
  - labnet.docker._docker
attributes:
  check_mode:
    support: full
    description:
      - In check mode, V(ping) and V(http) checks, which run a program inside a container, are not run and are
        returned as skipped (the role reports them as not run, a warning). The other kinds only read and run.
  diff_mode:
    support: none
    description: The module changes nothing, so there is nothing to show.
  idempotent:
    support: full
    description: The module only reads and sends probes; it never reports a change.
options:
  checks:
    description:
      - The checks to run, as the P(labnet.docker.lab_plan#filter) filter plans them (each a dict with at least
        C(name) and C(kind), and the keys of its kind, such as C(container) and C(address)).
      - A check that lacks a key its kind needs fails the task before anything runs.
    type: list
    elements: dict
    required: true
  containers:
    description:
      - The lab's container names mapped to their Docker names (the plan's C(containers), C(name) to C(docker_name)),
        of the containers on this host's engine.
      - Used to find a check's target and router for the diagnosis. A target left out (on another host) is not
        judged; only the hops that this host can see are.
    type: dict
    default: {}
  networks:
    description:
      - The lab's network names mapped to their Docker names, for the diagnosis.
    type: dict
    default: {}
  check_timeout:
    description:
      - Seconds each check may take.
    type: int
    default: 5
  ping_count:
    description:
      - Echo requests each ping sends.
    type: int
    default: 3
  ping_interval:
    description:
      - Seconds between a ping's echo requests (busybox and iputils take fractions; 0.2 is the least that
        iputils allows an unprivileged user).
    type: float
    default: 0.2
  diagnose:
    description:
      - Read the hops of each failed check and return its first broken hop.
    type: bool
    default: true
notes:
  - Host pings use C(ping) from the managed host's C(PATH), else C(busybox ping).
  - The diagnosis reads the host's links and routes with netlink (pyroute2) and the published ports' listeners
    from C(/proc); without pyroute2 those hops are skipped.
seealso:
  - module: labnet.docker.port_forward_info
  - module: labnet.docker.container_wires
"""

EXAMPLES = r"""
- name: Run this host's lab checks together
  labnet.docker.lab_checks:
    checks: "{{ lab_plan.checks | selectattr('host', 'equalto', inventory_hostname) | list }}"
    containers: "{{ lab_plan.containers | selectattr('host', 'equalto', inventory_hostname) | items2dict(key_name='name', value_name='docker_name') }}"
    networks: "{{ lab_plan.hosts[inventory_hostname].networks | items2dict(key_name='name', value_name='docker_name') }}"
  register: lab_checks_run

- name: Show what failed, and why
  ansible.builtin.debug:
    msg: "{{ lab_checks_run.rows | selectattr('status', 'equalto', 'fail') | map(attribute='diagnosis') | list }}"
"""

RETURN = r"""
results:
  description:
    - One entry per check, in the order given, in the shape of one item of a registered Ansible loop, so that the
      P(labnet.docker.lab_check_rows#filter) filter reads it.
  returned: success
  type: list
  elements: dict
  contains:
    item:
      description: The check, as given.
      type: dict
    rc:
      description: The exit status of the check's program (V(ping), V(wire_ping), V(route), V(http), V(host_ping)); null when it could not start.
      type: int
    stdout:
      description: The program's output.
      type: str
    stderr:
      description: The program's error output.
      type: str
    state:
      description: V(started) when a V(port) check connected.
      type: str
    msg:
      description: Why a check could not run, or why a connection failed.
      type: str
    skipped:
      description: True for a check held back in check mode.
      type: bool
    unsupported:
      description: True for a check of a kind the module does not run.
      type: bool
    diagnosis:
      description: For a failed check, its first broken hop and the fix.
      type: str
      sample: "lab-beta is stopped (exited); start it (docker start lab-beta)"
rows:
  description: One row per check, as the lab report shows it.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The check's name.
      type: str
    kind:
      description: The check's kind.
      type: str
    host:
      description: The inventory host the check belongs to.
      type: str
    status:
      description: V(pass), V(fail) or V(warn) (not run in check mode, or a kind not supported).
      type: str
    detail:
      description: What the check saw.
      type: str
    diagnosis:
      description: For a failed check, its first broken hop and the fix; empty otherwise.
      type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import DOCKER_COMMON_ARGUMENT_SPEC, docker_client
from ansible_collections.labnet.docker.plugins.module_utils._labcheck.commands import check_problems, option_problems
from ansible_collections.labnet.docker.plugins.module_utils._labcheck.diagnosis import first_broken_hop
from ansible_collections.labnet.docker.plugins.module_utils._labcheck.facts import FactReader, read_facts
from ansible_collections.labnet.docker.plugins.module_utils._labcheck.rows import is_failure, result_rows
from ansible_collections.labnet.docker.plugins.module_utils._labcheck.runner import CheckRunner, run_exec


def run(module) -> dict:
    params = module.params
    problems = option_problems(params["check_timeout"], params["ping_count"], params["ping_interval"])
    problems += check_problems(params["checks"])
    if problems:
        module.fail_json(msg="Bad checks, nothing was run: " + " | ".join(problems))
    api = docker_client(module).api
    ping = module.get_bin_path("ping") or module.get_bin_path("busybox")
    options = dict(timeout=params["check_timeout"], count=params["ping_count"], interval=params["ping_interval"])

    def run_command(argv):
        return module.run_command(argv, environ_update={"LANG": "C"}, expand_user_and_vars=False)

    results = CheckRunner(api, run_command, ping, options, module.check_mode).run(params["checks"])
    names = dict(containers=params["containers"], networks=params["networks"])
    reader = FactReader(api, lambda container, argv: run_exec(api, container, argv))
    for result in results:
        if params["diagnose"] and is_failure(result, result["item"]):
            read_facts(reader, result["item"], names)
            result["diagnosis"] = first_broken_hop(result["item"], names, reader.facts)
    rows = [r for result in results for r in result_rows(result, result["item"])]
    return dict(changed=False, results=results, rows=rows)


def main():
    argument_spec = dict(DOCKER_COMMON_ARGUMENT_SPEC)
    argument_spec.update(
        checks=dict(type="list", elements="dict", required=True),
        containers=dict(type="dict", default={}),
        networks=dict(type="dict", default={}),
        check_timeout=dict(type="int", default=5),
        ping_count=dict(type="int", default=3),
        ping_interval=dict(type="float", default=0.2),
        diagnose=dict(type="bool", default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
