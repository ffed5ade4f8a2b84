# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read a hand-typed lab back into the lab role's ``lab_topology``.

Plain functions over inspect data (``docker inspect``, ``docker network inspect``, ``docker image
inspect``), so that they are tested without a daemon. What the topology cannot say is returned as
``unsupported`` entries (object, name, what, reason), never dropped.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.labnet.docker.plugins.module_utils._docker.container_spec import current_spec, env_dict
from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import ANY_IPV4, PortBinding, bindings_from_engine
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import DEFAULT_MACVLAN_MODE, MACVLAN_MODES

DEFAULT_BRIDGE = "bridge"
# Labels the lab role sets itself (labnet.lab, link targets): not the user's, so not read back.
OWN_LABEL_PREFIX = "labnet."

# HostConfig settings the topology has no field for: key -> (what, reason). A setting is reported
# when its value is not the engine's default (empty, false, zero).
HOST_CONFIG_UNSUPPORTED = {
    "CapAdd": ("cap_add", "the lab topology has no capabilities"),
    "CapDrop": ("cap_drop", "the lab topology has no capabilities"),
    "Privileged": ("privileged", "the lab topology runs no privileged containers"),
    "Devices": ("devices", "the lab topology passes no devices"),
    "Dns": ("dns", "the lab topology sets no DNS servers"),
    "DnsSearch": ("dns_search", "the lab topology sets no DNS search domains"),
    "ExtraHosts": ("extra_hosts", "the lab writes /etc/hosts entries only for links across hosts"),
    "Tmpfs": ("tmpfs", "the lab topology has no tmpfs mounts"),
    "SecurityOpt": ("security_opt", "the lab topology has no security options"),
    "Sysctls": ("sysctls", "the lab topology sets no sysctls"),
    "Memory": ("memory", "the lab topology sets no resource limits"),
    "NanoCpus": ("cpus", "the lab topology sets no resource limits"),
    "CpuShares": ("cpu_shares", "the lab topology sets no resource limits"),
    "PidMode": ("pid", "the lab topology shares no namespaces"),
    "IpcMode": ("ipc", "the lab topology shares no namespaces"),
    "Init": ("init", "the lab topology runs no init process"),
    "ReadonlyRootfs": ("read_only", "the lab topology has no read-only containers"),
}
# Config settings compared with the image's own.
CONFIG_UNSUPPORTED = {
    "Entrypoint": ("entrypoint", "the lab topology uses the image's entrypoint"),
    "User": ("user", "the lab topology runs as the image's user"),
    "WorkingDir": ("working_dir", "the lab topology uses the image's working directory"),
}
# Network options the macvlan driver takes that the topology says itself.
NETWORK_OPTIONS = ("parent", "macvlan_mode")
# Namespaced IPC modes the engine sets by default.
DEFAULT_IPC = ("", "private", "shareable")


def _note(kind: str, name: str, what: str, reason: str) -> dict:
    return dict(object=kind, name=name, what=what, reason=reason)


def lab_name_of(docker_name: str, lab_name: str | None) -> str:
    """The topology name of a Docker object: ``<lab_name>-`` removed when it starts so."""
    prefix = "%s-" % lab_name if lab_name else ""
    if prefix and docker_name.startswith(prefix) and len(docker_name) > len(prefix):
        return docker_name[len(prefix):]
    return docker_name


def _prefix_note(kind: str, docker_name: str, lab_name: str | None) -> list:
    if lab_name and lab_name_of(docker_name, lab_name) == docker_name:
        return [_note(kind, docker_name, "name", "the name does not start with %s-, so the lab role would make "
                      "%s-%s beside it; rename it or deploy it under another lab_name" % (lab_name, lab_name, docker_name))]
    return []


