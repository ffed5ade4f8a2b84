# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A container's runtime options: the rules that check them, and their normal form on both sides.

Every rule lives here once. Each ``parse_*``/``check_*`` function takes the user's value and
returns it in normal form, or raises :class:`OptionError` with what is wrong and the fix (the
caller adds the container and the field). :func:`wanted_runtime` and :func:`current_runtime` give
the same keys in the same form, from the options and from an engine inspect document, so that a
container made with the options compares equal to them (``CAP_NET_ADMIN`` is ``NET_ADMIN``,
``64m`` is 67108864 bytes, ``0.5`` CPUs is 500000000 NanoCpus, ``1m30s`` is 90000000000 ns).
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Mapping

# The Linux capabilities (capabilities(7)), without their CAP_ prefix; ALL is the engine's shorthand.
CAPABILITIES = frozenset((
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE", "ALL",
))

# The kernel.* sysctls that belong to a container's IPC namespace; all other kernel.* are the host's.
IPC_SYSCTLS = frozenset(("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
                         "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"))
NAMESPACED_SYSCTL_PREFIXES = ("net.", "fs.mqueue.")

VOLUME_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
VOLUME_MODES = ("rw", "ro")
MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
MEMORY = re.compile(r"^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$", re.IGNORECASE)
MEMORY_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4}
MEMORY_MIN = 6 * 1024 ** 2  # the engine refuses less than 6 MiB
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)")
DURATION_UNITS = {"ns": 1, "us": 10 ** 3, "ms": 10 ** 6, "s": 10 ** 9, "m": 60 * 10 ** 9, "h": 3600 * 10 ** 9}
HEALTH_DURATIONS = ("interval", "timeout", "start_period")
HEALTH_TEST_KINDS = ("CMD", "CMD-SHELL", "NONE")

# The runtime options compared for idempotence, in the order the diff lists them.
RUNTIME_FIELDS = ("entrypoint", "user", "working_dir", "capabilities", "cap_drop", "privileged", "sysctls", "devices",
                  "volumes", "tmpfs", "memory", "cpus", "dns", "dns_search", "healthcheck")

# The normal form of each runtime option that is not set.
RUNTIME_DEFAULTS: Dict[str, Any] = dict(entrypoint=None, user=None, working_dir=None, capabilities=[], cap_drop=[], privileged=False,
                        sysctls={}, devices=[], volumes=[], tmpfs={}, memory=0, cpus=0, dns=[], dns_search=[],
                        healthcheck=None)


class OptionError(ValueError):
    """A value that breaks a rule; the message says why and how to fix it."""


def parse_capability(name: str) -> str:
    """``net_admin``, ``NET_ADMIN`` and ``CAP_NET_ADMIN`` are all ``NET_ADMIN``."""
    word = str(name).strip().upper()
    if word.startswith("CAP_"):
        word = word[4:]
    if word not in CAPABILITIES:
        raise OptionError("%r is not a Linux capability; use names such as NET_ADMIN or SYS_TIME (see capabilities(7))" % name)
    return word


def capability_set(names) -> list[str]:
    return sorted({parse_capability(name) for name in names or []})


def check_sysctl(key: str) -> str:
    """A sysctl the container's own namespaces hold; the host's (most of kernel.*, vm.*) are refused."""
    key = str(key).strip()
    if key in IPC_SYSCTLS or key.startswith(NAMESPACED_SYSCTL_PREFIXES):
        return key
    raise OptionError(
        "%r is not namespaced: a container may set only net.*, fs.mqueue.* and kernel.msg*, kernel.sem, kernel.shm*, "
        "kernel.shm_rmid_forced; set it on the host instead" % key
    )


def parse_sysctls(value: dict | None) -> dict:
    result = {}
    for key, item in (value or {}).items():
        if isinstance(item, bool):
            raise OptionError("%s is the boolean %s; give the number the kernel expects (1 or 0)" % (key, item))
        result[check_sysctl(key)] = str(item).strip()
    return result


def absolute_path(path: str, what: str) -> str:
    if not path.startswith("/"):
        raise OptionError("%s %r is not an absolute path; start it with /" % (what, path))
    return path.rstrip("/") or "/"


def parse_volume(spec: str) -> str:
    """``src:dst[:ro|rw]`` as ``src:dst:mode``; ``src`` an absolute host path or a volume name."""
    parts = str(spec).split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise OptionError("%r is not src:dst[:ro|rw]" % spec)
    source, target = parts[0], absolute_path(parts[1], "the target")
    mode = parts[2] if len(parts) == 3 else "rw"
    if mode not in VOLUME_MODES:
        raise OptionError("%r: mode %r is neither ro nor rw" % (spec, mode))
    if source.startswith("/"):
        source = absolute_path(source, "the source")
    elif not VOLUME_NAME.match(source):
        raise OptionError(
            "%r: the source %r is neither an absolute host path nor a volume name (two or more of a-z A-Z 0-9 _ . -, "
            "starting with a letter or digit)" % (spec, source)
        )
    return "%s:%s:%s" % (source, target, mode)


