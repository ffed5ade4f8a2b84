# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._hostnet import netns_enter as ne


def test_missing_namespace_file_raises(tmp_path):
    with pytest.raises(OSError):
        ne.enter_netns(str(tmp_path / "nosuch"))


def test_a_file_that_is_not_a_namespace_is_refused(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("")
    with pytest.raises(ne.NetnsEnterError) as info:
        ne.enter_netns(str(plain))
    assert "setns(%s)" % plain in str(info.value)


@pytest.mark.skipif(os.geteuid() != 0, reason="setns needs root")
def test_entering_own_namespace_keeps_it():
    before = os.readlink("/proc/self/ns/net")
    ne.enter_netns("/proc/self/ns/net")
    assert os.readlink("/proc/self/ns/net") == before
