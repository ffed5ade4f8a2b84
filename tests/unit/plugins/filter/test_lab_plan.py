# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import copy
import ipaddress
import itertools

import pytest

from ansible_collections.labnet.docker.plugins.filter.lab_plan import (
    FilterModule,
    LabPlanError,
    carve_ip_ranges,
    lab_absent_containers,
    lab_container_ids,
    lab_plan,
)

SLEEP = ["/bin/sh", "-c", "sleep 1000"]

# The role's default topology (roles/lab/defaults/main.yml), with its variables filled in.
TUTORIAL = {
    "networks": [{
        "name": "lan", "subnet": "172.31.250.0/24", "parent": "labnet-nic", "create_parent": True,
        "ip_range": "auto", "shim": {"name": "labnet-shm", "address": "auto"},
    }],
    "containers": [
        {"name": "alpha", "command": SLEEP, "networks": [{"name": "lan", "ipv4_address": 10}]},
        {"name": "beta", "command": SLEEP, "networks": [{"name": "lan", "ipv4_address": 11}]},
        {"name": "web", "command": "/bin/labnet-web", "published_ports": ["8080:80"]},
        {"name": "client", "command": SLEEP, "links": ["web:www"]},
    ],
    "checks": {
        "ping": [["alpha", "beta"], ["beta", "alpha"]],
        "http": [{"from": "client", "url": "http://www/", "expect": "labnet box web"}],
        "host_ping": True, "ports": "auto", "port_forward": True,
    },
}

FLEET = {
    "networks": [{"name": "lan", "subnet": "10.77.0.0/24", "parent": {"h1": "eth1", "h2": "eth1", "h3": "enp2s0"},
                  "shim": {"name": "lan-shim"}}],
    "containers": [
        {"name": "web", "host": "h1", "command": "/bin/labnet-web",
         "networks": [{"name": "lan", "ipv4_address": "10.77.0.10"}], "published_ports": ["8080:80"]},
        {"name": "client", "host": "h2", "networks": ["lan"], "links": ["web:www"]},
        {"name": "probe", "host": "h3", "networks": ["lan"]},
        {"name": "local", "host": "h1", "links": ["web"]},
    ],
    "checks": {"ping": [["client", "web"], {"from": "probe", "to": "client"}]},
}


def plan(topology=None, hosts=("localhost",), name="labnet"):
    return lab_plan(copy.deepcopy(topology if topology is not None else TUTORIAL), name, list(hosts))


def container(result, host, docker_name):
    return next(c for c in result["hosts"][host]["containers"] if c["name"] == docker_name)


# -- ip_range carving --------------------------------------------------------------------------

@pytest.mark.parametrize("hosts, fixed, expected", [
    (["a"], ["10.0.0.1"], {"a": "10.0.0.128/25"}),
    (["a", "b"], ["10.0.0.1"], {"a": "10.0.0.64/26", "b": "10.0.0.128/26"}),
    (["a", "b", "c"], ["10.0.0.1", "10.0.0.10"], {"a": "10.0.0.64/26", "b": "10.0.0.128/26", "c": "10.0.0.192/26"}),
    (["a", "b", "c", "d"], ["10.0.0.1"], {"a": "10.0.0.32/27", "b": "10.0.0.64/27", "c": "10.0.0.96/27", "d": "10.0.0.128/27"}),
    # A static address in the upper half pushes the single host's block down a level.
    (["a"], ["10.0.0.1", "10.0.0.200"], {"a": "10.0.0.64/26"}),
])
def test_carve_ip_ranges(hosts, fixed, expected):
    assert carve_ip_ranges("10.0.0.0/24", hosts, fixed) == expected


@pytest.mark.parametrize("count", range(1, 9))
def test_carved_ranges_are_disjoint_free_of_fixed_addresses_and_deterministic(count):
    hosts = ["h%d" % i for i in range(count)]
    fixed = ["10.1.0.1", "10.1.0.17", "10.1.0.99"]
    ranges = carve_ip_ranges("10.1.0.0/24", hosts, fixed)
    blocks = [ipaddress.ip_network(r) for r in ranges.values()]
    assert list(ranges) == hosts
    for a, b in itertools.combinations(blocks, 2):
        assert not a.overlaps(b)
    for block in blocks:
        assert block.subnet_of(ipaddress.ip_network("10.1.0.0/24"))
        assert not any(ipaddress.ip_address(f) in block for f in fixed)
    assert carve_ip_ranges("10.1.0.0/24", hosts, fixed) == ranges


