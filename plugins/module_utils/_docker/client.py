# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one place where this collection makes a Docker SDK client.

Modules call :func:`docker_client` with their AnsibleModule; unit tests patch
:func:`make_docker_client`, the factory, which is the only line that talks to the SDK.
"""

from __future__ import annotations

import os
import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import docker
    from docker import errors as _sdk_errors

    # Re-exported for the modules, so that they need not import the SDK themselves.
    from docker.errors import APIError, DockerException, ImageNotFound, NotFound  # pylint: disable=unused-import
except ImportError:
    docker = None
    _sdk_errors = None
    DOCKER_IMPORT_ERROR: str | None = traceback.format_exc()

    class DockerException(Exception):  # type: ignore[no-redef]
        """Stand-in so that ``except`` clauses work without the SDK."""

    class APIError(DockerException):  # type: ignore[no-redef]
        """Stand-in so that ``except`` clauses work without the SDK."""

    class NotFound(APIError):  # type: ignore[no-redef]
        """Stand-in so that ``except`` clauses work without the SDK."""

    class ImageNotFound(NotFound):  # type: ignore[no-redef]
        """Stand-in so that ``except`` clauses work without the SDK."""
else:
    DOCKER_IMPORT_ERROR = None

# Everything an engine call can raise that is the engine's (or the way to it's) fault, timeouts
# included: the SDK's own errors, and requests' timeouts and connection errors, whose base class
# RequestException is an OSError (as are socket errors). Modules catch this tuple around every
# engine call and end in fail_json, never a traceback.
# (Read through getattr, so that linters that cannot import the SDK still see a tuple of classes.)
ENGINE_ERRORS = (getattr(_sdk_errors, "DockerException", DockerException), OSError)

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
DEFAULT_TIMEOUT = 60

# The options every Docker-talking module takes; documented once in
# plugins/doc_fragments/_docker.py.
DOCKER_COMMON_ARGUMENT_SPEC = dict(
    docker_host=dict(type="str", aliases=["docker_url"]),
    timeout=dict(type="int", default=DEFAULT_TIMEOUT),
)

ENGINE_START_HINT = (
    "Start a Docker engine on that host (with systemd: 'systemctl start docker'; without it: "
    "'dockerd >/var/log/dockerd.log 2>&1 &', or run the role labnet.docker.docker_engine), "
    "or point docker_host (or DOCKER_HOST) at an engine that runs."
)


def resolve_docker_host(docker_host: str | None) -> str:
    """The engine address to use: the option, else ``DOCKER_HOST``, else the local socket."""
    return docker_host or os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST


def make_docker_client(base_url: str, timeout: int):
    """Factory for the SDK client: the seam that unit tests patch."""
    return docker.DockerClient(base_url=base_url, version="auto", timeout=timeout)


class EngineUnreachable(Exception):
    """No engine answered at the address the task asked for."""


def connect(docker_host: str | None = None, timeout: int = DEFAULT_TIMEOUT):
    """Return a client that has answered a ping, or raise :class:`EngineUnreachable`."""
    base_url = resolve_docker_host(docker_host)
    try:
        client = make_docker_client(base_url, timeout)
        client.ping()
    # pylint infers no names through a tuple constant whose members have fallback classes, and
    # calls them non-exceptions (every pylint from 3.0 to 4.0); all three are exception classes.
    except ENGINE_ERRORS as exc:
        raise EngineUnreachable(
            "Could not reach the Docker engine at %s: %s. %s" % (base_url, exc, ENGINE_START_HINT)
        ) from exc
    return client


def require_docker_sdk(module) -> None:
    """Fail the task, the Ansible way, when the Docker SDK for Python is missing."""
    if docker is None:
        module.fail_json(
            msg=missing_required_lib("docker (the Docker SDK for Python, version 7 or later)"),
            exception=DOCKER_IMPORT_ERROR,
        )


def docker_client(module):
    """The client for a module's ``docker_host`` and ``timeout`` options; fails the task cleanly."""
    require_docker_sdk(module)
    try:
        return connect(module.params.get("docker_host"), module.params.get("timeout") or DEFAULT_TIMEOUT)
    except EngineUnreachable as exc:
        module.fail_json(msg=str(exc))
    return None  # not reached: fail_json exits


def api_error_text(exc: Exception) -> str:
    """The engine's own message of an SDK error, without the HTTP noise."""
    explanation = getattr(exc, "explanation", None)
    if explanation:
        return explanation.decode() if isinstance(explanation, bytes) else str(explanation)
    return str(exc)
