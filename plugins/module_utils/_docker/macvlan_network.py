# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The executor of labnet.docker.macvlan_network: reads a Docker macvlan network, compares it with the
wanted settings, and creates, recreates (keeping its containers) or removes it.

Modules pass their AnsibleModule, or anything with its ``params``, ``check_mode``, ``_diff`` and
``fail_json`` (``_docker/lab_host.StepModule``).
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.labnet.docker.plugins.module_utils._docker.client import (
    ENGINE_ERRORS,
    NotFound,
    api_error_text,
    docker_client,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.ipam_plan import (
    IpamError,
    address_fits_pool,
    build_pool,
    overlapping_networks,
    pool_differences,
    pools_from_inspect,
    pools_to_ipam_config,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.network_endpoints import (
    CONVERGED,
    Endpoint,
    connect_order,
    endpoint_from_inspect,
    endpoint_text,
    outcome,
    ownership_problem,
)
from ansible_collections.labnet.docker.plugins.module_utils._docker.network_recreate import (
    NetworkRecreation,
    RecreateFailed,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink as _netlink
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.macvlan_modes import DEFAULT_MACVLAN_MODE
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import (
    NetlinkError,
    netlink_error_text,
    require_pyroute2,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.vlan_parent import ParentError, resolve_parent

DRIVER = "macvlan"
BRIDGE_DRIVER = "bridge"


def network_config(name: str | None, driver: str | None, parent: str | None, mode: str | None, pools: list[dict], labels: dict) -> dict:
    """The comparable settings of a network, as shown in results and diffs."""
    v4 = next((p for p in pools if ":" not in p["subnet"]), None)
    v6 = next((p for p in pools if ":" in p["subnet"]), None)
    return dict(
        name=name,
        driver=driver,
        parent=parent,
        mode=mode,
        subnet=v4["subnet"] if v4 else None,
        gateway=v4["gateway"] if v4 else None,
        ip_range=v4["ip_range"] if v4 else None,
        aux_addresses=dict(v4["aux_addresses"]) if v4 else {},
        subnet_v6=v6["subnet"] if v6 else None,
        gateway_v6=v6["gateway"] if v6 else None,
        labels=dict(labels or {}),
    )


def config_from_inspect(attrs: dict) -> dict:
    options = attrs.get("Options") or {}
    driver = attrs.get("Driver")
    config = network_config(
        name=attrs.get("Name"),
        driver=driver,
        parent=options.get("parent"),
        mode=options.get("macvlan_mode", DEFAULT_MACVLAN_MODE) if driver == DRIVER else None,
        pools=pools_from_inspect(attrs.get("IPAM")),
        labels=attrs.get("Labels") or {},
    )
    if driver == BRIDGE_DRIVER:
        config["internal"] = bool(attrs.get("Internal"))
    return config


def container_result(endpoint: Endpoint) -> dict:
    """A container's line in ``network.containers``."""
    return {key: endpoint[key] for key in ("name", "id", "ipv4_address", "ipv6_address", "aliases", "links",
                                           "mac_address")}


class MacvlanNetwork:
    """Reads the named network, compares it with the task, and creates, recreates or removes it."""

    driver = DRIVER

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.check_mode = module.check_mode
        self.client: Any = None  # the SDK's DockerClient, made when the task needs the engine
        self.actions: list[str] = []
        self.reconnected: list[dict] = []
        self.outcomes: list[dict] = []
        self.differences: list[str] = []

    # ---- input -------------------------------------------------------------------------------

    def fail(self, msg: str, **extra) -> NoReturn:
        if "Done before the failure" not in msg:
            msg += " Done before the failure: %s." % "; ".join(self.actions) if self.actions else " Nothing was changed."
        self.module.fail_json(msg=msg, actions=self.actions, reconnected=self.reconnected, outcomes=self.outcomes,
                              **extra)
        raise AssertionError("fail_json returned")

    def wanted_pools(self) -> list[dict]:
        """The task's IPAM pools, validated; fails the task on the first wrong value."""
        p = self.params
        try:
            pools = [build_pool(p["subnet"], p["gateway"], p["ip_range"], p["aux_addresses"])]
            if p["subnet_v6"]:
                pools.append(build_pool(p["subnet_v6"], p["gateway_v6"], None, None, suffix="_v6", version=6))
        except IpamError as exc:
            self.fail(str(exc))
        return pools

    def check_parent(self) -> dict:
        """The parent, checked with netlink on the managed host."""
        require_pyroute2(self.module)
        try:
            with _netlink.make_iproute() as ipr:
                return resolve_parent(ipr, self.params["parent"], check_mode=self.module.check_mode)
        except ParentError as exc:
            self.fail(str(exc))
        except NetlinkError as exc:
            self.fail("Could not read the host's interfaces to check parent=%r: %s."
                      % (self.params["parent"], netlink_error_text(exc)))
        return {}  # not reached

    # ---- engine reads ------------------------------------------------------------------------

    def engine(self, what: str, call, *args, **kwargs):
        """Run an SDK call; on any engine error (timeouts included) fail the task naming ``what`` was attempted."""
        try:
            return call(*args, **kwargs)
        except ENGINE_ERRORS as exc:
            self.fail("Could not %s: %s." % (what, api_error_text(exc)))
        return None  # not reached

    def find_network(self) -> dict | None:
        """The full inspect of the network with exactly this name, or ``None``."""
        for summary in self.engine("list the Docker networks", self.client.api.networks, names=[self.name]):
            if summary.get("Name") == self.name:
                try:
                    return self.client.api.inspect_network(summary["Id"])
                except NotFound:
                    return None
                except ENGINE_ERRORS as exc:
                    self.fail("Could not inspect network %s: %s." % (self.name, api_error_text(exc)))
        return None

    def attachments(self, network: dict) -> list[Endpoint]:
        """The endpoints on ``network`` of containers running or stopped, recorded in full.

        The engine matches running containers by network id and stopped ones by network name.
        """
        found = []
        listed = self.engine("list the containers of network %s" % self.name, self.client.api.containers,
                             all=True, filters={"network": [network["Id"], network["Name"]]})
        for summary in listed:
            try:
                attrs = self.client.api.inspect_container(summary["Id"])
            except NotFound:
                continue  # removed meanwhile
            except ENGINE_ERRORS as exc:
                self.fail("Could not inspect container %s: %s." % (summary["Id"][:12], api_error_text(exc)))
            endpoint = endpoint_from_inspect(attrs, network)
            if endpoint is not None:
                found.append(endpoint)
        return sorted(found, key=lambda c: c["name"])

    def parent_name(self) -> str | None:
        """The checked parent's name (the driver's ``parent`` option)."""
        return self.check_parent()["name"]

    def check_conflicts(self, parent: str | None, pools: list[dict], own_id: str | None) -> None:
        """Fail when another network uses the same parent or an overlapping subnet."""
        others = []
        for summary in self.engine("list the Docker networks", self.client.api.networks):
            if summary.get("Id") == own_id or summary.get("Name") == self.name:
                continue
            options = summary.get("Options") or {}
            if parent and summary.get("Driver") in ("macvlan", "ipvlan") and options.get("parent") == parent:
                self.fail(
                    "parent=%r is already the parent of the %s network %r. A parent carries one macvlan "
                    "network: use another parent (for example a VLAN sub-interface %s.N), or remove network %r first."
                    % (parent, summary.get("Driver"), summary.get("Name"), parent, summary.get("Name"))
                )
            subnets = [c.get("Subnet") for c in ((summary.get("IPAM") or {}).get("Config") or []) if c.get("Subnet")]
            others.append((summary.get("Name"), subnets))
        for other_name, theirs, mine in overlapping_networks(pools, others):
            field = "subnet_v6" if ":" in mine else "subnet"
            self.fail(
                "%s=%r overlaps the subnet %s of the Docker network %r. Choose a subnet that does not overlap it, "
                "or remove network %r first." % (field, mine, theirs, other_name, other_name)
            )

    def check_ownership(self, current: dict, driver: str | None) -> None:
        """Refuse, before any change, a network of this name that is not the task's, unless ``force``."""
        if self.params["force"]:
            return
        problem = ownership_problem(current, driver or str(current.get("Driver")), self.params["labels"])
        if problem:
            self.fail(problem)

    # ---- results ---------------------------------------------------------------------------

    def network_result(self, config: dict, network_id: str | None, containers: list[Endpoint]) -> dict:
        result = dict(config)
        result["id"] = network_id
        result["containers"] = [container_result(c) for c in containers]
        return result

    def finish(self, before: dict, after: dict, network: dict) -> dict:
        changed = before != after or bool(self.actions)
        result = dict(
            changed=changed,
            actions=self.actions,
            reconnected=self.reconnected,
            outcomes=self.outcomes,
            differences=self.differences,
            network=network,
        )
        if self.module._diff:
            result["diff"] = dict(before=before, after=after)
        return result

    # ---- state: present --------------------------------------------------------------------

    def differences_from(self, wanted: dict, pools: list[dict], current_attrs: dict) -> list[str]:
        current = config_from_inspect(current_attrs)
        found = []
        for key in ("driver", "parent", "mode", "internal"):
            if key not in wanted:
                continue
            if current[key] != wanted[key]:
                found.append("%s is %s, wanted %s" % (key, current[key], wanted[key]))
        found.extend(pool_differences(pools, pools_from_inspect(current_attrs.get("IPAM"))))
        if self.params["labels"] is not None and current["labels"] != wanted["labels"]:
            found.append("labels are %s, wanted %s" % (current["labels"], wanted["labels"]))
        return found

    def check_reconnectable(self, containers: list[Endpoint], pools: list[dict]) -> None:
        """Fail, before any change, when an attached container could not keep its address."""
        v4_pool = pools[0]
        for container in containers:
            if not container["ipv4_address"]:
                continue
            reason = address_fits_pool(container["ipv4_address"], v4_pool)
            if reason:
                self.fail(
                    "Container %r is attached to network %s at %s and could not be reconnected after the change: "
                    "%s. Change the task so that %s stays usable, or disconnect the container first."
                    % (container["name"], self.name, container["ipv4_address"], reason, container["ipv4_address"])
                )

    def wanted_config(self, parent: str | None, pools: list[dict], labels: dict) -> dict:
        return network_config(self.name, DRIVER, parent, self.params["mode"], pools, labels)

    def create_kwargs(self, parent: str | None, pools: list[dict], labels: dict) -> dict:
        return dict(
            driver=DRIVER,
            options={"parent": parent, "macvlan_mode": self.params["mode"]},
            ipam={"Driver": "default", "Config": pools_to_ipam_config(pools), "Options": {}},
            enable_ipv6=bool(self.params["subnet_v6"]),
            labels=labels,
            check_duplicate=True,
        )

    def create(self, kwargs: dict) -> str | None:
        created = None
        if not self.check_mode:
            where = "on parent %s" % kwargs["options"]["parent"] if kwargs["driver"] == DRIVER else "(driver %s)" % kwargs["driver"]
            created = self.engine("create the %s network %s %s" % (kwargs["driver"], self.name, where),
                                  self.client.api.create_network, self.name, **kwargs)
        self.actions.append("create network %s" % self.name)
        return created["Id"] if created else None

    def recreate(self, current: dict, containers: list[Endpoint], kwargs: dict) -> str | None:
        """Replace ``current`` by a network made with ``kwargs``, as a transaction (see ``network_recreate``)."""
        reason = "; ".join(self.differences)
        if self.check_mode:
            self.actions.extend("disconnect container %s from %s" % (c["name"], self.name) for c in containers)
            self.actions.append("remove network %s%s" % (self.name, " (%s)" % reason if reason else ""))
            self.actions.append("create network %s" % self.name)
            self.actions.extend("connect container %s to %s" % (endpoint_text(c), self.name)
                                for c in connect_order(containers))
            network_id = None
            self.outcomes = [outcome(c, CONVERGED) for c in connect_order(containers)]
        else:
            recreation = NetworkRecreation(self.client.api, current, containers, kwargs, self.actions)
            try:
                network_id, self.outcomes = recreation.run(reason)
            except RecreateFailed as exc:
                self.outcomes = exc.outcomes
                self.reconnected = [self.reconnected_entry(c) for c in containers
                                    if any(o["id"] == c["id"] and o["outcome"] == CONVERGED for o in exc.outcomes)]
                self.fail("%s Done before the failure: %s." % (exc, "; ".join(self.actions)))
        self.reconnected = [self.reconnected_entry(c) for c in containers]
        return network_id

    @staticmethod
    def reconnected_entry(container: Endpoint) -> dict:
        return dict(name=container["name"], ipv4_address=container["ipv4_address"], aliases=container["aliases"])

    def present(self) -> dict:
        p = self.params
        pools = self.wanted_pools()
        parent = self.parent_name()
        labels = {str(k): str(v) for k, v in (p["labels"] or {}).items()}
        wanted = self.wanted_config(parent, pools, labels)
        self.client = docker_client(self.module)
        current = self.find_network()
        self.check_conflicts(parent, pools, current["Id"] if current else None)

        if current is None:
            network_id = self.create(self.create_kwargs(parent, pools, labels))
            return self.finish({}, wanted, self.read_back(self.network_result(wanted, network_id, [])))

        containers = self.attachments(current)
        before = config_from_inspect(current)
        self.differences = self.differences_from(wanted, pools, current)
        if not self.differences:
            return self.finish(before, before, self.network_result(before, current["Id"], containers))
        self.check_ownership(current, self.driver)
        if p["labels"] is None:
            wanted["labels"] = before["labels"]  # not managed: carried over to the new network

        self.check_reconnectable(containers, pools)
        kwargs = self.create_kwargs(parent, pools, wanted["labels"])
        network_id = self.recreate(current, containers, kwargs)
        return self.finish(before, wanted, self.read_back(self.network_result(wanted, network_id, containers)))

    def read_back(self, predicted: dict) -> dict:
        """The network as the engine reports it after a change; ``predicted`` in check mode."""
        if self.check_mode:
            return predicted
        network = self.find_network()
        if network is None:
            self.fail("Network %s was made but the engine does not list it." % self.name)
        return self.network_result(config_from_inspect(network), network["Id"], self.attachments(network))

    # ---- state: absent ---------------------------------------------------------------------

    def absent(self) -> dict:
        self.client = docker_client(self.module)
        current = self.find_network()
        if current is None:
            return self.finish({}, {}, {})
        before = config_from_inspect(current)
        containers = self.attachments(current)
        if self.params["labels"] is not None:
            self.check_ownership(current, None)
        if containers and not self.params["force"]:
            self.fail(
                "Network %s has containers attached: %s. Stop using it first, or set force=true to disconnect "
                "them and remove the network." % (self.name, ", ".join(c["name"] for c in containers))
            )
        for container in containers:
            if not self.check_mode:
                self.engine("disconnect container %s from network %s" % (container["name"], self.name),
                            self.client.api.disconnect_container_from_network, container["id"], current["Id"],
                            force=True)
            self.actions.append("disconnect container %s from %s" % (container["name"], self.name))
        if not self.check_mode:
            self.engine("remove network %s" % self.name, self.client.api.remove_network, current["Id"])
        self.actions.append("remove network %s" % self.name)
        return self.finish(before, {}, {})

    def run(self) -> dict:
        if self.params["state"] == "present":
            return self.present()
        return self.absent()


class BridgeNetwork(MacvlanNetwork):
    """A user-defined bridge network (``internal`` or not), converged by the same rules: no parent, no mode.

    ``params`` are macvlan_network's, with ``internal`` (bool) added and ``parent`` and ``mode`` unused.
    """

    driver = BRIDGE_DRIVER

    def parent_name(self) -> str | None:
        return None

    def wanted_config(self, parent: str | None, pools: list[dict], labels: dict) -> dict:
        return dict(network_config(self.name, self.driver, None, None, pools, labels), internal=bool(self.params["internal"]))

    def create_kwargs(self, parent: str | None, pools: list[dict], labels: dict) -> dict:
        return dict(
            driver=self.driver,
            options={},
            ipam={"Driver": "default", "Config": pools_to_ipam_config(pools), "Options": {}},
            enable_ipv6=bool(self.params["subnet_v6"]),
            internal=bool(self.params["internal"]),
            labels=labels,
            check_duplicate=True,
        )
