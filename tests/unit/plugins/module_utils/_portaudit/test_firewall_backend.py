# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._portaudit.firewall_backend import parse_iptables_version


@pytest.mark.parametrize(
    "text, version, backend",
    [
        ("iptables v1.8.9 (nf_tables)\n", "1.8.9", "nf_tables"),
        ("iptables v1.8.7 (legacy)\n", "1.8.7", "legacy"),
        ("iptables v1.6.1\n", "1.6.1", "legacy"),
        ("command not found", None, None),
        ("", None, None),
    ],
)
def test_parse_iptables_version(text, version, backend):
    assert parse_iptables_version(text) == {"version": version, "backend": backend}
