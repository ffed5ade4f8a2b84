# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Recreate a network as a transaction: take it down, make it anew, reconnect every container;
on a failure at any step, put the old network and its containers back.

The executor of the plans in ``network_endpoints``. It talks to the engine through the SDK's low-level
``api`` object only (the seam the unit tests fake), catches ``ENGINE_ERRORS`` around every call, and
reports every container's outcome; it never raises anything but :class:`RecreateFailed`.
"""

from __future__ import annotations

import time

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import ENGINE_ERRORS, api_error_text
from ansible_collections.labnet.docker.plugins.module_utils._docker.network_endpoints import (
    CONVERGED,
    RESTORED,
    STRANDED,
    UNTOUCHED,
    Endpoint,
    connect_kwargs,
    connect_order,
    create_kwargs_from_inspect,
    endpoint_text,
    foreign_endpoints,
    new_progress,
    outcome,
    outcome_summary,
    rollback_plan,
)

# What the roll-back steps that can stop it do, for its messages.
# A create that timed out may land seconds later, holding the name or the address pool: the restore of
# the previous network looks for it and tries again this many times, this far apart.
LATE_CREATE_TRIES = 8
LATE_CREATE_WAIT = 0.5

ROLLBACK_STEPS = {
    "check_new_free": "read the network that now has the name %s",
    "remove_new": "remove the new network %s",
    "create_old": "make the previous network %s again",
}


class RecreateFailed(Exception):
    """The recreation failed; ``outcomes`` says where every container ended."""

    def __init__(self, msg: str, outcomes: list[dict]):
        super().__init__(msg)
        self.outcomes = outcomes


class _Abort(Exception):
    """The roll-back cannot go on: the old network cannot be made again."""


class NetworkRecreation:
    """Replace the network ``old`` (inspect) by one made with ``create_kwargs``, keeping ``endpoints``."""

    def __init__(self, api, old: dict, endpoints: list[Endpoint], create_kwargs: dict, actions: list[str]):
        self.api = api
        self.old = old
        self.name = old["Name"]
        self.endpoints = connect_order(endpoints)
        self.create_kwargs = create_kwargs
        self.actions = actions
        self.progress = new_progress()
        self.step = ""
        self.late_id: str | None = None
        self.old_id: str | None = old["Id"]

    # ---- forward --------------------------------------------------------------------------------

    def run(self, reason: str = "") -> tuple[str, list[dict]]:
        """The new network's id and every container's outcome; raises :class:`RecreateFailed`."""
        try:
            self.take_down(reason)
            new_id = self.create_new()
        except ENGINE_ERRORS as exc:
            raise self.failed("Could not %s: %s." % (self.step, api_error_text(exc))) from None
        failures = self.reconnect_all(new_id)
        if failures:
            raise self.failed("Network %s was made again, but %s." % (self.name, "; ".join(failures)))
        return new_id, [outcome(e, CONVERGED) for e in self.endpoints]

    def take_down(self, reason: str) -> None:
        for endpoint in self.endpoints:
            self.step = "disconnect container %s from network %s" % (endpoint["name"], self.name)
            self.api.disconnect_container_from_network(endpoint["id"], self.old["Id"], force=True)
            self.progress["disconnected"].append(endpoint["id"])
            self.actions.append("disconnect container %s from %s" % (endpoint["name"], self.name))
        self.step = "remove network %s" % self.name
        self.api.remove_network(self.old["Id"])
        self.progress["old_removed"] = True
        self.old_id = None
        self.actions.append("remove network %s%s" % (self.name, " (%s)" % reason if reason else ""))

    def create_new(self) -> str:
        self.step = "create the %s network %s on parent %s" % (
            self.create_kwargs.get("driver"), self.name, (self.create_kwargs.get("options") or {}).get("parent"))
        self.progress["create_sent"] = True
        created = self.api.create_network(self.name, **self.create_kwargs)
        self.progress["new_id"] = created["Id"]
        self.actions.append("create network %s" % self.name)
        return created["Id"]

    def reconnect_all(self, new_id: str) -> list[str]:
        """Connect every container; a failure does not stop the others. Returns the failures."""
        failures = []
        for endpoint in self.endpoints:
            try:
                self.api.connect_container_to_network(endpoint["id"], new_id, **connect_kwargs(endpoint))
            except ENGINE_ERRORS as exc:
                failures.append("container %r could not be reconnected at %s: %s" % (
                    endpoint["name"], endpoint["ipv4_address"] or "an address from the pool", api_error_text(exc)))
                continue
            self.progress["connected"].append(endpoint["id"])
            self.actions.append("connect container %s to %s" % (endpoint_text(endpoint), self.name))
        return failures

    # ---- back -----------------------------------------------------------------------------------

    def failed(self, first: str) -> RecreateFailed:
        outcomes, aborted = self.roll_back()
        if aborted:
            told = "The previous network could not be put back: %s." % aborted
        elif self.progress["old_removed"] and all(o["outcome"] != STRANDED for o in outcomes):
            told = "The previous network was put back as it was, with its containers."
        elif self.progress["old_removed"]:
            told = "The previous network was made again as it was."
        else:
            told = "The previous network was kept."
        return RecreateFailed(" ".join([first, told, outcome_summary(self.name, outcomes, self.endpoints)]), outcomes)

    def roll_back(self) -> tuple[list[dict], str | None]:
        """Run the roll-back plan; every container gets an outcome, whatever fails."""
        results: dict[str, dict] = {}
        aborted: str | None = None
        for verb, endpoint in rollback_plan(self.progress, self.endpoints):
            if aborted:
                break
            try:
                getattr(self, "_" + verb)(endpoint)
            except _Abort as exc:
                aborted = str(exc)
            except ENGINE_ERRORS as exc:
                if verb == "connect_old":
                    results[endpoint["id"]] = outcome(endpoint, STRANDED, api_error_text(exc))
                elif verb != "disconnect_new":  # a container left on the new network makes remove_new fail
                    aborted = "could not %s: %s" % (ROLLBACK_STEPS[verb] % self.name, api_error_text(exc))
            else:
                if verb == "connect_old":
                    results[endpoint["id"]] = outcome(endpoint, RESTORED)
        return [results.get(e["id"]) or self.unplanned(e, aborted) for e in self.endpoints], aborted

    def unplanned(self, endpoint: Endpoint, aborted: str | None) -> dict:
        """The outcome of a container that no roll-back step touched."""
        if endpoint["id"] not in self.progress["disconnected"]:
            return outcome(endpoint, UNTOUCHED)
        if aborted and endpoint["id"] in self.progress["connected"] and self.late_id is not None:
            return outcome(endpoint, CONVERGED)  # the new network stays, and the container on it
        return outcome(endpoint, STRANDED, aborted or "not reconnected")

    def network_by_name(self) -> dict | None:
        for summary in self.api.networks(names=[self.name]):
            if summary.get("Name") == self.name:
                return self.api.inspect_network(summary["Id"])
        return None

    def _check_new_free(self, _endpoint: None) -> None:
        current = self.network_by_name()
        self.late_id = current["Id"] if current else self.progress["new_id"]
        if current is None:
            return
        foreign = foreign_endpoints(current, {e["id"] for e in self.endpoints})
        if foreign:
            raise _Abort("network %s (%s) now holds %s, which %s not this task's, so it was left as it is" % (
                self.name, current["Id"][:12], ", ".join(foreign), "is" if len(foreign) == 1 else "are"))

    def _disconnect_new(self, endpoint: Endpoint) -> None:
        self.api.disconnect_container_from_network(endpoint["id"], self.late_id, force=True)
        self.progress["connected"].remove(endpoint["id"])
        self.actions.append("restore: disconnect container %s from the new %s" % (endpoint["name"], self.name))

    def _remove_new(self, _endpoint: None) -> None:
        if self.late_id is None:
            return
        self.api.remove_network(self.late_id)
        self.actions.append("restore: remove the new network %s" % self.name)
        self.late_id = None

    def _create_old(self, _endpoint: None) -> None:
        kwargs = create_kwargs_from_inspect(self.old)
        for attempt in range(1, LATE_CREATE_TRIES + 1):
            try:
                created = self.api.create_network(self.name, **kwargs)
                break
            except ENGINE_ERRORS:
                if attempt == LATE_CREATE_TRIES:
                    raise
                # A create that timed out may go through only now: clear its network, then try again.
                self._check_new_free(None)
                self._remove_new(None)
                time.sleep(LATE_CREATE_WAIT)
        self.old_id = created["Id"]
        self.actions.append("restore: create network %s as it was" % self.name)

    def _connect_old(self, endpoint: Endpoint) -> None:
        self.api.connect_container_to_network(endpoint["id"], self.old_id, **connect_kwargs(endpoint))
        self.actions.append("restore: connect container %s to %s" % (endpoint_text(endpoint), self.name))
