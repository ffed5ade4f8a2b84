# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What follows a container's (re)start: its ``post_start`` commands, then, with ``wait: healthy``, its health.

Both run only when the converge created or recreated the container (never in check mode, never
on an unchanged run). A failure raises :class:`ContainerFailed` with the command's output or the
last health check's, so that a replacement is rolled back as for any failed start.
"""

from __future__ import annotations

import time

from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.engine import ContainerFailed
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.records import ContainerSpec

HEALTH_PAUSE = 0.5  # seconds between two reads of the health state
OUTPUT_LIMIT = 2000  # characters of a failed command's output kept in the message


def tail(text: str, limit: int = OUTPUT_LIMIT) -> str:
    text = text.strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def run_post_start(api, container: ContainerSpec, container_id: str) -> None:
    """The commands in order; the first that fails (exit code not 0) stops them."""
    for number, command in enumerate(container["post_start"]):
        exec_id = api.exec_create(container_id, command, stdout=True, stderr=True)
        output = api.exec_start(exec_id).decode(errors="replace")
        code = api.exec_inspect(exec_id).get("ExitCode")
        if code != 0:
            raise ContainerFailed(
                "post_start[%d] %s exited with code %s: %s" % (number, command, code, tail(output) or "(no output)"),
                doing="running post_start",
            )


def last_health_line(state: dict) -> str:
    log = ((state.get("Health") or {}).get("Log")) or []
    if not log:
        return "no health check has run yet"
    entry = log[-1]
    lines = (entry.get("Output") or "").strip().splitlines()
    return "exit code %s, %s" % (entry.get("ExitCode"), tail(lines[-1]) if lines else "no output")


def wait_healthy(api, container: ContainerSpec, container_id: str) -> None:
    """Until the engine says healthy, for at most ``wait_timeout`` seconds; fails when it is not."""
    deadline = time.monotonic() + container["wait_timeout"]
    while True:
        state = api.inspect_container(container_id).get("State") or {}
        status = (state.get("Health") or {}).get("Status") or "none"
        if status == "healthy":
            return
        if not state.get("Running"):
            raise ContainerFailed(
                "it stopped (exit code %s) before its health check passed; the last health check said: %s"
                % (state.get("ExitCode"), last_health_line(state)), doing="waiting for it to be healthy")
        if time.monotonic() >= deadline:
            raise ContainerFailed(
                "it was not healthy within %d seconds (wait_timeout; health status %s); the last health check said: %s"
                % (container["wait_timeout"], status, last_health_line(state)), doing="waiting for it to be healthy")
        time.sleep(HEALTH_PAUSE)


def after_start(api, container: ContainerSpec, container_id: str) -> None:
    """post_start, then readiness: the next wave starts only when this returns."""
    run_post_start(api, container, container_id)
    if container["wait"] == "healthy":
        wait_healthy(api, container, container_id)
