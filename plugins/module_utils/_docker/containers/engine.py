# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The engine reads of linked_containers: the snapshot that the plan is made from, and the pulls.

Every call goes through the SDK client the module made, with the task's ``timeout`` on each
request (pulls included). Errors are the callers' to catch (``ENGINE_ERRORS``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    ENGINE_ERRORS,
    DockerException,
    NotFound,
    api_error_text,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.records import ContainerSpec, Snapshot
from ansible_collections.labnet.docker.plugins.module_utils._docker.containers.spec import SetRefused, present


class ContainerFailed(Exception):
    """One container could not be converged; the message has the engine's words and the fix.

    ``outcome`` is what became of it: ``failed``, ``kept_old`` (its replacement failed, the old one
    is back) or ``untouched`` (nothing was done to it).
    """

    def __init__(self, message: str, outcome: str = "failed", doing: str | None = None):
        super().__init__(message)
        self.outcome = outcome
        self.doing = doing  # what was being done, when the message says only what went wrong


def failure_fix(engine_message: str) -> str:
    text = engine_message.lower()
    if "post_start" in text:
        return "Fix the command (post_start): it must exist in the image and succeed in the running container."
    if "health check" in text:
        return "Fix the health check or what it tests (healthcheck), or give the container longer (wait_timeout)."
    if "address already in use" in text or "port is already allocated" in text:
        return "Free that host port or publish the container on another one (published_ports)."
    if "executable file not found" in text or "no such file or directory" in text:
        return "Check the command: the program must exist in the image (command, image)."
    if "already in use" in text or "conflict" in text:
        return "Choose another address or name, or remove what holds it (networks[].ipv4_address, name)."
    if "timed out" in text or "timeout" in text:
        return "The engine did not answer within timeout seconds; check that it runs, or raise timeout."
    return "Fix the container's settings and run the task again."


def failure_text(name: str, doing: str, engine_message: str, removed: bool) -> str:
    text = "Container %r failed while %s: %s. %s" % (name, doing, engine_message.rstrip("."), failure_fix(engine_message))
    if removed:
        text += " The container this run created for %r was removed." % name
    return text


def error_text(exc: BaseException) -> str:
    if isinstance(exc, DockerException):
        return api_error_text(exc)
    return "%s: %s" % (type(exc).__name__, exc)


def inspect_or_none(api, kind: str, key: str):
    """``api.inspect_<kind>(key)``, or None when the engine has no such object."""
    try:
        return getattr(api, "inspect_" + kind)(key)
    except NotFound:
        return None


def read_networks_and_targets(api, containers: list[ContainerSpec], snapshot: Snapshot) -> None:
    names = {c["name"] for c in containers}
    for container in present(containers):
        for net in container["networks"]:
            if net["name"] not in snapshot.networks:
                info = inspect_or_none(api, "network", net["name"])
                snapshot.networks[net["name"]] = info
                if info and info.get("Name"):
                    snapshot.networks[info["Name"]] = info
        for target, _alias in container["links"]:
            if target not in names and target not in snapshot.outside:
                snapshot.outside[target] = inspect_or_none(api, "container", target)


def read_images(api, containers: list[ContainerSpec], snapshot: Snapshot) -> None:
    for container in present(containers):
        ref = container["image"] or ""
        if ref not in snapshot.images:
            snapshot.images[ref] = inspect_or_none(api, "image", ref)


def read_containers(api, containers: list[ContainerSpec], snapshot: Snapshot) -> None:
    for container in containers:
        snapshot.containers[container["name"]] = inspect_or_none(api, "container", container["name"])


def run_parallel(function, items: list, parallel: int) -> list:
    """``function(item)`` for each item, at most ``parallel`` at once; returns (item, error text) pairs."""
    if not items:
        return []

    def guarded(item):
        try:
            function(item)
            return item, None
        except ContainerFailed as exc:
            return item, str(exc)
        except DockerException as exc:
            return item, api_error_text(exc)
        except ENGINE_ERRORS as exc:  # requests' timeouts and connection errors are not DockerException
            return item, "%s: %s" % (type(exc).__name__, exc)

    with ThreadPoolExecutor(max_workers=min(parallel, len(items))) as pool:
        return list(pool.map(guarded, items))


def split_image_ref(ref: str) -> tuple[str, str | None]:
    """``repository, tag`` of an image reference; a digest stays in the repository part."""
    if "@" in ref:
        return ref, None
    repository, sep, tag = ref.rpartition(":")
    if sep and "/" not in tag:
        return repository, tag
    return ref, "latest"


def images_to_pull(containers: list[ContainerSpec], snapshot: Snapshot) -> list[str]:
    wanted: list[str] = []
    for container in present(containers):
        ref = container["image"] or ""
        if ref in wanted:
            continue
        if container["pull"] == "always" or (container["pull"] == "missing" and snapshot.images.get(ref) is None):
            wanted.append(ref)
    return wanted


def pull_images(api, containers: list[ContainerSpec], snapshot: Snapshot, parallel: int, check_mode: bool) -> list[str]:
    """Pull before the first container change, so that a failed pull leaves the set as it was.

    Returns the images that changed: the missing ones (in check mode, those that would be pulled)
    and, with pull always, those whose id the pull changed. ``snapshot.images`` is updated.
    """
    wanted = images_to_pull(containers, snapshot)
    if check_mode:
        return [ref for ref in wanted if snapshot.images.get(ref) is None]
    pulled: list[str] = []

    def pull(ref: str) -> None:
        before = (snapshot.images.get(ref) or {}).get("Id")
        repository, tag = split_image_ref(ref)
        api.pull(repository, tag=tag)
        info = api.inspect_image(ref)
        snapshot.images[ref] = info
        if info.get("Id") != before:
            pulled.append(ref)

    failures = [(ref, error) for ref, error in run_parallel(pull, wanted, parallel) if error]
    if failures:
        raise SetRefused(
            ["image %r could not be pulled: %s; make the image available to the engine (docker load, a registry "
             "mirror) or set pull: never for a local image" % (ref, error) for ref, error in failures]
        )
    return [ref for ref in wanted if ref in pulled]