def parse_device(spec: str) -> str:
    """``host[:container[:permissions]]`` as ``host:container:permissions`` (permissions of r, w, m)."""
    parts = str(spec).split(":")
    if len(parts) > 3 or not all(parts):
        raise OptionError("%r is not host_path[:container_path[:permissions]]" % spec)
    host = absolute_path(parts[0], "the device")
    container = absolute_path(parts[1], "the container path") if len(parts) > 1 else host
    permissions = parts[2] if len(parts) > 2 else "rwm"
    if not set(permissions) <= set("rwm"):
        raise OptionError("%r: permissions %r are not made of r, w and m" % (spec, permissions))
    return "%s:%s:%s" % (host, container, "".join(c for c in "rwm" if c in permissions))


def parse_tmpfs(spec: str) -> tuple[str, str]:
    """``path[:options]`` as ``(path, options)``."""
    path, _sep, options = str(spec).partition(":")
    return absolute_path(path, "the tmpfs mount point"), options


def parse_memory(value) -> int:
    """``64m``, ``1g``, ``512MiB``, ``1048576`` as bytes (units of 1024, as the engine); ``0`` is no limit."""
    match = MEMORY.match(str(value).strip())
    if not match:
        raise OptionError("%r is not a size; give a number with an optional unit b, k, m, g or t, such as 256m" % value)
    size = int(Decimal(match.group(1)) * MEMORY_UNITS[match.group(2).lower()])
    if 0 < size < MEMORY_MIN:
        raise OptionError("%r is less than the engine's minimum of 6m" % value)
    return size


def parse_cpus(value) -> int:
    """A number of CPUs, such as ``0.5`` or ``2``, as the engine's NanoCpus; ``0`` is no limit."""
    try:
        cpus = Decimal(str(value).strip())
    except InvalidOperation:
        raise OptionError("%r is not a number of CPUs; give a decimal number such as 0.5 or 2" % value) from None
    if isinstance(value, bool) or not cpus.is_finite() or cpus < 0:
        raise OptionError("%r is not a number of CPUs; give a decimal number such as 0.5 or 2" % value)
    nano = cpus * 10 ** 9
    if nano != int(nano):
        raise OptionError("%r has more than 9 decimals" % value)
    return int(nano)


def parse_duration(value) -> int:
    """``30s``, ``1m30s``, ``500ms`` (or a number of seconds) as nanoseconds; at least 1ms unless 0."""
    text = str(value).strip()
    if re.match(r"^\d+(\.\d+)?$", text):
        text += "s"
    if not text or DURATION_PART.sub("", text):
        raise OptionError("%r is not a duration; give it as 30s, 1m30s or 500ms" % value)
    nano = sum(int(Decimal(number) * DURATION_UNITS[unit]) for number, unit in DURATION_PART.findall(text))
    if 0 < nano < 10 ** 6:
        raise OptionError("%r is less than 1ms" % value)
    return nano


def parse_mac(value: str) -> str:
    """A unicast MAC address (the lowest bit of the first octet clear), in lower case."""
    text = str(value).strip()
    if not MAC.match(text):
        raise OptionError("%r is not a MAC address; give six hex octets such as 02:42:c0:a8:32:0a" % value)
    if int(text[:2], 16) & 1:
        raise OptionError("%r is a multicast address (its first octet is odd); use a unicast one such as 02:..." % value)
    return text.lower()


def parse_ipv6(value) -> str:
    try:
        return str(ipaddress.IPv6Address(str(value).strip()))
    except ValueError:
        raise OptionError("%r is not an IPv6 address" % value) from None


def parse_dns_server(value) -> str:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise OptionError("%r is not an IP address" % value) from None


def parse_words(value, what: str) -> list[str] | None:
    """A command given as a string (split like a shell, without one) or a non-empty list."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise OptionError("%s %r cannot be split into words (%s); give it as a list" % (what, value, exc)) from None
        if words:
            return words
    elif isinstance(value, list) and value:
        return [str(word) for word in value]
    raise OptionError("%s %r is neither a string nor a non-empty list" % (what, value))


def parse_health_test(value) -> list[str]:
    """``CMD-SHELL`` for a string, ``CMD`` for a list, as given when it starts with CMD, CMD-SHELL or NONE."""
    if isinstance(value, str):
        return ["NONE"] if value.strip().upper() == "NONE" else ["CMD-SHELL", value]
    words = parse_words(value, "test")
    if words and words[0] in HEALTH_TEST_KINDS:
        return words
    return ["CMD"] + (words or [])


def parse_healthcheck(value: dict | None) -> dict | None:
    """The health check in the normal form of :func:`health_from_engine`; None when not given."""
    if not value:
        return None
    if value.get("test") is None:
        raise OptionError("test is required; give the command that tells health, such as [wget, -q, -O-, localhost]")
    result = dict(test=parse_health_test(value["test"]), retries=0)
    for key in HEALTH_DURATIONS:
        try:
            result[key] = parse_duration(value[key]) if value.get(key) is not None else 0
        except OptionError as exc:
            raise OptionError("%s: %s" % (key, exc)) from None
    retries = value.get("retries")
    if retries is not None:
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise OptionError("retries: %r is not a whole number of 0 or more" % retries)
        result["retries"] = retries
    if result["test"] == ["NONE"]:
        return dict(test=["NONE"], retries=0, **{key: 0 for key in HEALTH_DURATIONS})
    return result


def health_from_engine(health: dict | None) -> dict | None:
    """``Config.Healthcheck`` (durations in ns, zero ones left out) in normal form."""
    if not health or not health.get("Test"):
        return None
    return dict(test=list(health["Test"]), retries=health.get("Retries") or 0, interval=health.get("Interval") or 0,
                timeout=health.get("Timeout") or 0, start_period=health.get("StartPeriod") or 0)


def health_to_engine(health: dict | None) -> dict | None:
    """The normal form as the SDK's ``healthcheck`` argument."""
    if health is None:
        return None
    return dict(test=health["test"], interval=health["interval"], timeout=health["timeout"], retries=health["retries"],
                start_period=health["start_period"])


