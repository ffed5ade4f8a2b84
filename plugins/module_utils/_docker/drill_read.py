# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading a deployed lab into the plain snapshot that ``_docker/drill.py`` plans and inspects."""

from __future__ import annotations

from ansible_collections.labnet.docker.plugins.module_utils._docker.container_spec import LINK_TARGETS_LABEL
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import (
    IFF_PROMISC,
    IFF_UP,
    NetlinkError,
    make_iproute,
    netlink_error_text,
    require_pyroute2,
)
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.proc_sockets import find_proxies, read_processes

LAB_LABEL = "labnet.lab"


def parse_link_targets(value: str | None) -> dict:
    """The ``labnet.docker.link_targets`` label, ``name=shortid,...``, as a dict."""
    pairs = [part.partition("=") for part in (value or "").split(",") if "=" in part]
    return {name: short for name, _sep, short in pairs}


def parse_links(value: list | None) -> list[dict]:
    """``HostConfig.Links`` (``/web:/client/www``) as ``{target, alias}``."""
    links = []
    for link in value or []:
        target, _sep, path = link.partition(":")
        links.append(dict(target=target.lstrip("/"), alias=path.rsplit("/", 1)[-1]))
    return links


def container_snapshot(inspect: dict) -> dict:
    """One inspected container as the drill sees it."""
    ports = []
    for key, bindings in ((inspect.get("HostConfig") or {}).get("PortBindings") or {}).items():
        port, _sep, proto = key.partition("/")
        for binding in bindings or []:
            if str(binding.get("HostPort") or "").isdigit():
                ports.append(dict(host_port=int(binding["HostPort"]), container_port=int(port), proto=proto or "tcp"))
    networks = ((inspect.get("NetworkSettings") or {}).get("Networks") or {}).values()
    labels = (inspect.get("Config") or {}).get("Labels") or {}
    return dict(
        name=inspect["Name"].lstrip("/"), id=inspect["Id"], running=bool((inspect.get("State") or {}).get("Running")),
        ips=[n["IPAddress"] for n in networks if n.get("IPAddress")], ports=ports,
        links=parse_links((inspect.get("HostConfig") or {}).get("Links")),
        link_targets=parse_link_targets(labels.get(LINK_TARGETS_LABEL)), created=inspect.get("Created", ""),
    )


def read_containers(client, lab_name: str) -> list[dict]:
    """The lab's containers (by its label), inspected."""
    summaries = client.api.containers(all=True, filters={"label": "%s=%s" % (LAB_LABEL, lab_name)})
    found = [container_snapshot(client.api.inspect_container(s["Id"])) for s in summaries]
    return sorted(found, key=lambda c: c["name"])  # by name, so that a seed picks the same targets every time


RTPROT_KERNEL = 2
MAIN_TABLE = 254


def link_state(link) -> dict:
    """A link message's flags as the drill sees them."""
    return dict(up=bool(link["flags"] & IFF_UP), promisc=bool(link["flags"] & IFF_PROMISC))


def shim_routes(ipr, index: int) -> list[dict]:
    """The routes of the main table through the link ``index`` that someone added (the kernel's own left out)."""
    routes = []
    for msg in ipr.get_routes(oif=index, table=MAIN_TABLE):
        dst = msg.get_attr("RTA_DST")
        if msg["proto"] == RTPROT_KERNEL or dst is None or msg.get_attr("RTA_OIF") != index:
            continue
        routes.append(dict(dst="%s/%s" % (dst, msg["dst_len"]), protocol=msg["proto"]))
    return sorted(routes, key=lambda r: r["dst"])


def read_links(parents: list[str], shims: list[str]) -> tuple[dict, dict]:
    """Through netlink: ``{name: {up, promisc}}`` of the parents and shims that exist, and each shim's routes."""
    links: dict = {}
    routes: dict = {}
    with make_iproute() as ipr:
        for name in list(parents) + list(shims):
            indexes = ipr.link_lookup(ifname=name)
            if not indexes:
                continue
            links[name] = link_state(ipr.get_links(indexes[0])[0])
            if name in shims:
                routes[name] = shim_routes(ipr, indexes[0])
    return links, routes


def read_host(module, parents: list[str], shims: list[str]) -> dict:
    """The host's side of the lab: flags of its parents and shims, the shims' routes, the nat DOCKER chain, proxies."""
    require_pyroute2(module)
    try:
        links, routes = read_links(parents, shims)
    except NetlinkError as exc:
        module.fail_json(msg="Could not read the lab's NICs and shims (%s): %s. Nothing was changed."
                         % (", ".join(list(parents) + list(shims)), netlink_error_text(exc)))
    nat: list[str] = []
    iptables = module.get_bin_path("iptables")
    if iptables:
        rc, out, _err = module.run_command([iptables, "-w", "-t", "nat", "-S", "DOCKER"], environ_update={"LANG": "C"},
                                           expand_user_and_vars=False)
        nat = out.splitlines() if rc == 0 else []
    return dict(links=links, parents=list(parents), shims=routes, nat=nat, proxies=find_proxies(read_processes()))
