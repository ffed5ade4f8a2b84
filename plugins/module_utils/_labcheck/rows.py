# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How a lab check's result reads: one row ``{name, kind, host, status, detail, diagnosis}`` per check.

Pure functions over plain data, shared by ``labnet.docker.lab_checks`` (which diagnoses the rows
that fail) and the report filters (``labnet.docker.lab_check_rows``), so that a check passes or
fails by one rule. A result has the shape of one item of a registered Ansible loop: the planned
check as ``item``, then ``rc``/``stdout``/``stderr`` (a program), ``state``/``msg`` (a TCP
connection), ``skipped``/``false_condition`` (not run), or ``unsupported``/``msg``.
"""

from __future__ import annotations

import re

PASS = "pass"
FAIL = "fail"
WARN = "warn"
HOP = re.compile(r"^\s*1\s+(\S+)")
DETAIL_MAX = 160


def last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def failure_text(result: dict) -> str:
    return last_line(result.get("stderr") or "") or last_line(result.get("stdout") or "") or str(result.get("msg") or "no output")


def row(check: dict, status: str, detail: str, diagnosis: str = "") -> dict:
    return dict(name=check.get("name", "?"), kind=check.get("kind", "?"), host=check.get("host", "?"),
                status=status, detail=detail[:DETAIL_MAX], diagnosis=diagnosis if status == FAIL else "")


def not_run_rows(result: dict, check: dict) -> list:
    """A skipped check: a warning when check mode held it back (it would exec into a container), else a failure."""
    if "ansible_check_mode" in str(result.get("false_condition") or ""):
        return [row(check, WARN, "not run in check mode: it runs a program inside a container")]
    return [row(check, FAIL, "not run: %s" % (result.get("skip_reason") or "skipped"), result.get("diagnosis") or "")]


def exec_rows(result: dict, check: dict) -> list:
    """ping, host_ping, wire_ping and http checks: a program's exit status (and, for http, the page)."""
    if result.get("skipped"):
        return not_run_rows(result, check)
    rc = result.get("rc")
    why = result.get("diagnosis") or ""
    if check["kind"] == "http":
        expect = check.get("expect") or ""
        body = result.get("stdout") or ""
        if rc == 0 and expect in body:
            return [row(check, PASS, "got %d bytes%s" % (len(body), ", containing %r" % expect if expect else ""))]
        if rc == 0:
            return [row(check, FAIL, "the page does not contain %r: %s" % (expect, last_line(body)), why)]
        return [row(check, FAIL, "rc=%s: %s" % (rc, failure_text(result)), why)]
    if rc == 0:
        stats = [line for line in (result.get("stdout") or "").splitlines() if "packets transmitted" in line]
        return [row(check, PASS, stats[-1].strip() if stats else "replied")]
    return [row(check, FAIL, "rc=%s: %s" % (rc, failure_text(result)), why)]


def route_rows(result: dict, check: dict) -> list:
    """A ping across a router, then busybox traceroute: hop 1 must be the router's planned address."""
    why = result.get("diagnosis") or ""
    if result.get("skipped"):
        return [row(check, FAIL, "not run: %s" % (result.get("skip_reason") or "skipped"), why)]
    if result.get("rc") != 0:
        return [row(check, FAIL, "rc=%s: %s" % (result.get("rc"), failure_text(result)), why)]
    hops = [m.group(1) for m in (HOP.match(line) for line in (result.get("stdout") or "").splitlines()) if m]
    if hops and hops[0] == check.get("hop"):
        return [row(check, PASS, "replied; hop 1 is %s (%s)" % (hops[0], check.get("via")))]
    return [row(check, FAIL, "replied, but hop 1 is %s, not the router %s (%s)"
                % (hops[0] if hops else "missing", check.get("hop"), check.get("via")), why)]


def port_rows(result: dict, check: dict) -> list:
    """A TCP connection (ansible.builtin.wait_for's shape): success returns ``state``, failure ``msg``."""
    if result.get("skipped"):
        return not_run_rows(result, check)
    if "state" in result and not result.get("msg"):
        return [row(check, PASS, "connected to %s:%s" % (check.get("address"), check.get("port")))]
    return [row(check, FAIL, str(result.get("msg") or "no connection"), result.get("diagnosis") or "")]


def unsupported_rows(result: dict, check: dict) -> list:
    """A check of a kind the runner does not know: reported, never passed."""
    return [row(check, WARN, "not run: %s" % (result.get("msg") or "kind %r is not supported" % check.get("kind")))]


# The kinds whose result is a program's, a route's or a TCP connection's, and how each reads.
READERS = {"ping": exec_rows, "host_ping": exec_rows, "http": exec_rows, "wire_ping": exec_rows,
           "route": route_rows, "port": port_rows}


def result_rows(result: dict, check: dict) -> list:
    """The rows of one result of a kind in READERS (or one marked unsupported)."""
    if result.get("unsupported"):
        return unsupported_rows(result, check)
    return READERS[check["kind"]](result, check)


def is_failure(result: dict, check: dict) -> bool:
    """Whether the result fails its check (a check that was not run because of check mode does not)."""
    if result.get("unsupported") or check.get("kind") not in READERS:
        return False
    return any(r["status"] == FAIL for r in result_rows(result, check))
