# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One vocabulary: the lab planner and the modules accept and refuse the same things.

Each value goes once through the planner (inside a small topology) and once through the
module_utils validator that the modules use; the two verdicts must agree, and each list holds
values of both verdicts so that a validator that takes (or refuses) everything fails here.
"""

from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.filter.lab_plan import LabPlanError, lab_plan
from ansible_collections.labnet.docker.plugins.module_utils._docker.link_order import NAME_PATTERN, LinkSpecError, parse_link
from ansible_collections.labnet.docker.plugins.module_utils._docker.port_spec import PortSpecError, parse_published_port
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import MACVLAN_MODES
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.vlan_parent import ParentError, check_interface_name

NAMES = ["web", "web-1", "w1", "9lives", "a.b_c-d", "x" * 64,
         "w", "-web", "_web", ".web", "we b", "web/x", "web:x", "wéb", "", None, 7]
LINKS = ["web", "web:www", "web:w", "/web:www", " web:www ", "web:www.lab", "web:9",
         "web:", ":www", "web:www:x", "web:bad alias", "web:-x", "", "/", None, 42]
PORTS = ["80", 80, "8080:80", "8080:80/udp", "80/sctp", "127.0.0.1:8080:80", "[::1]:8080:80", "127.0.0.1::80",
         "8000-8001:80-81", "0.0.0.0:8080:80/TCP",
         "0", "65536", "8080:80/icmp", "8000-8002:80-81", "81-80", "a:b", "1.2.3:8080:80", "::1:8080:80",
         "[::1]8080:80", "", True, None, 8.5]
IFNAMES = ["eth1", "a", "eth0.50", "br-x", "x" * 15, "e@x", "veth+1",
           "", "x" * 16, "eth 0", "eth/0", "eth:0", ".", "..", "eth\t0", None, 3]
MODES = ["bridge", "private", "vepa", "passthru", "source", "l2", "Bridge", ""]


def planner_accepts(topology: dict) -> bool:
    try:
        lab_plan(topology, "labnet", ["localhost"])
    except LabPlanError:
        return False
    return True


def module_accepts(check, value) -> bool:
    try:
        check(value)
    except (LinkSpecError, PortSpecError, ParentError):
        return False
    return True


def network(**extra) -> dict:
    return dict({"name": "lan", "subnet": "10.9.0.0/24", "parent": "eth1"}, **extra)


def both_verdicts(values, accepts) -> None:
    verdicts = {accepts(value) for value in values}
    assert verdicts == {True, False}, "the list needs values that are taken and values that are refused"


@pytest.mark.parametrize("name", NAMES)
def test_container_names(name):
    planner = planner_accepts({"containers": [{"name": name}]})
    module = bool(isinstance(name, str) and NAME_PATTERN.match(name))
    assert planner == module, "planner %s, modules %s" % (planner, module)


@pytest.mark.parametrize("name", NAMES)
def test_network_names(name):
    planner = planner_accepts({"networks": [network(name=name)]})
    module = bool(isinstance(name, str) and NAME_PATTERN.match(name))
    assert planner == module, "planner %s, modules %s" % (planner, module)


@pytest.mark.parametrize("link", LINKS)
def test_links(link):
    planner = planner_accepts({"containers": [{"name": "web"}, {"name": "client", "links": [link]}]})
    module = module_accepts(parse_link, link)
    assert planner == module, "planner %s, modules %s" % (planner, module)


@pytest.mark.parametrize("port", PORTS)
def test_published_ports(port):
    planner = planner_accepts({"containers": [{"name": "web", "published_ports": [port]}]})
    module = module_accepts(parse_published_port, port)
    assert planner == module, "planner %s, modules %s" % (planner, module)


@pytest.mark.parametrize("name", IFNAMES)
def test_interface_names(name):
    planner_parent = planner_accepts({"networks": [network(parent=name)]})
    planner_shim = planner_accepts({"networks": [network(shim={"name": name})]})
    module = module_accepts(lambda value: check_interface_name("parent", value), name)
    assert planner_parent == planner_shim == module, (planner_parent, planner_shim, module)


@pytest.mark.parametrize("mode", MODES)
def test_macvlan_modes(mode):
    assert planner_accepts({"networks": [network(mode=mode)]}) == (mode in MACVLAN_MODES)


def test_each_list_holds_both_verdicts():
    both_verdicts(NAMES, lambda v: bool(isinstance(v, str) and NAME_PATTERN.match(v)))
    both_verdicts(LINKS, lambda v: module_accepts(parse_link, v))
    both_verdicts(PORTS, lambda v: module_accepts(parse_published_port, v))
    both_verdicts(IFNAMES, lambda v: module_accepts(lambda x: check_interface_name("parent", x), v))
    both_verdicts(MODES, lambda v: v in MACVLAN_MODES)


def test_planned_probe_matches_the_parsed_port():
    """The port check probes the first host port of the binding, as parse_published_port reads it."""
    topology = {"containers": [{"name": "web", "published_ports": ["[::1]:8000-8001:80-81", "0.0.0.0:9090:90", "91"]}]}
    checks = [c for c in lab_plan(topology, "labnet", ["localhost"])["checks"] if c["kind"] == "port"]
    assert [(c["address"], c["port"]) for c in checks] == [("::1", 8000), ("127.0.0.1", 9090)]
