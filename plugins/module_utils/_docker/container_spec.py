# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A container's settings as plain data: the wanted spec, the current spec, their differences.

Both specs have the same keys (:data:`COMPARED_FIELDS`) and the same normal form, so that two
containers that behave the same compare equal: lists whose order means nothing are sorted,
``80`` and ``80/tcp`` are one port, the engine's defaults (its own short-id host name and alias,
the image's environment and labels) are accounted for on both sides.
"""

from __future__ import annotations

from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import binding_text, bindings_from_engine
from ansible_collections.labnet.docker.plugins.module_utils._docker.runtime_options import (
    RUNTIME_FIELDS,
    current_runtime,
    wanted_runtime,
)

DEFAULT_BRIDGE = "bridge"

# A container that links to others carries the ids of its link targets in this label, so that a
# target recreated behind this module's back (or by an earlier run that failed) is noticed.
LINK_TARGETS_LABEL = "labnet.docker.link_targets"

COMPARED_FIELDS = (
    "image",
    "command",
    "env",
    "hostname",
    "networks",
    "links",
    "published_ports",
    "restart_policy",
    "labels",
    "etc_hosts",
) + RUNTIME_FIELDS


def short_id(container_id: str | None) -> str:
    return (container_id or "")[:12]


def env_dict(env_list) -> dict:
    """``["K=V", ...]`` as a dict."""
    result = {}
    for item in env_list or []:
        key, _sep, value = item.partition("=")
        result[key] = value
    return result


def link_targets_label(target_ids: dict) -> str:
    """The label value: ``name=shortid`` per link target, sorted."""
    return ",".join("%s=%s" % (name, short_id(target_ids[name])) for name in sorted(target_ids))


def _aliases(aliases, hidden) -> list:
    return sorted(set(aliases or []) - set(hidden))


def wanted_spec(container: dict, image: dict, links_by_network: dict, link_target_ids: dict) -> dict:
    """The spec a container should have.

    ``container`` holds the module's normalised options of one container (``labels`` already merged
    with the task's), ``image`` the image's inspect data, ``links_by_network`` the
    ``target:alias`` links per network, ``link_target_ids`` the id of each link target.
    """
    image_config = image.get("Config") or {}
    env = env_dict(image_config.get("Env"))
    env.update(container["env"])
    labels = dict(image_config.get("Labels") or {})
    labels.update(container["labels"])
    if link_target_ids:
        labels[LINK_TARGETS_LABEL] = link_targets_label(link_target_ids)
    hidden = [container["name"], container.get("hostname")]
    networks = {
        net["name"]: {"ipv4_address": net.get("ipv4_address") or None, "ipv6_address": net.get("ipv6_address") or None,
                      "mac_address": net.get("mac_address") or None, "aliases": _aliases(net.get("aliases"), hidden)}
        for net in container["networks"]
    }
    command = container["command"]
    if command is None and container.get("entrypoint") is None:
        command = image_config.get("Cmd")  # the engine drops the image's command when the entrypoint is set
    return dict(
        image=image.get("Id"),
        command=list(command) if command else None,
        env=env,
        hostname=container.get("hostname") or None,
        networks=networks,
        links={net: sorted(links) for net, links in links_by_network.items() if links},
        published_ports=sorted({binding_text(b) for b in container["published_ports"]}),
        restart_policy=container["restart_policy"],
        labels=labels,
        etc_hosts=dict(container["etc_hosts"]),
        **wanted_runtime(container, image_config),
    )


def legacy_link(entry: str) -> str:
    """``/web:/client/alias`` (``HostConfig.Links``) as ``web:alias``."""
    target, _sep, path = entry.partition(":")
    return "%s:%s" % (target.lstrip("/"), path.rsplit("/", 1)[-1])


def current_spec(inspect: dict) -> dict:
    """The spec of an inspected container, in the same normal form as :func:`wanted_spec`."""
    config = inspect.get("Config") or {}
    host_config = inspect.get("HostConfig") or {}
    own_id = short_id(inspect.get("Id") or "")
    name = (inspect.get("Name") or "").lstrip("/")
    # The engine adds the container's host name (by default its short id) as an alias on each
    # user-defined network; newer engines add the name as well.
    hidden = [own_id, name, config.get("Hostname")]
    networks = {}
    links = {}
    for net_name, endpoint in ((inspect.get("NetworkSettings") or {}).get("Networks") or {}).items():
        ipam = endpoint.get("IPAMConfig") or {}
        networks[net_name] = {"ipv4_address": ipam.get("IPv4Address") or None, "ipv6_address": ipam.get("IPv6Address") or None,
                              "mac_address": (endpoint.get("MacAddress") or "").lower() or None,
                              "aliases": _aliases(endpoint.get("Aliases"), hidden)}
        if endpoint.get("Links"):
            links[net_name] = sorted(endpoint["Links"])
    if host_config.get("Links"):
        links[DEFAULT_BRIDGE] = sorted(legacy_link(entry) for entry in host_config["Links"])
    hostname = config.get("Hostname") or None
    if hostname == own_id:
        hostname = None
    extra_hosts = {}
    for entry in host_config.get("ExtraHosts") or []:
        host, _sep, address = entry.partition(":")
        extra_hosts[host] = address
    return dict(
        image=inspect.get("Image"),
        command=list(config["Cmd"]) if config.get("Cmd") else None,
        env=env_dict(config.get("Env")),
        hostname=hostname,
        networks=networks,
        links=links,
        published_ports=sorted({binding_text(b) for b in bindings_from_engine(host_config.get("PortBindings"))}),
        restart_policy=(host_config.get("RestartPolicy") or {}).get("Name") or "no",
        labels=dict(config.get("Labels") or {}),
        etc_hosts=extra_hosts,
        **current_runtime(inspect),
    )


def without_engine_choices(wanted: dict, current: dict) -> dict:
    """``current`` without what the engine chose where nothing was asked: the MAC of a network without mac_address."""
    networks = {}
    for name, endpoint in (current.get("networks") or {}).items():
        want = (wanted.get("networks") or {}).get(name)
        networks[name] = dict(endpoint, mac_address=None) if want is None or not want.get("mac_address") else endpoint
    return dict(current, networks=networks)


def spec_differences(wanted: dict, current: dict) -> list:
    """The fields, in :data:`COMPARED_FIELDS` order, whose wanted and current values differ."""
    return [field for field in COMPARED_FIELDS if wanted.get(field) != current.get(field)]
