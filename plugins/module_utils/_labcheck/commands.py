# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What each kind of lab check runs: pure, so that the commands are unit-tested.

A ping sends ``count`` echo requests ``interval`` seconds apart and gives up at a deadline
(``-w``, and ``-W`` for the last reply), so that a passing ping takes about ``count * interval``
seconds and a failing one at most the timeout. busybox's ping (in the lab's containers) and
iputils' (on the host) take the same options.
"""

from __future__ import annotations

# Kinds run inside a container, on the host, or as a TCP connection from the host.
EXEC_KINDS = ("ping", "route", "wire_ping", "http")
HOST_KINDS = ("host_ping",)
TCP_KINDS = ("port",)
SUPPORTED_KINDS = EXEC_KINDS + HOST_KINDS + TCP_KINDS
# Held back in check mode: they exec into a container and the role has never run them there.
# (route and wire_ping have always run in check mode: the routed lab's checks are its only proof.)
CHECK_MODE_SKIPPED = ("ping", "http")
CHECK_MODE_CONDITION = "not ansible_check_mode"

# The http check: the name must come from the container's /etc/hosts (a link or an etc_hosts entry):
# a name that is not there fails the check, never becomes a DNS query that leaves the host.
# busybox's own timeout bounds wget (its -T crashes in Debian's busybox-static 1.35).
HTTP_SCRIPT = ('[ -z "$1" ] || grep -qE "[[:space:]]$1([[:space:]]|$)" /etc/hosts'
               ' || { echo "$1 is not in /etc/hosts: no link or etc_hosts entry for it" >&2; exit 2; };'
               ' exec timeout "$2" wget -q -O - "$3"')
# The route check: the ping, then busybox traceroute (numeric, at most 3 hops): hop 1 must be the router.
ROUTE_SCRIPT = 'ping -c "$3" -i "$4" -W "$2" -w "$2" "$1" && traceroute -n -m 3 -w "$2" "$1"'


def ping_options(timeout: int, count: int, interval: float) -> list[str]:
    return ["-c", str(count), "-i", _number(interval), "-W", str(timeout), "-w", str(timeout)]


def _number(value: float) -> str:
    return ("%.3f" % value).rstrip("0").rstrip(".")


def exec_argv(check: dict, timeout: int, count: int = 3, interval: float = 0.2) -> list[str]:
    """The program a check of an EXEC_KIND runs inside its container."""
    kind = check["kind"]
    if kind == "ping":
        return ["ping"] + ping_options(timeout, count, interval) + [str(check["address"])]
    if kind == "wire_ping":
        return ["ping"] + ping_options(timeout, count, interval) + ["-I", str(check["via"]), str(check["address"])]
    if kind == "http":
        return ["/bin/sh", "-c", HTTP_SCRIPT, "sh", str(check.get("url_host") or ""), str(timeout), str(check["url"])]
    if kind == "route":
        return ["/bin/sh", "-c", ROUTE_SCRIPT, "sh", str(check["address"]), str(timeout), str(count), _number(interval)]
    raise ValueError("not a kind that runs inside a container: %r" % kind)


def host_ping_argv(program: str, check: dict, timeout: int, count: int = 3, interval: float = 0.2) -> list[str]:
    """The host's ping through the shim (``-I``: without the shim the check fails and sends nothing)."""
    argv = [program] + (["ping"] if program.endswith("busybox") else [])
    return argv + ping_options(timeout, count, interval) + ["-I", str(check["via"]), str(check["address"])]


def unsupported_result(check: dict) -> dict:
    return dict(item=check, unsupported=True,
                msg="labnet.docker.lab_checks does not run checks of kind %r (it runs: %s)"
                    % (check.get("kind"), ", ".join(SUPPORTED_KINDS)))


def check_mode_result(check: dict) -> dict:
    return dict(item=check, skipped=True, false_condition=CHECK_MODE_CONDITION,
                skip_reason="Conditional result was False")


def option_problems(check_timeout: int, count: int, interval: float) -> list[str]:
    """The timing options: each must be positive."""
    given = (("check_timeout", check_timeout, "seconds, such as 5"), ("ping_count", count, "requests, such as 3"),
             ("ping_interval", interval, "seconds, such as 0.2"))
    return ["%s=%r must be more than 0 (%s)" % (name, value, hint) for name, value, hint in given if value <= 0]


def check_problems(checks: list) -> list[str]:
    """What is wrong with the checks given, before anything runs: each names the field and the fix."""
    problems = []
    needs = {"ping": ("container", "address"), "wire_ping": ("container", "address", "via"), "route": ("container", "address"),
             "http": ("container", "url"), "host_ping": ("address", "via"), "port": ("address", "port")}
    for i, check in enumerate(checks):
        if not isinstance(check, dict) or not check.get("name") or not check.get("kind"):
            problems.append("checks[%d]=%r needs a 'name' and a 'kind' (give the checks of labnet.docker.lab_plan)" % (i, check))
            continue
        missing = [key for key in needs.get(check["kind"], ()) if check.get(key) in (None, "")]
        if missing:
            problems.append("checks[%d] (%s) has no %s; give the checks of labnet.docker.lab_plan"
                            % (i, check["name"], ", ".join(missing)))
    return problems