def test_carve_with_a_fixed_block_size_keeps_earlier_hosts_in_place():
    two = carve_ip_ranges("10.0.0.0/24", ["a", "b"], ["10.0.0.1"], prefix=27)
    four = carve_ip_ranges("10.0.0.0/24", ["a", "b", "c", "d"], ["10.0.0.1"], prefix=27)
    assert two == {"a": "10.0.0.32/27", "b": "10.0.0.64/27"}
    assert {h: four[h] for h in two} == two


def test_carve_refuses_what_does_not_fit():
    with pytest.raises(LabPlanError, match="cannot carve 3 disjoint range"):
        carve_ip_ranges("10.0.0.0/28", ["a", "b", "c"], ["10.0.0.1", "10.0.0.9"])
    with pytest.raises(LabPlanError, match="ip_range_prefix=24 does not fit"):
        carve_ip_ranges("10.0.0.0/24", ["a"], [], prefix=24)


# -- the tutorial's lab ------------------------------------------------------------------------

def test_tutorial_lab_plan():
    result = plan()
    assert result["name"] == "labnet"
    assert result["label"] == {"labnet.lab": "labnet"}
    (net,) = result["hosts"]["localhost"]["networks"]
    assert net == {
        "name": "lan", "docker_name": "labnet-lan", "parent": "labnet-nic", "create_parent": True,
        "parent_peer": "labnet-nicp", "subnet": "172.31.250.0/24", "gateway": "172.31.250.1",
        "ip_range": "172.31.250.128/25", "aux_addresses": {}, "mode": "bridge", "labels": {"labnet.lab": "labnet"},
        "shim": {"name": "labnet-shm", "address": "172.31.250.127/32",
                 "routes": ["172.31.250.128/25", "172.31.250.10/32", "172.31.250.11/32"]},
        "driver": "macvlan", "internal": False, "subnet_v6": None, "gateway_v6": None, "underlay": None,
    }
    specs = result["hosts"]["localhost"]["containers"]
    assert [c["name"] for c in specs] == ["labnet-alpha", "labnet-beta", "labnet-web", "labnet-client"]
    alpha = container(result, "localhost", "labnet-alpha")
    assert alpha["networks"] == [{"name": "labnet-lan", "ipv4_address": "172.31.250.10"}]
    assert alpha["labels"] == {"labnet.lab": "labnet", "labnet.lab.container": "alpha"}
    assert alpha["hostname"] == "alpha"
    client = container(result, "localhost", "labnet-client")
    assert client["links"] == ["labnet-web:www"]
    assert "etc_hosts" not in client
    web = container(result, "localhost", "labnet-web")
    assert web["published_ports"] == ["8080:80"] and web["networks"] == [] and web["command"] == "/bin/labnet-web"
    kinds = [c["kind"] for c in result["checks"]]
    assert kinds == ["ping", "ping", "http", "host_ping", "host_ping", "port", "port_forward"]
    port = next(c for c in result["checks"] if c["kind"] == "port")
    assert (port["address"], port["port"]) == ("127.0.0.1", 8080)
    forward = next(c for c in result["checks"] if c["kind"] == "port_forward")
    assert forward["containers"] == ["labnet-web"]


def test_the_plan_is_the_same_every_time():
    assert plan() == plan()


def test_lab_name_prefixes_every_docker_name():
    result = plan(name="lbt123")
    names = [c["name"] for c in result["hosts"]["localhost"]["containers"]]
    assert all(n.startswith("lbt123-") for n in names)
    assert result["hosts"]["localhost"]["networks"][0]["docker_name"] == "lbt123-lan"


