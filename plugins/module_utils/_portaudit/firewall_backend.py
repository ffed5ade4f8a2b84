# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which iptables backend (nf_tables or legacy) a host's ``iptables`` command drives."""

from __future__ import annotations

import re

_VERSION_RE = re.compile(r"iptables v(?P<version>[\d.]+)(?:\s+\((?P<backend>[\w-]+)\))?")


def parse_iptables_version(text: str) -> dict:
    """``iptables -V`` output as ``{'version': '1.8.9', 'backend': 'nf_tables'}``.

    iptables before 1.8 prints no backend: that is the legacy one.
    """
    match = _VERSION_RE.search(text or "")
    if not match:
        return dict(version=None, backend=None)
    backend = match.group("backend") or "legacy"
    return dict(version=match.group("version"), backend=backend)


def iptables_backend(module) -> dict:
    """Run ``iptables -V`` on the managed host; ``backend`` is None where iptables is missing."""
    binary = module.get_bin_path("iptables")
    if not binary:
        return dict(version=None, backend=None, path=None)
    rc, out, err = module.run_command([binary, "-V"], environ_update={"LANG": "C"}, expand_user_and_vars=False)
    result = parse_iptables_version(out + err) if rc == 0 else dict(version=None, backend=None)
    result["path"] = binary
    return result
