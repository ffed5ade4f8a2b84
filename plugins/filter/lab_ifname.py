# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""labnet.docker.lab_ifname: the name of a lab's own interface (see plugins/filter/lab_ifname.yml)."""

from __future__ import annotations

import hashlib

from ansible.errors import AnsibleFilterError

from ansible_collections.labnet.docker.plugins.filter.lab_plan import IFNAME_MAX

# A lab's own interface name: <lab_name>-<suffix> where that fits, else the lab name's first characters
# and a hash of the whole name, so that two labs whose names only differ further on never share one.
LAB_IFNAME_HASH = 5


def lab_ifname(lab_name, suffix):
    """The name of a lab's own interface (veth lab NIC, shim): unique per lab, at most IFNAME_MAX characters.

    ``labnet`` + ``nic`` -> ``labnet-nic``; a name too long for that keeps its first characters and adds
    the first LAB_IFNAME_HASH hex digits of the SHA-256 of the whole lab name (``lbt1234-test1`` + ``shm``
    -> ``lbt123<hash>-shm``).
    """
    lab_name, suffix = str(lab_name), str(suffix)
    if not suffix or len(suffix) > IFNAME_MAX - LAB_IFNAME_HASH - 2:
        raise AnsibleFilterError(
            "lab_ifname: suffix %r must have 1 to %d characters." % (suffix, IFNAME_MAX - LAB_IFNAME_HASH - 2))
    plain = "%s-%s" % (lab_name, suffix)
    if len(plain) <= IFNAME_MAX:
        return plain
    digest = hashlib.sha256(lab_name.encode("utf-8")).hexdigest()[:LAB_IFNAME_HASH]
    keep = IFNAME_MAX - len(suffix) - 1 - LAB_IFNAME_HASH
    return "%s%s-%s" % (lab_name[:keep], digest, suffix)


class FilterModule:
    """labnet.docker.lab_ifname."""

    def filters(self):
        return {"lab_ifname": lab_ifname}
