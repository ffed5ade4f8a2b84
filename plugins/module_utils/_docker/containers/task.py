# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A linked_containers task from its parameters to its result: read the set, read the engine, plan,
converge (or predict in check mode) and report, with every failure ending in ``fail_json``.
"""

from __future__ import annotations

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    ENGINE_ERRORS,
    docker_client,
    resolve_docker_host,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers import engine
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.converge import Converger
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.engine import error_text
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.plan import make_plan, ownership_problems
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.records import Snapshot
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.report import (
    ReportContext,
    check_mode_record,
    failure_message,
    run_result,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.spec import (
    SetRefused,
    check_with_snapshot,
    read_set,
    use_network_names,
)

# The options of one container and of the set (documented in linked_containers; lab_host_converge
# checks its plan's containers against the same).
NETWORK_OPTIONS = dict(
    name=dict(type="str", required=True),
    ipv4_address=dict(type="str"),
    ipv6_address=dict(type="str"),
    mac_address=dict(type="str"),
    aliases=dict(type="list", elements="str", default=[]),
)
HEALTHCHECK_OPTIONS = dict(
    test=dict(type="raw"),
    interval=dict(type="str"),
    timeout=dict(type="str"),
    retries=dict(type="int"),
    start_period=dict(type="str"),
)
CONTAINER_OPTIONS = dict(
    name=dict(type="str", required=True),
    image=dict(type="str"),
    command=dict(type="raw"),
    env=dict(type="dict", default={}),
    hostname=dict(type="str"),
    networks=dict(type="list", elements="dict", options=NETWORK_OPTIONS),
    links=dict(type="list", elements="str", default=[]),
    published_ports=dict(type="list", elements="str", default=[]),
    restart_policy=dict(type="str", choices=["no", "always", "on-failure", "unless-stopped"], default="no"),
    labels=dict(type="dict", default={}),
    etc_hosts=dict(type="dict", default={}),
    state=dict(type="str", choices=["started", "stopped", "absent"], default="started"),
    pull=dict(type="str", choices=["missing", "never", "always"], default="missing"),
    entrypoint=dict(type="raw"),
    user=dict(type="str"),
    working_dir=dict(type="str"),
    capabilities=dict(type="list", elements="str", default=[]),
    cap_drop=dict(type="list", elements="str", default=[]),
    privileged=dict(type="bool", default=False),
    sysctls=dict(type="dict", default={}),
    devices=dict(type="list", elements="str", default=[]),
    volumes=dict(type="list", elements="str", default=[]),
    tmpfs=dict(type="list", elements="str", default=[]),
    memory=dict(type="str"),
    cpus=dict(type="raw"),
    dns=dict(type="list", elements="str", default=[]),
    dns_search=dict(type="list", elements="str", default=[]),
    healthcheck=dict(type="dict", options=HEALTHCHECK_OPTIONS),
    wait=dict(type="str", choices=["started", "healthy"], default="started"),
    wait_timeout=dict(type="int", default=60),
    post_start=dict(type="list", elements="raw", default=[]),
)
SET_OPTIONS = dict(
    labels=dict(type="dict", default={}),
    parallel=dict(type="int", default=4),
    stop_timeout=dict(type="int", default=10),
    adopt=dict(type="bool", default=False),
    show_env_values=dict(type="bool", default=False),
)


def refuse(module, problems: list) -> None:
    module.fail_json(msg="The container set was refused, nothing was changed: %s" % "; ".join(problems), problems=problems)


def prepare(module, api, containers: list, options):
    """Read the engine, check the set against it, pull, and plan; nothing else changes before this ends."""
    snapshot = Snapshot(api_version=str(getattr(api, "api_version", "") or "1.44"))
    try:
        engine.read_networks_and_targets(api, containers, snapshot)
        engine.read_images(api, containers, snapshot)
        engine.read_containers(api, containers, snapshot)
        use_network_names(containers, snapshot)
        check_with_snapshot(containers, snapshot, ownership_problems(containers, snapshot, options))
        pulls = engine.pull_images(api, containers, snapshot, options.parallel, module.check_mode)
        return snapshot, make_plan(containers, snapshot, options, pulls)
    except SetRefused as exc:
        refuse(module, exc.problems)
    except ENGINE_ERRORS as exc:
        module.fail_json(msg="Could not read the engine's containers, networks and images, nothing was changed: %s" % error_text(exc))
    return None, None  # not reached: fail_json exits


def run(module) -> dict:
    try:
        options, containers = read_set(module.params)
    except SetRefused as exc:
        refuse(module, exc.problems)
    api = docker_client(module).api
    snapshot, plan = prepare(module, api, containers, options)
    if module.check_mode:
        record = check_mode_record(plan)
    else:
        record = Converger(api, containers, snapshot, plan, options).run()
        record.actions[:0] = ["pull %s" % ref for ref in plan.pulls]
    context = ReportContext(check_mode=module.check_mode, diff=module._diff, may_exec=not module.check_mode,
                            show_env_values=options.show_env_values,
                            local_engine=resolve_docker_host(module.params["docker_host"]).startswith("unix://"))
    try:
        result = run_result(api, containers, snapshot, plan, record, context)
    except ENGINE_ERRORS as exc:
        module.fail_json(msg="%s Could not read the containers afterwards: %s" % (
            failure_message(containers, record) if record.failures else "Done: %s." % "; ".join(record.actions), error_text(exc)),
            actions=record.actions, converged=record.converged, outcomes=record.outcomes)
    if record.failures:
        module.fail_json(msg=failure_message(containers, record), **result)
    return result
