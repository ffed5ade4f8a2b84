# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.modules import dockerd_config_info
from ansible_collections.labnet.docker.tests.unit.plugins.module_utils._portaudit.test_engine_settings_daemon_json import (
    HELP_20_10,
)
from ansible_collections.labnet.docker.tests.unit.support.module_runner import ModuleExit, run_module

ENGINE = (4242, ["/usr/sbin/dockerd", "--host", "unix:///var/run/docker.sock", "--cgroup-parent", "/lab1"])


@pytest.fixture
def host(monkeypatch):
    """The managed host: the serving dockerd, its program, and what its --help prints."""
    state = {"engine": ENGINE, "help": (0, HELP_20_10, ""), "bin": "/usr/bin/dockerd", "commands": []}
    monkeypatch.setattr(dockerd_config_info, "serving_dockerd", lambda docker_host: state["engine"])
    monkeypatch.setattr(dockerd_config_info.os, "readlink", lambda path: "/usr/sbin/dockerd")
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, required=False, opt_dirs=None: state["bin"])

    def run_command(self, argv, **kwargs):
        state["commands"].append(argv)
        return state["help"]
    monkeypatch.setattr(AnsibleModule, "run_command", run_command)
    return state


def test_a_good_file_is_valid_and_the_engines_own_program_is_asked(host, monkeypatch):
    result = run_module(dockerd_config_info.main, {"config": {"iptables": True, "mtu": 1400}}, monkeypatch)
    assert isinstance(result, ModuleExit)
    out = result.result
    assert out["changed"] is False and out["valid"] is True and out["messages"] == []
    assert out["pid"] == 4242 and out["options_from"] == "dockerd --help"
    assert out["validated_with"] == ["key and flag check"]
    assert host["commands"] == [["/usr/sbin/dockerd", "--help"]]


def test_a_key_given_as_a_flag_of_the_running_engine(host, monkeypatch):
    out = run_module(dockerd_config_info.main, {"config": {"cgroup-parent": "/x"}}, monkeypatch).result
    assert out["valid"] is False
    assert out["conflicts"] == [{"key": "cgroup-parent", "flag": "--cgroup-parent", "flag_value": ["/lab1"], "file_value": "/x"}]


def test_flags_of_the_service_count_when_no_engine_runs(host, monkeypatch):
    host["engine"] = None
    out = run_module(dockerd_config_info.main, {"config": {"debug": True}, "dockerd_args": ["-D"]}, monkeypatch).result
    assert out["pid"] is None and out["argv"] == [] and out["valid"] is False
    assert host["commands"] == [["/usr/bin/dockerd", "--help"]]
    assert "daemon.json key 'debug' is also given as the flag --debug=true" in out["messages"][0]


def test_help_of_another_program_called_dockerd_is_not_believed(host, monkeypatch):
    host["help"] = (0, "Usage: sleep NUMBER[SUFFIX]...\n  --help     display this help and exit\n", "")
    out = run_module(dockerd_config_info.main, {"config": {"dns": ["1.1.1.1"]}}, monkeypatch).result
    assert out["options_from"] == "dockerd 20.10 list" and out["valid"] is True


def test_dockerd_validate_is_used_where_dockerd_has_it(host, monkeypatch):
    host["help"] = (0, HELP_20_10 + "      --validate                                Validate daemon configuration and exit\n", "")
    out = run_module(dockerd_config_info.main, {"config": {"iptables": True}}, monkeypatch).result
    assert out["validated_with"] == ["key and flag check", "dockerd --validate"]
    assert host["commands"][1][:3] == ["/usr/sbin/dockerd", "--validate", "--config-file"]