def test_automatic_addresses_come_from_the_hosts_range_in_order():
    topo = copy.deepcopy(TUTORIAL)
    topo["containers"] += [{"name": "g1", "networks": ["lan"]}, {"name": "g2", "networks": [{"name": "lan", "ipv4_address": "auto"}]}]
    result = plan(topo)
    assert container(result, "localhost", "labnet-g1")["networks"][0]["ipv4_address"] == "172.31.250.129"
    assert container(result, "localhost", "labnet-g2")["networks"][0]["ipv4_address"] == "172.31.250.130"


# -- a fleet -----------------------------------------------------------------------------------

def test_fleet_ranges_links_across_hosts_and_checks():
    result = plan(FLEET, hosts=("h1", "h2", "h3"), name="fleet")
    ranges = {h: result["hosts"][h]["networks"][0]["ip_range"] for h in ("h1", "h2", "h3")}
    assert ranges == {"h1": "10.77.0.64/26", "h2": "10.77.0.128/26", "h3": "10.77.0.192/26"}
    assert result["hosts"]["h3"]["networks"][0]["parent"] == "enp2s0"
    shims = {h: result["hosts"][h]["networks"][0]["shim"]["address"] for h in ("h1", "h2", "h3")}
    assert shims == {"h1": "10.77.0.63/32", "h2": "10.77.0.62/32", "h3": "10.77.0.61/32"}
    client = container(result, "h2", "fleet-client")
    assert client["networks"] == [{"name": "fleet-lan", "ipv4_address": "10.77.0.129"}]
    assert client["links"] == []
    assert client["etc_hosts"] == {"www": "10.77.0.10", "web": "10.77.0.10"}
    local = container(result, "h1", "fleet-local")
    assert local["links"] == ["fleet-web:web"]
    pings = [c for c in result["checks"] if c["kind"] == "ping"]
    assert [(c["host"], c["container"], c["address"]) for c in pings] == [
        ("h2", "fleet-client", "10.77.0.10"), ("h3", "fleet-probe", "10.77.0.129")]
    assert [c["host"] for c in result["checks"] if c["kind"] == "port_forward"] == ["h1"]


def test_a_host_without_containers_still_gets_its_network():
    topo = copy.deepcopy(FLEET)
    topo["containers"] = [c for c in topo["containers"] if c.get("host") != "h3"]
    topo["checks"] = {}
    result = plan(topo, hosts=("h1", "h2", "h3"))
    assert result["hosts"]["h3"]["containers"] == []
    assert result["hosts"]["h3"]["networks"][0]["ip_range"] == "10.77.0.192/26"


def test_explicit_per_host_ranges_and_no_range():
    topo = copy.deepcopy(FLEET)
    topo["networks"][0]["ip_range"] = {"h1": "10.77.0.32/27", "h2": "10.77.0.160/27", "h3": "10.77.0.224/27"}
    result = plan(topo, hosts=("h1", "h2", "h3"))
    assert result["hosts"]["h2"]["networks"][0]["ip_range"] == "10.77.0.160/27"
    topo["networks"][0]["ip_range"] = "none"
    del topo["networks"][0]["shim"]
    result = plan(topo, hosts=("h1", "h2", "h3"))
    assert result["hosts"]["h2"]["networks"][0]["ip_range"] is None
    assert container(result, "h2", "labnet-client")["networks"][0]["ipv4_address"] == "10.77.0.2"


# -- refusals: each names the field, the value and the fix -------------------------------------

def bad(path, value):
    topo = copy.deepcopy(TUTORIAL)
    target = topo
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return topo


