# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker import client as _docker_client


def test_resolve_order(monkeypatch):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert _docker_client.resolve_docker_host(None) == "unix:///var/run/docker.sock"
    monkeypatch.setenv("DOCKER_HOST", "tcp://192.0.2.9:2375")
    assert _docker_client.resolve_docker_host(None) == "tcp://192.0.2.9:2375"
    assert _docker_client.resolve_docker_host("unix:///x.sock") == "unix:///x.sock"


def test_unreachable_engine_names_address_and_fix(tmp_path):
    # A real client against a socket path where nothing listens: no mock needed.
    url = "unix://%s" % (tmp_path / "nothing.sock")
    with pytest.raises(_docker_client.EngineUnreachable) as err:
        _docker_client.connect(url, timeout=2)
    text = str(err.value)
    assert url in text
    assert "dockerd" in text and "docker_host" in text