def network_entry(inspect: dict, lab_name: str | None = None) -> tuple[dict | None, list]:
    """A macvlan network's ``lab_topology.networks`` entry, or None, and what it cannot say."""
    docker_name = inspect.get("Name") or ""
    name = lab_name_of(docker_name, lab_name)
    driver = inspect.get("Driver")
    if driver != "macvlan":
        return None, [_note("network", docker_name, "driver", "a %s network; the lab role makes macvlan networks only "
                            "(containers keep it by name, as an existing network)" % driver)]
    notes = _prefix_note("network", docker_name, lab_name)
    configs = [c for c in ((inspect.get("IPAM") or {}).get("Config") or []) if ":" not in (c.get("Subnet") or "")]
    if len(configs) != 1:
        return None, notes + [_note("network", docker_name, "subnet", "%d IPv4 subnets; the lab role makes networks with one" % len(configs))]
    config = configs[0]
    options = dict(inspect.get("Options") or {})
    entry: dict[str, Any] = dict(name=name, subnet=config["Subnet"], parent=options.get("parent"))
    if config.get("Gateway"):
        entry["gateway"] = config["Gateway"]
    entry["ip_range"] = config.get("IPRange") or "none"
    if config.get("AuxiliaryAddresses"):
        entry["aux_addresses"] = dict(config["AuxiliaryAddresses"])
    mode = options.get("macvlan_mode") or DEFAULT_MACVLAN_MODE
    if mode not in MACVLAN_MODES:
        notes.append(_note("network", docker_name, "mode", "macvlan mode %r is not one of %s" % (mode, ", ".join(MACVLAN_MODES))))
    entry["mode"] = mode
    if not entry["parent"]:
        notes.append(_note("network", docker_name, "parent", "no parent NIC (a dummy link of the engine's); give one"))
    for key in sorted(set(options) - set(NETWORK_OPTIONS)):
        notes.append(_note("network", docker_name, "options.%s" % key, "the lab role sets no other driver options"))
    if inspect.get("EnableIPv6"):
        notes.append(_note("network", docker_name, "ipv6", "the lab plans IPv4 only"))
    if inspect.get("Internal"):
        notes.append(_note("network", docker_name, "internal", "the lab role makes no internal networks"))
    labels = {k: v for k, v in (inspect.get("Labels") or {}).items() if not k.startswith(OWN_LABEL_PREFIX)}
    if labels:
        notes.append(_note("network", docker_name, "labels", "the lab topology has no network labels (%s)" % ", ".join(sorted(labels))))
    return entry, notes


def port_text(binding: PortBinding) -> str:
    """A binding in the role's port syntax, as short as it is typed: ``8080:80``, ``127.0.0.1:8080:80/udp``."""
    text = "" if binding.host_port is None else "%d:" % binding.host_port
    text += str(binding.container_port)
    if binding.host_ip != ANY_IPV4:
        host_ip = "[%s]" % binding.host_ip if ":" in binding.host_ip else binding.host_ip
        text = "%s:%s" % (host_ip, text if binding.host_port is not None else ":" + text)
    if binding.protocol != "tcp":
        text += "/" + binding.protocol
    return text


def _unset(value) -> bool:
    return value in (None, "", 0, False, [], {})


def _runtime_notes(inspect: dict, image_config: dict) -> list:
    name = (inspect.get("Name") or "").lstrip("/")
    host_config = inspect.get("HostConfig") or {}
    config = inspect.get("Config") or {}
    notes = []
    for key, (what, reason) in HOST_CONFIG_UNSUPPORTED.items():
        value = host_config.get(key)
        if key == "IpcMode" and value in DEFAULT_IPC:
            continue
        if not _unset(value):
            notes.append(_note("container", name, what, "%s (%s)" % (reason, value)))
    mounts = ["%s:%s" % (m.get("Name") or m.get("Source") or "", m.get("Destination")) for m in inspect.get("Mounts") or []]
    if mounts:
        notes.append(_note("container", name, "volumes", "the lab topology has no volumes (%s)" % ", ".join(sorted(mounts))))
    for key, (what, reason) in CONFIG_UNSUPPORTED.items():
        if (config.get(key) or None) != (image_config.get(key) or None):
            notes.append(_note("container", name, what, "%s (%s)" % (reason, config.get(key))))
    retries = (host_config.get("RestartPolicy") or {}).get("MaximumRetryCount")
    if retries:
        notes.append(_note("container", name, "restart_policy", "the lab topology has no retry count (%s)" % retries))
    state = (inspect.get("State") or {}).get("Status")
    if state and state != "running":
        notes.append(_note("container", name, "state", "the container is %s; the lab runs every container" % state))
    return notes


def _links(spec: dict, lab_name: str | None) -> list:
    """Every link of the container, on any network, as ``target:alias`` (``target`` in topology names)."""
    found = set()
    for links in spec["links"].values():
        for link in links:
            target, _sep, alias = link.partition(":")
            target = target.lstrip("/")
            found.add("%s:%s" % (lab_name_of(target, lab_name), alias or lab_name_of(target, lab_name)))
    return sorted(found)