@pytest.mark.parametrize("topology, hosts, message", [
    (bad(["networks", 0, "subnet"], "172.31.250.1/24"), None, r"subnet='172.31.250.1/24' is not an IPv4 network in CIDR notation"),
    (bad(["networks", 0, "subnet"], "fd00::/64"), None, r"not an IPv4 network; the lab plans IPv4 only"),
    (bad(["networks", 0, "gateway"], "10.0.0.1"), None, r"gateway='10.0.0.1' is outside the subnet 172.31.250.0/24"),
    (bad(["networks", 0, "parent"], "a-very-long-nic-name"), None, r"is 20 characters long; Linux interface names have at most 15"),
    (bad(["networks", 0, "parent"], KeyError), None, r"parent is required"),
    (bad(["networks", 0, "parent"], {"nowhere": "eth1"}), None, r"names hosts that the network does not span: nowhere"),
    (bad(["networks", 0, "mode"], "l2"), None, r"mode='l2' is not one of bridge, private, vepa, passthru"),
    (bad(["networks", 0, "driver"], "overlay"), None, r"driver='overlay' is not a lab network driver"),
    (bad(["networks", 0, "parent_peer"], "labnet-nic"), None, r"parent_peer='labnet-nic' equals the parent's name"),
    (bad(["containers", 1, "networks", 0, "ipv4_address"], "172.31.250.10"), None,
     r"ipv4_address=172.31.250.10 is already container 'alpha''s address on network 'lan'"),
    (bad(["containers", 0, "networks", 0, "ipv4_address"], "172.31.250.1"), None, r"is network 'lan''s gateway"),
    (bad(["containers", 0, "networks", 0, "ipv4_address"], "172.31.250.255"), None, r"is the broadcast address"),
    (bad(["containers", 0, "networks", 0, "ipv4_address"], 300), None, r"host numbers 1 to 254"),
    (bad(["containers", 0, "networks", 0, "ipv4_address"], "banana"), None, r"ipv4_address='banana' is not an IPv4 address"),
    (bad(["containers", 0, "host"], "elsewhere"), None, r"host='elsewhere' is not a lab host \(localhost\)"),
    (bad(["containers", 0, "name"], "-bad"), None, r"name='-bad' is not a valid container name"),
    (bad(["containers", 1, "name"], "alpha"), None, r"container 'alpha' is defined twice"),
    (bad(["containers", 3, "links"], ["nobody:www"]), None, r"links to 'nobody', which is not a lab container"),
    (bad(["checks", "ping"], [["alpha", "web"]]), None, r"'alpha' and 'web' share no lab network"),
    (bad(["checks", "ping"], [["alpha"]]), None, r"is not a ping pair"),
    (bad(["checks", "http"], [{"from": "ghost", "url": "http://x/"}]), None, r"from='ghost' is not a lab container"),
    (TUTORIAL, [], r"needs at least one host"),
])
def test_refusals(topology, hosts, message):
    with pytest.raises(LabPlanError, match=message):
        lab_plan(copy.deepcopy(topology), "labnet", ["localhost"] if hosts is None else hosts)


def test_two_networks_on_one_parent_are_refused():
    topo = copy.deepcopy(TUTORIAL)
    topo["networks"].append(dict(topo["networks"][0], name="lan2", subnet="172.31.249.0/24", shim=None))
    with pytest.raises(LabPlanError, match="Networks 'lan' and 'lan2' both use parent 'labnet-nic' on host localhost"):
        plan(topo)


def test_a_static_address_in_another_hosts_range_is_refused():
    topo = copy.deepcopy(FLEET)
    topo["containers"][0]["networks"][0]["ipv4_address"] = "10.77.0.130"  # web on h1, inside h2's block
    topo["networks"][0]["ip_range"] = {"h1": "10.77.0.64/26", "h2": "10.77.0.128/26", "h3": "10.77.0.192/26"}
    with pytest.raises(LabPlanError, match="lies in host h2's ip_range 10.77.0.128/26"):
        plan(topo, hosts=("h1", "h2", "h3"))


def test_overlapping_explicit_ranges_are_refused():
    topo = copy.deepcopy(FLEET)
    topo["networks"][0]["ip_range"] = {"h1": "10.77.0.128/25", "h2": "10.77.0.192/26", "h3": "10.77.0.64/26"}
    with pytest.raises(LabPlanError, match="the ip_range of host h1 .* overlaps that of host h2"):
        plan(topo, hosts=("h1", "h2", "h3"))


def test_a_link_across_hosts_without_a_shared_network_is_refused():
    topo = copy.deepcopy(FLEET)
    topo["containers"][1]["networks"] = []
    topo["checks"] = {}
    with pytest.raises(LabPlanError, match="share no lab network. Links only work on one host"):
        plan(topo, hosts=("h1", "h2", "h3"))


def test_an_address_on_a_network_that_is_not_a_lab_network_is_refused():
    topo = copy.deepcopy(TUTORIAL)
    topo["containers"][2]["networks"] = [{"name": "bridge", "ipv4_address": "172.17.0.50"}]
    with pytest.raises(LabPlanError, match="network 'bridge' is not a lab network"):
        plan(topo)