def wanted_runtime(options: Mapping[str, Any], image_config: dict) -> dict:
    """The runtime fields a container made with ``options`` has; the image fills what is not set."""
    options = {key: options.get(key, default) for key, default in RUNTIME_DEFAULTS.items()}
    return dict(
        entrypoint=options["entrypoint"] if options["entrypoint"] is not None else (image_config.get("Entrypoint") or None),
        user=options["user"] or image_config.get("User") or None,
        working_dir=options["working_dir"] or image_config.get("WorkingDir") or None,
        capabilities=list(options["capabilities"]),
        cap_drop=list(options["cap_drop"]),
        privileged=options["privileged"],
        sysctls=dict(options["sysctls"]),
        devices=sorted(options["devices"]),
        volumes=sorted(options["volumes"]),
        tmpfs=dict(options["tmpfs"]),
        memory=options["memory"],
        cpus=options["cpus"],
        dns=list(options["dns"]),
        dns_search=list(options["dns_search"]),
        healthcheck=merged_health(options["healthcheck"], health_from_engine(image_config.get("Healthcheck"))),
    )


def merged_health(wanted: dict | None, image: dict | None) -> dict | None:
    """The engine fills each zero field of a container's health check from the image's."""
    if wanted is None or image is None:
        return wanted or image
    if wanted["test"] == ["NONE"]:
        return wanted
    return {key: value or image[key] for key, value in wanted.items()}


def engine_capabilities(names) -> list[str]:
    return sorted({str(name).upper()[4:] if str(name).upper().startswith("CAP_") else str(name).upper() for name in names or []})


def engine_volume(bind: str) -> str:
    parts = bind.split(":")
    modes = [mode for mode in parts[2:] for mode in mode.split(",")]
    return "%s:%s:%s" % (parts[0], parts[1], "ro" if "ro" in modes else "rw")


def current_runtime(inspect: dict) -> dict:
    """The runtime fields of an inspected container, in the form of :func:`wanted_runtime`."""
    config = inspect.get("Config") or {}
    host = inspect.get("HostConfig") or {}
    return dict(
        entrypoint=list(config["Entrypoint"]) if config.get("Entrypoint") else None,
        user=config.get("User") or None,
        working_dir=config.get("WorkingDir") or None,
        capabilities=engine_capabilities(host.get("CapAdd")),
        cap_drop=engine_capabilities(host.get("CapDrop")),
        privileged=bool(host.get("Privileged")),
        sysctls=dict(host.get("Sysctls") or {}),
        devices=sorted("%s:%s:%s" % (d.get("PathOnHost"), d.get("PathInContainer"), d.get("CgroupPermissions"))
                       for d in host.get("Devices") or []),
        volumes=sorted(engine_volume(bind) for bind in host.get("Binds") or []),
        tmpfs=dict(host.get("Tmpfs") or {}),
        memory=host.get("Memory") or 0,
        cpus=host.get("NanoCpus") or 0,
        dns=list(host.get("Dns") or []),
        dns_search=list(host.get("DnsSearch") or []),
        healthcheck=health_from_engine(config.get("Healthcheck")),
    )


def host_config_args(options: Mapping[str, Any]) -> dict:
    """The runtime options as arguments of the SDK's ``create_host_config``."""
    return dict(
        cap_add=options["capabilities"] or None,
        cap_drop=options["cap_drop"] or None,
        privileged=options["privileged"],
        sysctls=options["sysctls"] or None,
        devices=options["devices"] or None,
        binds=options["volumes"] or None,
        tmpfs=options["tmpfs"] or None,
        mem_limit=options["memory"] or None,
        nano_cpus=options["cpus"] or None,
        dns=options["dns"] or None,
        dns_search=options["dns_search"] or None,
    )


def create_args(options: Mapping[str, Any]) -> dict:
    """The runtime options as arguments of the SDK's ``create_container``."""
    return dict(entrypoint=options["entrypoint"], user=options["user"], working_dir=options["working_dir"],
                healthcheck=health_to_engine(options["healthcheck"]))
