# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read the facts about the hops of failed lab checks, in the shape ``_labcheck/diagnosis.py`` takes.

Only read: container and network inspections (Engine API), the client's ``/etc/hosts`` (an exec,
for http checks only, which never run in check mode), host links, addresses and routes (netlink),
docker-proxy processes and listening sockets (``/proc``). A fact that cannot be read is left out,
and the diagnosis then skips that hop.
"""

from __future__ import annotations

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import ENGINE_ERRORS, NotFound
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import (
    IPRoute,
    NetlinkError,
    link_summary,
    make_iproute,
)
from ansible_collections.labnet.docker.plugins.module_utils._labcheck.diagnosis import Facts
from ansible_collections.labnet.docker.plugins.module_utils._portaudit.proc_sockets import read_proc


def container_facts(inspect: dict) -> dict:
    """State, addresses by network and link aliases of a container, from its inspection."""
    state = inspect.get("State") or {}
    status = "paused" if state.get("Paused") else "restarting" if state.get("Restarting") else state.get("Status")
    networks = (inspect.get("NetworkSettings") or {}).get("Networks") or {}
    links = {}
    for link in (inspect.get("HostConfig") or {}).get("Links") or []:
        target, alias = (link.split(":", 1) + [""])[:2]
        links[alias.rsplit("/", 1)[-1]] = target.lstrip("/")
    return dict(state=status, addresses={name: (net or {}).get("IPAddress") or None for name, net in networks.items()},
                links=links)


def network_facts(inspect: dict) -> dict:
    options = inspect.get("Options") or {}
    return dict(exists=True, driver=inspect.get("Driver"), parent=options.get("parent"),
                mode=options.get("macvlan_mode") or ("bridge" if inspect.get("Driver") == "macvlan" else None))


def hosts_address(text: str, name: str) -> str | None:
    """The address that an /etc/hosts text gives ``name``, or None."""
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) > 1 and name in words[1:]:
            return words[0]
    return None


def port_facts(proc: dict, port: int) -> dict:
    """The listener and the docker-proxy processes of a host port, from ``read_proc``."""
    listener = next((item for item in proc.get("listeners") or []
                     if item.get("port") == port and item.get("proto", "tcp") == "tcp"), None)
    proxies = [p.get("pid") for p in proc.get("proxies") or [] if p.get("host_port") == port]
    return dict(listener=dict(pid=listener.get("pid"), process=listener.get("process")) if listener else None,
                proxies=proxies)


class FactReader:
    """Reads each fact once, however many failed checks need it."""

    def __init__(self, api, exec_run):
        self.api = api
        self.exec_run = exec_run
        self.facts: Facts = dict(containers={}, networks={}, links={}, routes={}, hosts={}, ports={})
        self._proc: dict | None = None

    def container(self, name: str | None) -> None:
        if not name or name in self.facts["containers"]:
            return
        try:
            self.facts["containers"][name] = container_facts(self.api.inspect_container(name))
        except NotFound:
            self.facts["containers"][name] = dict(state="missing")
        except ENGINE_ERRORS:
            pass

    def network(self, name: str | None) -> None:
        if not name or name in self.facts["networks"]:
            return
        try:
            net = self.facts["networks"][name] = network_facts(self.api.inspect_network(name))
        except NotFound:
            self.facts["networks"][name] = dict(exists=False)
            return
        except ENGINE_ERRORS:
            return
        self.link(net.get("parent"))

    def link(self, ifname: str | None) -> None:
        if not ifname or ifname in self.facts["links"] or IPRoute is None:
            return
        try:
            with make_iproute() as ipr:
                indexes = ipr.link_lookup(ifname=ifname)
                if not indexes:
                    self.facts["links"][ifname] = dict(exists=False)
                    return
                summary = link_summary(ipr.get_links(indexes[0])[0])
                addresses = [a.get_attr("IFA_ADDRESS") for a in ipr.get_addr(index=indexes[0])]
        except (OSError, NetlinkError):  # the fact is left out
            return
        self.facts["links"][ifname] = dict(exists=True, up=summary["up"], promisc=summary["promisc"], addresses=addresses)

    def route(self, address: str | None) -> None:
        if not address or address in self.facts["routes"] or IPRoute is None:
            return
        try:
            with make_iproute() as ipr:
                found = ipr.route("get", dst=address)
                oif = found[0].get_attr("RTA_OIF") if found else None
                links = ipr.get_links(oif) if oif else []
                self.facts["routes"][address] = links[0].get_attr("IFLA_IFNAME") if links else ""
        except (OSError, NetlinkError):  # the fact is left out
            return

    def hosts_entry(self, container: str | None, name: str | None) -> None:
        if not container or not name or (self.facts["containers"].get(container) or {}).get("state") != "running":
            return
        result = self.exec_run(container, ["cat", "/etc/hosts"])
        if result.get("rc") == 0:
            self.facts["hosts"].setdefault(container, {})[name] = hosts_address(result.get("stdout") or "", name)

    def port(self, port) -> None:
        if port is None or port in self.facts["ports"]:
            return
        if self._proc is None:
            try:
                self._proc = read_proc()
            except OSError:
                return
        self.facts["ports"][port] = port_facts(self._proc, int(port))


def read_facts(reader: FactReader, check: dict, names: dict) -> None:
    """Read what the diagnosis of ``check`` needs into ``reader.facts``."""
    ctrs, nets = names.get("containers") or {}, names.get("networks") or {}
    reader.container(check.get("container"))
    reader.container(ctrs.get(check.get("target") or ""))
    if check.get("kind") == "route":
        reader.container(ctrs.get(check.get("via") or ""))
    reader.network(nets.get(check.get("network") or ""))
    if check.get("kind") == "host_ping":
        reader.link(check.get("via"))
        reader.route(check.get("address"))
    if check.get("kind") == "http":
        reader.hosts_entry(check.get("container"), check.get("url_host"))
        target = ((reader.facts["containers"].get(check.get("container")) or {}).get("links") or {}).get(check.get("url_host"))
        reader.container(target)
    if check.get("kind") == "port":
        reader.port(check.get("port"))
