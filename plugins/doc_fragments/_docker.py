# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """The options of every module that talks to a Docker engine."""

    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The Docker engine to talk to, as a URL such as V(unix:///var/run/docker.sock) or V(tcp://10.0.0.5:2375).
      - When not set, the E(DOCKER_HOST) environment variable of the managed host is used, and when that is not
        set either, the local socket V(unix:///var/run/docker.sock).
    type: str
    aliases:
      - docker_url
  timeout:
    description:
      - Seconds to wait for an answer from the Docker engine before the task fails.
    type: int
    default: 60
requirements:
  - Docker SDK for Python 7.0.0 or later (the C(docker) package) on the managed host.
notes:
  - When no engine answers, the task fails with the address it tried and how to start an engine.
"""