def _attachments(inspect: dict, spec: dict, macvlans: set, lab_name: str | None) -> tuple[list, list]:
    """The container's ``networks`` entries, and what they cannot say."""
    name = (inspect.get("Name") or "").lstrip("/")
    network_mode = (inspect.get("HostConfig") or {}).get("NetworkMode") or ""
    if network_mode in ("host", "none") or network_mode.startswith("container:"):
        return [], [_note("container", name, "network_mode", "network mode %s; lab containers have their own network stack" % network_mode)]
    entries, notes = [], []
    for net_name, endpoint in spec["networks"].items():
        if net_name == DEFAULT_BRIDGE:
            if len(spec["networks"]) > 1:
                notes.append(_note("container", name, "networks.bridge", "the lab attaches the default bridge only to "
                                   "containers that name no network; this one is on other networks too"))
            continue
        entry: dict[str, Any] = dict(name=lab_name_of(net_name, lab_name) if net_name in macvlans else net_name)
        address = endpoint.get("ipv4_address")
        if address and net_name in macvlans:
            entry["ipv4_address"] = address
        elif address:
            notes.append(_note("container", name, "networks.%s.ipv4_address" % net_name,
                               "the lab plans addresses only on its own networks (%s)" % address))
        # current_spec has left out the aliases the engine adds itself (short id, name, host name).
        if endpoint.get("aliases"):
            entry["aliases"] = list(endpoint["aliases"])
        entries.append(entry)
    return entries, notes


def container_entry(inspect: dict, image: dict, macvlans: set, lab_name: str | None = None) -> tuple[dict, list]:
    """A container's ``lab_topology.containers`` entry and what it cannot say.

    ``image`` is the image's inspect data (for the command and environment it brings), ``macvlans``
    the names of the networks that the topology holds (Docker names).
    """
    docker_name = (inspect.get("Name") or "").lstrip("/")
    config = inspect.get("Config") or {}
    image_config = image.get("Config") or {}
    spec = current_spec(inspect)
    entry: dict[str, Any] = dict(name=lab_name_of(docker_name, lab_name), image=config.get("Image") or inspect.get("Image"))
    if spec["command"] and spec["command"] != (image_config.get("Cmd") or None):
        entry["command"] = spec["command"]
    image_env = env_dict(image_config.get("Env"))
    env = {k: v for k, v in spec["env"].items() if image_env.get(k) != v}
    if env:
        entry["env"] = env
    notes = _prefix_note("container", docker_name, lab_name)
    dropped = sorted(set(image_env) - set(spec["env"]))
    if dropped:
        notes.append(_note("container", docker_name, "env", "the image's variables %s are unset; the topology can only add" % ", ".join(dropped)))
    if spec["hostname"]:
        entry["hostname"] = spec["hostname"]
    else:
        notes.append(_note("container", docker_name, "hostname", "the engine's default (the short id); the lab role names "
                           "the host after the container, %s" % entry["name"]))
    networks, more = _attachments(inspect, spec, macvlans, lab_name)
    notes += more
    if networks:
        entry["networks"] = networks
    links = _links(spec, lab_name)
    if links:
        entry["links"] = links
    ports = sorted(port_text(b) for b in bindings_from_engine((inspect.get("HostConfig") or {}).get("PortBindings")))
    if ports:
        entry["published_ports"] = ports
    entry["restart_policy"] = spec["restart_policy"]
    image_labels = image_config.get("Labels") or {}
    labels = {k: v for k, v in spec["labels"].items() if image_labels.get(k) != v and not k.startswith(OWN_LABEL_PREFIX)}
    if labels:
        entry["labels"] = labels
    return entry, notes + _runtime_notes(inspect, image_config)


def networks_of(containers: list) -> list:
    """The names of the networks the containers are attached to, in order of first use."""
    names: list = []
    for inspect in containers:
        for net_name in ((inspect.get("NetworkSettings") or {}).get("Networks") or {}):
            if net_name not in names and net_name != DEFAULT_BRIDGE:
                names.append(net_name)
    return names


def read_topology(containers: list, images: dict, networks: list, lab_name: str | None = None) -> dict:
    """``{"topology": {...}, "unsupported": [...]}`` from inspect data.

    ``containers`` and ``networks`` are inspect dicts; ``images`` maps each container's image id to
    the image's inspect dict (an empty dict for an image that is gone).
    """
    unsupported: list = []
    topo_networks, macvlans = [], set()
    for inspect in networks:
        entry, notes = network_entry(inspect, lab_name)
        unsupported += notes
        if entry is not None:
            topo_networks.append(entry)
            macvlans.add(inspect.get("Name"))
    topo_containers = []
    for inspect in containers:
        entry, notes = container_entry(inspect, images.get(inspect.get("Image")) or {}, macvlans, lab_name)
        unsupported += notes
        topo_containers.append(entry)
    names = {c["name"] for c in topo_containers}
    for ctr in topo_containers:
        for link in ctr.get("links", []):
            if link.partition(":")[0] not in names:
                unsupported.append(_note("container", ctr["name"], "links", "link target %s is not adopted; "
                                         "adopt it too, or the lab planner refuses the link" % link.partition(":")[0]))
    return dict(topology=dict(networks=topo_networks, containers=topo_containers), unsupported=unsupported)
