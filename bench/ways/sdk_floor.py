#!/usr/bin/env python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Way 4, the floor: the Docker SDK for Python with a thread pool, no Ansible, no checks.

Creates the macvlan network, then creates and starts every container concurrently
(``spec["parallel"]`` at once, the same bound as linked_containers' ``parallel``).
Usage: sdk_floor.py SPEC.json
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import docker
from docker.types import IPAMConfig, IPAMPool


def main(path: str) -> None:
    with open(path) as f:
        spec = json.load(f)
    net = spec["network"]
    api = docker.APIClient(base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"), version="auto")
    api.create_network(
        net["name"], driver="macvlan", options={"parent": net["parent"]},
        ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=net["subnet"], gateway=net["gateway"])]),
        labels=spec["labels"],
    )

    def one(c):
        networking = api.create_networking_config(
            {net["name"]: api.create_endpoint_config(ipv4_address=c["ipv4_address"])})
        cid = api.create_container(
            spec["image"], spec["command"], name=c["name"], labels=spec["labels"], detach=True,
            host_config=api.create_host_config(network_mode=net["name"]), networking_config=networking,
        )["Id"]
        api.start(cid)

    with ThreadPoolExecutor(spec["parallel"]) as pool:
        list(pool.map(one, spec["containers"]))


if __name__ == "__main__":
    main(sys.argv[1])