def test_absent_container_entries_and_filter_names():
    assert lab_absent_containers(["a", "b"]) == [{"name": "a", "state": "absent"}, {"name": "b", "state": "absent"}]
    assert lab_absent_containers(None) == []


def test_lab_absent_containers_keeps_containers_set_aside_by_a_replacement_only_when_asked():
    names = ["lab-web", "lab-web-old-0123456789ab", "lab-old-timer"]
    assert [c["name"] for c in lab_absent_containers(names)] == names
    assert [c["name"] for c in lab_absent_containers(names, keep_aside=True)] == ["lab-web", "lab-old-timer"]
    assert set(FilterModule().filters()) == {"lab_plan", "lab_absent_containers", "lab_container_ids"}


def test_container_ids_keep_each_containers_own_name():
    found = [
        {"Id": "c1", "Names": ["/lab-client"]},
        {"Id": "w1", "Names": ["/lab-client/www", "/lab-web"]},  # linked: also /<client>/<alias>
        {"Id": "x1", "Names": []},
    ]
    assert lab_container_ids(found) == {"lab-client": "c1", "lab-web": "w1"}
    assert list(lab_container_ids(found)) == ["lab-client", "lab-web"]
    assert lab_container_ids(None) == {}


def test_port_checks_only_for_containers_with_a_bridge_network():
    topo = copy.deepcopy(FLEET)
    topo["containers"][0]["networks"] = [{"name": "lan", "ipv4_address": 10}]  # web on the macvlan only
    result = plan(topo, hosts=("h1", "h2", "h3"))
    assert [c for c in result["checks"] if c["kind"] == "port"] == []
    topo["containers"][0]["networks"].append("bridge")
    result = plan(topo, hosts=("h1", "h2", "h3"))
    assert [(c["host"], c["address"], c["port"]) for c in result["checks"] if c["kind"] == "port"] == [("h1", "127.0.0.1", 8080)]
    assert container(result, "h1", "labnet-web")["networks"] == [{"name": "labnet-lan", "ipv4_address": "10.77.0.10"}, {"name": "bridge"}]


@pytest.mark.parametrize("binding, expected", [
    ("8080:80", ("127.0.0.1", 8080)),
    ("127.0.0.1:8081:80/tcp", ("127.0.0.1", 8081)),
    ("192.0.2.5:9000-9002:80-82", ("192.0.2.5", 9000)),
    ("0.0.0.0:8082:80", ("127.0.0.1", 8082)),
    ("[::]:8086:80", ("::1", 8086)),
    ("[::1]:8087:80", ("::1", 8087)),
    ("80", (None, None)),
])
def test_where_a_host_reaches_a_published_port(binding, expected):
    """From its own family's loopback: an IPv6 binding is never probed at an IPv4 address."""
    topo = {"networks": [], "containers": [{"name": "web", "published_ports": [binding]}], "checks": {"port_forward": False}}
    checks = lab_plan(topo, "x", ["h"])["checks"]
    assert [(c["address"], c["port"]) for c in checks] == ([] if expected == (None, None) else [expected])


@pytest.mark.parametrize("url, url_host", [
    ("http://www/", "www"),
    ("http://web.lab:8080/index.html", "web.lab"),
    ("http://172.31.250.10/", ""),
])
def test_http_checks_name_the_host_to_find_in_etc_hosts(url, url_host):
    topo = copy.deepcopy(TUTORIAL)
    topo["checks"]["http"] = [{"from": "client", "url": url}]
    (check,) = [c for c in plan(topo)["checks"] if c["kind"] == "http"]
    assert check["url_host"] == url_host


