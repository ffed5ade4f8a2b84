# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Replacing a container as a transaction: nothing of the old one is lost until the new one runs.

The old container is stopped gracefully (SIGTERM, then SIGKILL after ``stop_timeout``, as
``docker stop``) and renamed aside; the new one is created and started under the name. Only when
it runs is the old one removed. On any failure (create, start, an engine that stops answering)
the new one is removed, the old one gets its name back, its networks, and is started again if it
ran. While the engine does not answer, the restore is tried again until ``3 * timeout`` seconds.
"""

from __future__ import annotations

import time

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import ENGINE_ERRORS, NotFound, api_error_text
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.engine import (
    ContainerFailed,
    error_text,
    failure_text,
    inspect_or_none,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.spec import running

RESTORE_PAUSE = 1.0


def short(container_id: str | None) -> str:
    return (container_id or "none")[:12]


def aside_name(name: str, old_id: str) -> str:
    """The name the old container waits under while its replacement is made."""
    return "%s-old-%s" % (name, short(old_id))


def endpoint_of(endpoint: dict, own_id: str) -> dict:
    """The connect arguments that give a container an inspected endpoint back."""
    ipam = endpoint.get("IPAMConfig") or {}
    aliases = [alias for alias in endpoint.get("Aliases") or [] if alias != short(own_id)]
    links = [tuple(link.split(":", 1)) for link in endpoint.get("Links") or []]
    args = dict(ipv4_address=ipam.get("IPv4Address") or None, aliases=aliases or None, links=links or None)
    if ipam.get("IPv6Address"):
        args["ipv6_address"] = ipam["IPv6Address"]
    return args


class Replacement:
    """One container's replacement; :meth:`roll_back` puts the old one back as it was."""

    def __init__(self, converger, name: str, old: dict):
        self.api = converger.api
        self.options = converger.options
        self.name = name
        self.old = old
        self.old_id = old["Id"]
        self.was_running = running(old)
        self.aside = aside_name(name, self.old_id)
        self.new_id: str | None = None

    def stop_and_move_aside(self) -> None:
        if self.was_running:
            self.api.stop(self.old_id, timeout=self.options.stop_timeout)
        self.api.rename(self.old_id, self.aside)

    def check_runs(self) -> None:
        """The new container must run (or have ended well) before the old one goes."""
        state = self.api.inspect_container(self.new_id).get("State") or {}
        if not state.get("Running") and state.get("ExitCode"):
            raise ContainerFailed("the new container exited at once with code %s%s" % (
                state["ExitCode"], " (%s)" % state["Error"] if state.get("Error") else ""))

    def remove_old(self) -> None:
        try:
            self.api.remove_container(self.old_id, force=True)
        except NotFound:
            pass
        except ENGINE_ERRORS as exc:
            raise ContainerFailed(
                "Container %r was replaced and its new container runs, but the old one (id %s, named %r) could not be "
                "removed: %s. Remove it with docker rm %s."
                % (self.name, short(self.old_id), self.aside, api_error_text(exc), self.aside),
                outcome="converged",
            ) from exc

    def restore_once(self) -> None:
        """Remove whatever holds the name, give the old container its name and networks back, start it."""
        api = self.api
        holder = inspect_or_none(api, "container", self.name)
        if holder and holder["Id"] != self.old_id:
            api.remove_container(holder["Id"], force=True)
        if self.new_id and not (holder and holder["Id"] == self.new_id):
            try:
                api.remove_container(self.new_id, force=True)
            except NotFound:
                pass
        now = api.inspect_container(self.old_id)
        if (now.get("Name") or "").lstrip("/") != self.name:
            api.rename(self.old_id, self.name)
        networks = (now.get("NetworkSettings") or {}).get("Networks") or {}
        for network, endpoint in ((self.old.get("NetworkSettings") or {}).get("Networks") or {}).items():
            if network not in networks:
                api.connect_container_to_network(self.old_id, network, **endpoint_of(endpoint, self.old_id))
        if self.was_running and not running(now):
            api.start(self.old_id)

    def restore(self) -> str | None:
        """Restore, trying again while the engine does not answer; returns None, or why it could not."""
        deadline = time.monotonic() + 3 * self.options.timeout
        while True:
            try:
                self.restore_once()
                return None
            except NotFound as exc:
                return "the old container is gone (%s)" % api_error_text(exc)
            except ENGINE_ERRORS as exc:
                if time.monotonic() >= deadline:
                    return error_text(exc)
            time.sleep(RESTORE_PAUSE)

    def roll_back(self, doing: str, message: str) -> None:
        """Undo the replacement and raise :class:`ContainerFailed` with what happened to the old container."""
        text = failure_text(self.name, doing, message, removed=False)
        problem = self.restore()
        if problem is None:
            raise ContainerFailed(
                "%s The replacement was removed; the old container (id %s) is back under its name, with its networks "
                "and its writable layer%s." % (text, short(self.old_id), ", running" if self.was_running else ""),
                outcome="kept_old",
            )
        raise ContainerFailed(
            "%s The old container (id %s) could not be put back: %s. It is kept, possibly under the name %r: "
            "rename it back (docker rename %s %s) and start it, then run the task again."
            % (text, short(self.old_id), problem, self.aside, self.aside, self.name),
            outcome="failed",
        )
