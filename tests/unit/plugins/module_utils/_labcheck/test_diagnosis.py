# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The first broken hop: hop facts in, one sentence out, walked in the order a packet takes the hops."""
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._labcheck.diagnosis import binding_diagnosis, first_broken_hop

NAMES = dict(containers={"alpha": "lab-alpha", "beta": "lab-beta", "web": "lab-web", "client": "lab-client", "r1": "lab-r1"},
             networks={"lan": "lab-lan"})
PING = dict(kind="ping", name="ping alpha -> beta", container="lab-alpha", source="alpha", target="beta",
            address="10.0.0.11", network="lan")
HOST_PING = dict(kind="host_ping", name="ping host h1 -> beta", source="h1", target="beta", address="10.0.0.11",
                 network="lan", via="lab-shm")
HTTP = dict(kind="http", name="http client -> http://www/", container="lab-client", url="http://www/", url_host="www")
PORT = dict(kind="port", name="port 127.0.0.1:8080 -> web", container="lab-web", address="127.0.0.1", port=8080)
ROUTE = dict(kind="route", name="route", container="lab-alpha", target="beta", address="10.0.1.5", via="r1")


def running(**addresses):
    return dict(state="running", addresses=addresses or {"lab-lan": None}, links={})


def sound() -> dict:
    """Every hop of the lab as planned."""
    return dict(
        containers={"lab-alpha": running(**{"lab-lan": "10.0.0.10"}), "lab-beta": running(**{"lab-lan": "10.0.0.11"}),
                    "lab-web": running(bridge="172.17.0.3"), "lab-r1": running(**{"lab-lan": "10.0.0.254"}),
                    "lab-client": dict(running(bridge="172.17.0.4"), links={"www": "lab-web"})},
        networks={"lab-lan": dict(exists=True, driver="macvlan", parent="lab-nic", mode="bridge")},
        links={"lab-nic": dict(exists=True, up=True, promisc=True, addresses=[]),
               "lab-shm": dict(exists=True, up=True, promisc=False, addresses=["10.0.0.250"])},
        routes={"10.0.0.11": "lab-shm"},
        hosts={"lab-client": {"www": "172.17.0.3"}},
        ports={8080: dict(listener=dict(pid=4464, process="docker-proxy"), proxies=[4464])},
    )


def broken(change) -> dict:
    facts = sound()
    change(facts)
    return facts


def set_state(name, state):
    return lambda f: f["containers"][name].update(state=state)