# The shipped routed lab (roles/lab/vars/labs/routed.yml), with its variables filled in and an internal core.
ROUTED = {
    "networks": [
        {"name": "lan", "subnet": "172.31.251.0/24", "parent": "routed-nic", "create_parent": True, "ip_range": "auto",
         "shim": {"name": "routed-shm", "address": "auto"}},
        {"name": "core", "driver": "bridge", "internal": True, "subnet": "172.31.252.0/24"},
    ],
    "containers": [
        {"name": "r1", "command": SLEEP, "capabilities": ["NET_ADMIN"], "sysctls": {"net.ipv4.ip_forward": "1"},
         "networks": [{"name": "lan", "ipv4_address": 254}, {"name": "core", "ipv4_address": 254}],
         "post_start": [["/bin/sh", "-c", "ip route del default 2>/dev/null || true"]]},
        {"name": "h1", "command": SLEEP, "capabilities": ["NET_ADMIN"], "networks": [{"name": "lan", "ipv4_address": 10}],
         "post_start": [["ip", "route", "replace", "default", "via", "172.31.251.254"]]},
        {"name": "h2", "command": SLEEP, "capabilities": ["NET_ADMIN"], "networks": [{"name": "core", "ipv4_address": 10}],
         "post_start": [["ip", "route", "replace", "default", "via", "172.31.252.254"]]},
        {"name": "h3", "command": SLEEP, "capabilities": ["NET_ADMIN"]},
    ],
    "wires": [{"a": "r1:p2p0", "b": "h3:p2p0", "a_address": "10.255.12.1/30", "b_address": "10.255.12.2/30", "mtu": 1500}],
    "checks": {
        "ping": [["h1", "r1"], ["h2", "r1"]],
        "route": [{"from": "h1", "to": "h2", "via": "r1"}, {"from": "h1", "to": "h3", "via": "r1", "address": "10.255.12.2"}],
    },
}


def routed(change=None):
    topo = copy.deepcopy(ROUTED)
    if change:
        change(topo)
    return topo


def test_routed_lab_bridge_network_has_no_parent_shim_or_range():
    part = plan(ROUTED, name="rt")["hosts"]["localhost"]
    lan, core = part["networks"]
    assert lan["driver"] == "macvlan" and lan["parent"] == "routed-nic" and lan["shim"]
    assert core == dict(name="core", docker_name="rt-core", parent=None, create_parent=False, parent_peer=None,
                        subnet="172.31.252.0/24", gateway="172.31.252.1", ip_range=None, aux_addresses={}, mode=None,
                        labels={"labnet.lab": "rt"}, shim=None, driver="bridge", internal=True, subnet_v6=None,
                        gateway_v6=None, underlay=None)


def test_routed_lab_passes_runtime_options_through_as_given():
    r1 = container(plan(ROUTED, name="rt"), "localhost", "rt-r1")
    assert r1["capabilities"] == ["NET_ADMIN"]
    assert r1["sysctls"] == {"net.ipv4.ip_forward": "1"}
    assert r1["post_start"] == [["/bin/sh", "-c", "ip route del default 2>/dev/null || true"]]
    assert r1["networks"] == [{"name": "rt-lan", "ipv4_address": "172.31.251.254"},
                              {"name": "rt-core", "ipv4_address": "172.31.252.254"}]
    assert "wait" not in r1 and "privileged" not in r1  # unset options stay the module's defaults


def test_routed_lab_wires_checks_and_routers():
    result = plan(ROUTED, name="rt")
    assert result["hosts"]["localhost"]["wires"] == [
        {"a": "rt-r1:p2p0", "b": "rt-h3:p2p0", "a_address": "10.255.12.1/30", "b_address": "10.255.12.2/30", "mtu": 1500}]
    assert [w["a_container"] for w in result["wires"]] == ["r1"]
    assert [c["name"] for c in result["containers"] if c["router"]] == ["r1"]
    by_kind = {}
    for check in result["checks"]:
        by_kind.setdefault(check["kind"], []).append(check)
    assert [(c["container"], c["address"], c["hop"]) for c in by_kind["route"]] == [
        ("rt-h1", "172.31.252.10", "172.31.251.254"), ("rt-h1", "10.255.12.2", "172.31.251.254")]
    assert by_kind["wire"][0]["wire"]["a"] == "rt-r1:p2p0"
    assert [(c["container"], c["via"], c["address"]) for c in by_kind["wire_ping"]] == [("rt-r1", "p2p0", "10.255.12.2")]
    # No shim ping over the bridge network: it has no shim.
    assert {c["network"] for c in by_kind["host_ping"]} == {"lan"}


