# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start a labnet/box container on one network, with an address, aliases, network-scoped links and a MAC.

Through the SDK, because the docker CLI refuses --mac-address together with --network on engines before
API 1.44, where the container's MAC (Config.MacAddress) is what such an engine gives its endpoint. Usage:
python3 start_container.py --host unix:///var/run/docker.sock --name N --network NET [--ip A] [--alias X]...
[--link TARGET:ALIAS]... [--mac M]; prints the container's id.
"""
from __future__ import annotations

import argparse

import docker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="unix:///var/run/docker.sock")
    parser.add_argument("--name", required=True)
    parser.add_argument("--network", required=True)
    parser.add_argument("--ip")
    parser.add_argument("--alias", action="append", default=[])
    parser.add_argument("--link", action="append", default=[])
    parser.add_argument("--mac")
    args = parser.parse_args()
    api = docker.APIClient(base_url=args.host, version="auto", timeout=60)
    links = [tuple(link.split(":", 1)) for link in args.link]
    endpoint = api.create_endpoint_config(ipv4_address=args.ip, aliases=args.alias or None, links=links or None)
    created = api.create_container(
        "labnet/box:latest", ["sleep", "3600"], name=args.name, mac_address=args.mac,
        host_config=api.create_host_config(network_mode=args.network),
        networking_config=api.create_networking_config({args.network: endpoint}),
    )
    api.start(created["Id"])
    print(created["Id"])


if __name__ == "__main__":
    main()
