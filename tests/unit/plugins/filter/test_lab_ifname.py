# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.labnet.docker.plugins.filter.lab_ifname import FilterModule, lab_ifname
from ansible_collections.labnet.docker.plugins.filter.lab_plan import IFNAME_MAX


@pytest.mark.parametrize("lab, suffix, expected", [
    ("labnet", "nic", "labnet-nic"),
    ("labnet", "shm", "labnet-shm"),
    ("lbt12345", "nic", "lbt12345-nic"),
    ("lbt1234567x", "shm", "lbt1234567x-shm"),  # 15 characters: still the plain name
])
def test_a_name_that_fits_is_kept(lab, suffix, expected):
    assert lab_ifname(lab, suffix) == expected


def test_a_long_name_keeps_its_beginning_and_gets_a_hash_of_the_whole_name():
    digest = hashlib.sha256(b"lbt12345-test1").hexdigest()[:5]
    assert lab_ifname("lbt12345-test1", "shm") == "lbt123%s-shm" % digest


@pytest.mark.parametrize("suffix", ["nic", "shm", "nicp", "x"])
def test_labs_that_share_their_first_11_characters_get_different_names(suffix):
    names = {lab_ifname("lbt12345-test%d" % n, suffix) for n in range(1, 50)}
    assert len(names) == 49
    assert all(len(name) <= IFNAME_MAX for name in names)
    # The old rule (lab_name[:11] + suffix) gave all of them one name.
    assert len({("lbt12345-test%d" % n)[:11] + "-" + suffix for n in range(1, 50)}) == 1


def test_names_are_stable_and_within_ifnamsiz_for_any_length():
    for length in range(1, 80):
        name = lab_ifname("a" * length, "shm")
        assert len(name) <= IFNAME_MAX and name.endswith("-shm")
        assert name == lab_ifname("a" * length, "shm")


@pytest.mark.parametrize("suffix", ["", "ninechars"])
def test_a_suffix_that_leaves_no_room_is_refused(suffix):
    with pytest.raises(AnsibleFilterError, match="suffix"):
        lab_ifname("labnet", suffix)


def test_the_filter_is_exported():
    assert FilterModule().filters()["lab_ifname"] is lab_ifname