def test_dual_stack_networks_and_mac_addresses():
    def change(topo):
        topo["networks"][1]["subnet_v6"] = "fd00:252::/64"
        topo["containers"][2]["networks"][0].update(ipv6_address="fd00:252::10", mac_address="02:42:AC:1F:FC:0A")
    result = plan(routed(change))
    assert result["hosts"]["localhost"]["networks"][1]["subnet_v6"] == "fd00:252::/64"
    h2 = container(result, "localhost", "labnet-h2")
    assert h2["networks"][0] == {"name": "labnet-core", "ipv4_address": "172.31.252.10", "ipv6_address": "fd00:252::10",
                                 "mac_address": "02:42:ac:1f:fc:0a"}


def wire_to(**fields):
    def change(topo):
        topo["wires"][0].update(fields)
    return change


@pytest.mark.parametrize("change, message", [
    (wire_to(b="h9:p2p0"), r"wires\[0\]\.b='h9:p2p0' names container 'h9', which is not a lab container \(h1, h2, h3, r1\)"),
    (wire_to(b="h3:averyveryverylong0"), r"wires\[0\]\.b='h3:averyveryverylong0' names interface 'averyveryverylong0', which is "
                                         r"not a valid interface name: it needs 1 to 15 characters"),
    (lambda t: t["wires"].append({"a": "h1:p2p0", "b": "h3:p2p0"}), r"wires\[1\]\.b='h3:p2p0' is already wires\[0\]\.b"),
    (wire_to(a="r1:eth1"), r"wires\[0\]\.a='r1:eth1': container 'r1' has Docker's eth0, eth1"),
    (wire_to(a_address="10.255.12.0/30"), r"a_address='10.255.12.0/30' is the network address"),
    (lambda t: t["networks"][1].update(driver="overlay"), r"network 'core': driver='overlay' is not a lab network driver"),
    (lambda t: t["networks"][1].update(parent="eth1"), r"network 'core': parent='eth1' is for macvlan networks"),
    (lambda t: t["networks"][1].update(subnet_v6="172.31.9.0/24"), r"subnet_v6='172.31.9.0/24' is not an IPv6 network"),
    (lambda t: t["containers"][0].update(capabilities=["NET_WIZARD"]), r"container 'r1': capabilities: .*NET_WIZARD"),
    (lambda t: t["containers"][0].update(sysctls={"kernel.panic": "1"}), r"container 'r1': sysctls: .*kernel\.panic"),
    (lambda t: t["containers"][0].update(volumes=["data dir:/data"]), r"container 'r1': volumes: .*data dir"),
    (lambda t: t["containers"][0].update(colour="red"), r"container 'r1': unknown option\(s\) colour"),
    (lambda t: t["containers"][1]["networks"][0].update(mac_address="01:00:5e:00:00:01"),
     r"container 'h1'\.networks\[0\]\.mac_address='01:00:5e:00:00:01': .*multicast"),
    (lambda t: t["containers"][2]["networks"][0].update(ipv6_address="fd00::1"), r"ipv6_address=fd00::1: network 'core' has no subnet_v6"),
    (lambda t: t["checks"].update(route=[{"from": "h1", "to": "h2"}]), r"checks\.route\[0\]=.* needs 'from', 'to' and 'via'"),
])
def test_routed_refusals(change, message):
    with pytest.raises(LabPlanError, match=message):
        plan(routed(change))


def test_a_wire_across_hosts_is_refused():
    def change(topo):
        topo["networks"][0]["parent"] = "eth1"
        topo["networks"][0]["create_parent"] = False
        topo["containers"][3]["host"] = "h2"
    with pytest.raises(LabPlanError, match=r"wires\[0\]: container 'r1' is on host h1 and 'h3' on host h2; a wire joins two containers on one host"):
        plan(routed(change), hosts=("h1", "h2"))


def test_a_bridge_network_on_two_hosts_is_refused():
    with pytest.raises(LabPlanError, match=r"network 'core': a bridge network lives on one host"):
        plan(routed(lambda t: t["networks"][1].update(hosts=["h1", "h2"])), hosts=("h1", "h2"))
