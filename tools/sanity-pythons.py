"""Print the Pythons that ``ansible-test sanity`` tests modules on, one "X.Y PIP_VERSION" a line.

Run from the collection's root with the Python of the ansible-core under test: the versions this
ansible-test supports, narrowed by ``modules: python_requires`` in tests/config.yml, each with
the pip version ansible-test pins for that Python's venvs (tools/test.sh names the offline pip
bootstrap after it).
"""
from __future__ import annotations

import yaml
from ansible_test._internal.python_requirements import get_venv_packages
from ansible_test._util.target.common.constants import (
    CONTROLLER_PYTHON_VERSIONS,
    REMOTE_ONLY_PYTHON_VERSIONS,
)
from packaging.specifiers import SpecifierSet


class _Python:  # pylint: disable=too-few-public-methods
    """The one attribute of ansible-test's PythonConfig that get_venv_packages reads."""

    def __init__(self, version: str) -> None:
        self.version = version


def main() -> None:
    """Print each version and its pip."""
    with open("tests/config.yml", encoding="utf-8") as config:
        wanted = SpecifierSet(yaml.safe_load(config)["modules"]["python_requires"])
    for version in REMOTE_ONLY_PYTHON_VERSIONS + CONTROLLER_PYTHON_VERSIONS:
        if version in wanted:
            print(version, get_venv_packages(_Python(version))["pip"])


if __name__ == "__main__":
    main()
