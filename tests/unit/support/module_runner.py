# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drive a module's main() with module arguments and catch its exit_json/fail_json."""
from __future__ import annotations

import contextlib
import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:  # ansible-core 2.19 and later
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core 2.16 to 2.18
    patch_module_args = None


class ModuleExit(Exception):
    """exit_json was called: ``result`` holds its arguments."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


class ModuleFail(Exception):
    """fail_json was called: ``result`` holds its arguments."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


def _exit(self, **kwargs):
    raise ModuleExit(kwargs)


def _fail(self, **kwargs):
    kwargs["failed"] = True
    raise ModuleFail(kwargs)


@contextlib.contextmanager
def _module_args(monkeypatch, args):
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
    else:
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
        yield


def run_module(main, args, monkeypatch):
    """Run ``main`` with ``args``; returns ModuleExit or ModuleFail (never raises them)."""
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail)
    with _module_args(monkeypatch, args):
        with pytest.raises((ModuleExit, ModuleFail)) as info:
            main()
    return info.value
