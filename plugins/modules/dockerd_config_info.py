#!/usr/bin/python
# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dockerd_config_info
short_description: Check a daemon.json against the dockerd that is to read it, before it is written
version_added: 0.2.0
description:
  - Finds what would keep C(dockerd) from starting with O(config) as its C(daemon.json) - a key that is no
    dockerd option, a key that is also given as a flag on dockerd's command line, a value of the wrong JSON
    type - so that a playbook can refuse the file before it writes it and restarts the engine.
  - The options dockerd knows, and the kind of value each takes, are read from the engine's own
    C(dockerd --help) (the program of the running engine, else the C(dockerd) on the PATH); where that
    cannot be run, from the list of dockerd 20.10.
  - The flags are read from the command line of the running dockerd that serves O(docker_host)
    (C(/proc/PID/cmdline), in the managed host's mount namespace), plus O(dockerd_args).
  - Where dockerd has C(--validate) (23.0 and later), the file is also checked by C(dockerd --validate).
  - Never changes anything.
author:
  - labnet.docker maintainers (@labnet)
attributes:
  check_mode:
    support: full
    description: The module only reads, so it runs the same in check mode.
  diff_mode:
    support: none
    description: The module changes nothing, so there is nothing to show.
  idempotent:
    support: full
    description: The module only reads.
options:
  config:
    description: The C(daemon.json) to check, as a dict.
    type: dict
    required: true
  docker_host:
    description:
      - The address of the engine whose C(dockerd) is to read O(config); its flags are the ones compared.
      - When no dockerd on the managed host serves it, only O(dockerd_args) are compared.
    type: str
    default: unix:///var/run/docker.sock
  dockerd_args:
    description:
      - Flags that dockerd is (or will be) started with besides those of the running process, for example
        the ones its service passes when it is started again.
    type: list
    elements: str
    default: []
notes:
  - The running dockerd is found by the address it listens on, never by its name alone, so that a second
    engine on the host (in a network namespace, or inside a container) is not mistaken for it.
seealso:
  - name: dockerd daemon configuration file
    description: The keys of C(daemon.json), and why a key must not also be a flag.
    link: https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file
"""

EXAMPLES = r"""
- name: Check the wanted daemon.json before writing it
  labnet.docker.dockerd_config_info:
    config:
      userland-proxy: false
      iptables: true
  register: engine_config_check

- name: Refuse a daemon.json that dockerd would not start with
  ansible.builtin.assert:
    that: engine_config_check.valid
    fail_msg: "{{ engine_config_check.messages | join(' ') }}"
"""

RETURN = r"""
valid:
  description: Whether dockerd would start with O(config) (no problem found).
  returned: success
  type: bool
  sample: false
messages:
  description: One sentence per problem, naming the key and the fix.
  returned: success
  type: list
  elements: str
  sample: ["daemon.json key 'hosts' is also given as the flag --host=unix:///var/run/docker.sock on dockerd's command line ..."]
unknown:
  description: Keys that are no dockerd option.
  returned: success
  type: list
  elements: str
  sample: [userland_proxy]
conflicts:
  description: Keys that are also given as a flag, with the flag and both values.
  returned: success
  type: list
  elements: dict
  sample: [{"key": "hosts", "flag": "--host", "flag_value": ["unix:///var/run/docker.sock"], "file_value": ["tcp://0.0.0.0:2375"]}]
wrong_types:
  description: Keys whose value has another JSON type than dockerd takes there.
  returned: success
  type: list
  elements: dict
  sample: [{"key": "iptables", "kind": "bool", "value": "yes"}]
pid:
  description: The process id of the running dockerd that serves O(docker_host); null when none does.
  returned: success
  type: int
  sample: 3048
argv:
  description: That dockerd's command line; empty when none runs.
  returned: success
  type: list
  elements: str
  sample: [dockerd, --host, unix:///var/run/docker.sock]
options_from:
  description: Where the list of dockerd's options came from, V(dockerd --help) or V(dockerd 20.10 list).
  returned: success
  type: str
  sample: dockerd --help
validated_with:
  description: The checks that ran, V(key and flag check) and, where dockerd has it, V(dockerd --validate).
  returned: success
  type: list
  elements: str
  sample: [key and flag check]
"""

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labnet.docker.plugins.module_utils._portaudit.engine_settings import (
    DOCKERD_FLAGS_20_10,
    daemon_json_problems,
    parse_dockerd_help,
    serving_dockerd,
)


def dockerd_program(module, pid: int | None) -> str | None:
    """The running engine's own program (``/proc/PID/exe``), else the ``dockerd`` on the PATH."""
    if pid is not None:
        try:
            return os.readlink("/proc/%d/exe" % pid)
        except OSError:
            pass
    return module.get_bin_path("dockerd")


def dockerd_options(module, dockerd: str | None) -> tuple[dict, str, bool]:
    """dockerd's flags from its own help (else the 20.10 list), and whether it has ``--validate``."""
    if dockerd:
        rc, out, _err = module.run_command([dockerd, "--help"], environ_update={"LANG": "C"}, expand_user_and_vars=False)
        flags = parse_dockerd_help(out) if rc == 0 else {}
        if "config-file" in flags:  # the help of a dockerd, not of another program of that name
            return flags, "dockerd --help", "validate" in flags
    return dict(DOCKERD_FLAGS_20_10), "dockerd 20.10 list", False


def dockerd_validate(module, dockerd: str, config: dict) -> str | None:
    """``dockerd --validate`` of ``config``: None when it passes, else dockerd's own message."""
    handle, path = tempfile.mkstemp(prefix="labnet-daemon-", suffix=".json")
    try:
        with os.fdopen(handle, "w") as f:
            json.dump(config, f)
        rc, out, err = module.run_command([dockerd, "--validate", "--config-file", path],
                                          environ_update={"LANG": "C"}, expand_user_and_vars=False)
    finally:
        os.unlink(path)
    return None if rc == 0 else "dockerd --validate refuses the file: %s" % (err or out).strip().replace(path, "daemon.json")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="dict", required=True),
            docker_host=dict(type="str", default="unix:///var/run/docker.sock"),
            dockerd_args=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    pid, argv = serving_dockerd(module.params["docker_host"]) or (None, [])
    dockerd = dockerd_program(module, pid)
    flags, options_from, has_validate = dockerd_options(module, dockerd)
    problems = daemon_json_problems(module.params["config"], (argv or ["dockerd"]) + module.params["dockerd_args"], flags)
    validated_with = ["key and flag check"]
    if has_validate and dockerd:
        validated_with.append("dockerd --validate")
        refusal = dockerd_validate(module, dockerd, module.params["config"])
        if refusal:
            problems["messages"].append(refusal)
    module.exit_json(changed=False, valid=not problems["messages"], pid=pid, argv=argv, options_from=options_from,
                     validated_with=validated_with, **problems)


if __name__ == "__main__":
    main()