@pytest.mark.parametrize("check, change, expected", [
    (PING, set_state("lab-beta", "exited"), "lab-beta is stopped (exited); start it (docker start lab-beta)"),
    (PING, set_state("lab-alpha", "paused"), "lab-alpha is paused; unpause it (docker unpause lab-alpha)"),
    (PING, set_state("lab-beta", "restarting"), "lab-beta keeps restarting; read why (docker logs lab-beta)"),
    (PING, lambda f: f["containers"].update({"lab-beta": dict(state="missing")}),
     "lab-beta does not exist; deploy the lab again (make lab)"),
    (ROUTE, set_state("lab-r1", "exited"), "lab-r1 is stopped (exited); start it (docker start lab-r1)"),
    (PING, lambda f: f["containers"]["lab-beta"]["addresses"].pop("lab-lan"),
     "lab-beta is not attached to lab-lan; deploy the lab again (it connects lab-beta)"),
    (PING, lambda f: f["containers"]["lab-beta"]["addresses"].update({"lab-lan": "10.0.0.99"}),
     "lab-beta has 10.0.0.99 on lab-lan, not the planned 10.0.0.11; deploy the lab again (it recreates lab-beta at its address)"),
    (PING, lambda f: f["networks"].update({"lab-lan": dict(exists=False)}),
     "the network lab-lan is missing; deploy the lab again (it makes lab-lan)"),
    (PING, lambda f: f["links"].update({"lab-nic": dict(exists=False)}),
     "the parent of lab-lan lab-nic is missing; deploy the lab again (it makes lab-nic)"),
    (PING, lambda f: f["links"]["lab-nic"].update(up=False),
     "the parent of lab-lan lab-nic is down; bring it up (ip link set lab-nic up)"),
    (PING, lambda f: f["links"]["lab-nic"].update(promisc=False),
     "the parent of lab-lan lab-nic is not in promiscuous mode; turn it on (ip link set lab-nic promisc on), or deploy the lab again"),
    (PING, lambda f: f["networks"]["lab-lan"].update(mode="private"),
     "lab-lan is a macvlan in mode private: containers on one host cannot reach each other; "
     "recreate it in bridge mode (deploy the lab with mode: bridge)"),
    (HOST_PING, set_state("lab-beta", "exited"), "lab-beta is stopped (exited); start it (docker start lab-beta)"),
    (HOST_PING, lambda f: f["links"].update({"lab-shm": dict(exists=False)}),
     "the shim lab-shm is missing; deploy the lab again (it makes lab-shm)"),
    (HOST_PING, lambda f: f["links"]["lab-shm"].update(up=False), "the shim lab-shm is down; bring it up (ip link set lab-shm up)"),
    (HOST_PING, lambda f: f["links"]["lab-shm"].update(addresses=[]),
     "the shim lab-shm has no address; deploy the lab again (it gives lab-shm its address)"),
    (HOST_PING, lambda f: f["routes"].update({"10.0.0.11": "eth0"}),
     "the host routes 10.0.0.11 through eth0, not the shim lab-shm; deploy the lab again (it adds the shim's routes)"),
    (HOST_PING, lambda f: f["links"]["lab-nic"].update(up=False),
     "the parent of lab-lan lab-nic is down; bring it up (ip link set lab-nic up)"),
    (HTTP, set_state("lab-client", "exited"), "lab-client is stopped (exited); start it (docker start lab-client)"),
    (HTTP, set_state("lab-web", "exited"), "lab-web is stopped (exited); start it (docker start lab-web)"),
    (HTTP, lambda f: f["hosts"].update({"lab-client": {"www": None}}),
     "www is not in the /etc/hosts of lab-client: no link or etc_hosts entry for it; "
     "deploy the lab again (it recreates lab-client with its links)"),
    (HTTP, lambda f: f["containers"]["lab-web"]["addresses"].update(bridge="172.17.0.9"),
     "the /etc/hosts of lab-client says www is 172.17.0.3, but lab-web now has 172.17.0.9 (recreated after lab-client); "
     "deploy the lab again (it recreates lab-client so that the link follows)"),
    (PORT, set_state("lab-web", "exited"), "lab-web is stopped (exited); start it (docker start lab-web)"),
    (PORT, lambda f: f["ports"].update({8080: dict(listener=None, proxies=[])}),
     "nothing listens (no docker-proxy) on host port 8080; restart lab-web or the engine"),
    (PORT, lambda f: f["ports"].update({8080: dict(listener=None, proxies=[4464])}),
     "docker-proxy 4464 runs but nothing listens on host port 8080; restart lab-web or the engine"),
    (PORT, lambda f: None, "docker-proxy 4464 listens on host port 8080, but nothing answers behind it; restart lab-web or the engine"),
])
def test_the_first_broken_hop_is_named_with_its_fix(check, change, expected):
    assert first_broken_hop(check, NAMES, broken(change)) == expected


def test_the_first_of_several_broken_hops_wins():
    """The target stopped and the parent down: the packet meets the stopped container's hop first."""
    def change(facts):
        facts["containers"]["lab-beta"]["state"] = "exited"
        facts["links"]["lab-nic"]["up"] = False
    assert first_broken_hop(PING, NAMES, broken(change)).startswith("lab-beta is stopped")


@pytest.mark.parametrize("check", [PING, HOST_PING, HTTP, ROUTE])
def test_a_sound_path_says_so(check):
    assert first_broken_hop(check, NAMES, sound()).startswith("no broken hop found")


@pytest.mark.parametrize("check", [PING, HOST_PING, HTTP, PORT, dict(kind="vxlan", name="v")])
def test_facts_that_could_not_be_read_are_skipped_never_guessed(check):
    assert first_broken_hop(check, NAMES, {}).startswith("no broken hop found")


def test_a_target_on_another_host_is_not_judged():
    """Cross-host: this host's engine does not know the target, so only the local hops count."""
    facts = sound()
    del facts["containers"]["lab-beta"]
    facts["links"]["lab-nic"]["promisc"] = False
    assert "not in promiscuous mode" in first_broken_hop(PING, NAMES, facts)


@pytest.mark.parametrize("problems, proxy, expected", [
    (["dnat_missing"], 4464, "no DNAT rule for 0.0.0.0:8080 (docker-proxy 4464 listens); restart lab-web or the engine"),
    (["dnat_missing", "proxy_missing"], None, "no DNAT rule for 0.0.0.0:8080 (no docker-proxy either); restart lab-web or the engine"),
    (["proxy_missing"], None, "no docker-proxy serves 0.0.0.0:8080 (the DNAT rule is there); restart lab-web or the engine"),
    (["listener_missing"], 4464, "docker-proxy 4464 runs, but nothing listens on 0.0.0.0:8080; restart lab-web or the engine"),
    (["unreachable"], 4464, "0.0.0.0:8080: unreachable; restart lab-web or the engine"),
    ([], 4464, ""),
])
def test_a_drifted_binding(problems, proxy, expected):
    port = dict(container="lab-web", host_ip="0.0.0.0", host_port=8080, proxy=proxy, problems=problems)
    assert binding_diagnosis(port) == expected
