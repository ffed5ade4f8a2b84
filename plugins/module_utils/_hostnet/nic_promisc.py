# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The executor of labnet.docker.nic_promisc: reads a NIC's promiscuous flag and, when asked, the
persistent network configuration, compares them with the task and acts.
"""

from __future__ import annotations

import errno
import os
from typing import NoReturn

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netlink as _netlink
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.ifname import IFNAME_RULE, is_interface_name
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.netlink import (
    IFF_PROMISC,
    LinkNotFound,
    NetlinkError,
    NetnsNotFound,
    link_summary,
    lookup_link,
    netlink_error_text,
    netns_path,
    require_pyroute2,
)
from ansible_collections.labnet.docker.plugins.module_utils._hostnet.promisc_persistence import (
    PersistenceError,
    apply_changes,
    check_writable,
    choose_manager,
    plan_change,
    read_config,
)

PERMISSION_ERRNOS = (errno.EPERM, errno.EACCES)


class NicPromisc:
    """Reads the NIC's flag and the persistent configuration, compares them with the task, acts."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.enabled = self.params["state"] == "enabled"

    def fail(self, msg, **kwargs) -> NoReturn:
        self.module.fail_json(msg=msg, name=self.params["name"], **kwargs)
        raise AssertionError("fail_json returned")

    def validate(self) -> None:
        name = self.params["name"]
        if not is_interface_name(name):
            self.fail("name: %r is not a valid interface name. Use %s, as 'ip link' shows them." % (name, IFNAME_RULE))
        if self.params["persistent"]:
            root = self.params["persistent_root"]
            if self.params["netns"] and os.path.realpath(root) == "/":
                self.fail(
                    "persistent: the managed host's own network configuration does not bring up %r in network "
                    "namespace %r. Set persistent_root to the root file system of the system that owns that "
                    "namespace, or drop netns to work on the host's own NIC." % (name, self.params["netns"]))
            if not os.path.isdir(root):
                self.fail("persistent_root: %r is not a directory. Give the root directory of the system whose "
                          "network configuration should keep the setting (default /)." % root)

    def netlink_failure(self, action: str, exc: Exception) -> NoReturn:
        code = getattr(exc, "code", None) or getattr(exc, "errno", None)
        where = "network namespace %r" % self.params["netns"] if self.params["netns"] else "the host's namespace"
        if code in PERMISSION_ERRNOS:
            self.fail(
                "Permission denied while trying to %s %r in %s: %s. Changing a link, or entering another "
                "namespace, needs root or the CAP_NET_ADMIN capability; run the task with become: true."
                % (action, self.params["name"], where, netlink_error_text(exc) if isinstance(exc, NetlinkError)
                   else os.strerror(code)))
        text = netlink_error_text(exc) if isinstance(exc, NetlinkError) else str(exc)
        self.fail("Could not %s %r in %s: %s." % (action, self.params["name"], where, text))

    def persistent_plan(self, link: dict):
        if not self.params["persistent"]:
            return None
        try:
            config = read_config(self.params["persistent_root"])
            manager = choose_manager(config, link, self.params["persistent_manager"])
            path, changes = plan_change(config, link, manager, self.enabled)
            check_writable(changes)
        except PersistenceError as exc:
            self.fail("persistent: %s" % exc)
        return dict(manager=manager, path=path, changes=changes)

    def open_netlink(self):
        """The pyroute2 socket in the task's namespace; fails the task naming the namespace."""
        try:
            path = netns_path(self.params["netns"])
        except NetnsNotFound as exc:
            self.fail("netns: %s" % exc)
        require_pyroute2(self.module)
        try:
            return path, _netlink.make_iproute(path)
        except (OSError, NetlinkError) as exc:
            if getattr(exc, "errno", None) == errno.ENOENT:
                self.fail("netns: network namespace %r disappeared (%s does not exist)." % (self.params["netns"], path))
            self.netlink_failure("open the network namespace holding", exc)

    def read_link(self, ipr) -> dict:
        try:
            return link_summary(lookup_link(ipr, self.params["name"], self.params["netns"]))
        except LinkNotFound as exc:
            self.fail("name: %s" % exc, existing=sorted(exc.existing))
        except NetlinkError as exc:
            self.netlink_failure("read", exc)

    def set_flag(self, ipr, before: dict) -> dict:
        """Set or clear IFF_PROMISC; the link as it is afterwards (in check mode, as it would be)."""
        if self.module.check_mode:
            return dict(before, promisc=self.enabled,
                        promiscuity=max(0, before["promiscuity"] + (1 if self.enabled else -1)))
        try:
            ipr.link("set", index=before["ifindex"], flags=IFF_PROMISC if self.enabled else 0, change=IFF_PROMISC)
            return link_summary(ipr.get_links(before["ifindex"])[0])
        except NetlinkError as exc:
            self.netlink_failure("switch promiscuous mode %s for" % ("on" if self.enabled else "off"), exc)

    def write_persistent(self, changes) -> None:
        if not changes or self.module.check_mode:
            return
        try:
            apply_changes(self.module, changes)
        except PersistenceError as exc:
            self.fail("persistent: %s The interface's flag itself is already as asked." % exc)

    def run(self) -> dict:
        self.validate()
        name = self.params["name"]
        path, ipr = self.open_netlink()
        with ipr:
            before = self.read_link(ipr)
            persistent = self.persistent_plan(dict(name=name, address=before["address"], kind=before["kind"]))
            flag_changes = before["promisc"] != self.enabled
            after = self.set_flag(ipr, before) if flag_changes else before
        file_changes = persistent["changes"] if persistent else []
        self.write_persistent(file_changes)
        result = dict(
            changed=flag_changes or bool(file_changes),
            name=name,
            ifindex=after["ifindex"],
            promisc=after["promisc"],
            promiscuity=after["promiscuity"],
            operstate=after["operstate"],
            netns=path,
        )
        if persistent:
            result.update(persistent_manager=persistent["manager"], persistent_path=persistent["path"],
                          persistent_changed=bool(file_changes))
        if self.module._diff:
            flag_diff = dict(before_header="%s flags" % name, after_header="%s flags" % name,
                             before="promisc: %s\n" % str(before["promisc"]).lower(),
                             after="promisc: %s\n" % str(after["promisc"]).lower())
            result["diff"] = [flag_diff] + [change.diff(self.params["show_secrets"]) for change in file_changes]
        return result
