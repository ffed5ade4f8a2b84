# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a host's lab checks side by side: programs in containers through the Engine API's exec,
pings through the host's shims, TCP connections to published ports.

Each check runs in its own thread and is bounded by its own deadline (the ping's ``-w``, busybox's
``timeout``, the connection's), so the whole set takes about as long as its slowest check. A result
has the shape of one item of a registered Ansible loop (see ``_labcheck/rows.py``).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import ENGINE_ERRORS, NotFound, api_error_text
from ansible_collections.labnet.docker.plugins.module_utils._labcheck.commands import (
    CHECK_MODE_SKIPPED,
    EXEC_KINDS,
    HOST_KINDS,
    TCP_KINDS,
    check_mode_result,
    exec_argv,
    host_ping_argv,
    unsupported_result,
)
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.port_probe import tcp_probe

RETRY_SECONDS = 0.2
MAX_THREADS = 8  # the SDK keeps 10 connections to the engine


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace")


def run_exec(api, container: str, argv: list[str]) -> dict:
    """Run ``argv`` in ``container`` and wait for it: ``rc``, ``stdout``, ``stderr``; an engine error as ``msg``."""
    try:
        exec_id = api.exec_create(container, argv, stdout=True, stderr=True)["Id"]
        out, err = api.exec_start(exec_id, demux=True)
        rc = api.exec_inspect(exec_id).get("ExitCode")
    except NotFound as exc:
        return dict(rc=None, failed=True, msg="Could not exec into %s: %s" % (container, api_error_text(exc)))
    except ENGINE_ERRORS as exc:
        return dict(rc=None, failed=True, msg="Could not run %s in %s: %s" % (argv[0], container, api_error_text(exc)))
    return dict(rc=rc, stdout=_text(out), stderr=_text(err), cmd=argv)


def connect_until(address: str, port: int, timeout: float, probe=tcp_probe) -> dict:
    """Connect to ``address:port`` until it answers or ``timeout`` seconds pass (ansible.builtin.wait_for's result)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        ok, why = probe(address, int(port), max(min(left, timeout), 0.1))
        if ok:
            return dict(state="started", port=int(port))
        if time.monotonic() + RETRY_SECONDS >= deadline:
            return dict(failed=True, msg="Timeout when waiting for %s:%s (%s)" % (address, port, why))
        time.sleep(RETRY_SECONDS)


class CheckRunner:
    """One host's checks: ``run`` returns one result per check, in the order given."""

    def __init__(self, api, run_command: Callable[[list[str]], tuple[int, str, str]], ping_program: str | None,
                 options: dict[str, Any], check_mode: bool = False):
        self.api = api
        self.run_command = run_command
        self.ping_program = ping_program
        self.options = options
        self.check_mode = check_mode

    def _ping_args(self) -> dict:
        return dict(timeout=self.options["timeout"], count=self.options["count"], interval=self.options["interval"])

    def run_one(self, check: dict) -> dict:
        kind = check.get("kind")
        if self.check_mode and kind in CHECK_MODE_SKIPPED:
            return check_mode_result(check)
        if kind in EXEC_KINDS:
            result = run_exec(self.api, check["container"], exec_argv(check, **self._ping_args()))
        elif kind in HOST_KINDS:
            if not self.ping_program:
                result = dict(rc=None, failed=True, msg="No ping program on this host (ping or busybox): install iputils-ping")
            else:
                argv = host_ping_argv(self.ping_program, check, **self._ping_args())
                rc, out, err = self.run_command(argv)
                result = dict(rc=rc, stdout=out, stderr=err, cmd=argv)
        elif kind in TCP_KINDS:
            result = connect_until(str(check["address"]), int(check["port"]), float(self.options["timeout"]))
        else:
            return unsupported_result(check)
        return dict(result, item=check)

    def run(self, checks: list[dict]) -> list[dict]:
        if not checks:
            return []
        with ThreadPoolExecutor(max_workers=min(len(checks), MAX_THREADS)) as pool:
            return list(pool.map(self.run_one, checks))
