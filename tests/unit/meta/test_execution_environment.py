# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""meta/execution-environment.yml and the files it names list exactly what plugins/ needs.

The Python side: every third-party top-level import under plugins/ (read with ast), mapped to
its distribution, against requirements.txt. The system side: every program the plugins look up
with get_bin_path, mapped to its package on each platform, against bindep.txt.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
PLUGINS = ROOT / "plugins"

# Top-level import name -> the distribution that provides it.
DISTRIBUTIONS = {"docker": "docker", "pyroute2": "pyroute2", "requests": "requests"}
# Program -> the package that provides it on each bindep platform. None: not packaged there,
# and the plugins do without it (the port audit reads whichever iptables backends exist).
PACKAGES: dict[str, dict[str, str | None]] = {
    "iptables": {"dpkg": "iptables", "rpm": "iptables-nft"},
    "iptables-nft": {"dpkg": "iptables", "rpm": "iptables-nft"},
    "iptables-legacy": {"dpkg": "iptables", "rpm": None},
    "ip6tables": {"dpkg": "iptables", "rpm": "iptables-nft"},
    "ip6tables-nft": {"dpkg": "iptables", "rpm": "iptables-nft"},
    "ip6tables-legacy": {"dpkg": "iptables", "rpm": None},
    "nft": {"dpkg": "nftables", "rpm": "nftables"},
    # The engine itself: dockerd_config_info asks the dockerd of the host it checks, never one of
    # the execution environment's own.
    "dockerd": {"dpkg": None, "rpm": None},
    # lab_checks pings the lab's containers through the host's shims; busybox's ping stands in where
    # iputils is missing.
    "ping": {"dpkg": "iputils-ping", "rpm": "iputils"},
    "busybox": {"dpkg": None, "rpm": None},
}
NOT_THIRD_PARTY = {"__future__", "ansible", "ansible_collections"}


def _trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), str(path))) for path in sorted(PLUGINS.rglob("*.py"))]


def third_party_imports(trees: list[tuple[Path, ast.Module]]) -> dict[str, set[str]]:
    """Top-level third-party names imported anywhere, with the files that import them."""
    found: dict[str, set[str]] = {}
    for path, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in NOT_THIRD_PARTY:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def _constant_strings(node: ast.AST | None, constants: dict[str, list[str]]) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    return []


def looked_up_programs(trees: list[tuple[Path, ast.Module]]) -> dict[str, set[str]]:
    """Programs named in get_bin_path calls: literally, or by a loop over a module-level tuple."""
    found: dict[str, set[str]] = {}
    for path, tree in trees:
        constants = {
            target.id: [elt.value for elt in node.value.elts if isinstance(elt, ast.Constant) and isinstance(elt.value, str)]
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Tuple, ast.List))
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        rows = {  # module-level tuples of tuples: each row's strings by position
            target.id: [[elt.value if isinstance(elt, ast.Constant) else None for elt in row.elts]
                        for row in node.value.elts if isinstance(row, ast.Tuple)]
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Tuple, ast.List))
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        loops = {}  # loop variable -> the constant it runs over
        for node in ast.walk(tree):
            for gen in getattr(node, "generators", []) + ([node] if isinstance(node, ast.For) else []):
                if isinstance(gen.target, ast.Name):
                    loops[gen.target.id] = _constant_strings(gen.iter, constants)
                elif isinstance(gen.target, ast.Tuple) and isinstance(gen.iter, ast.Name) and rows.get(gen.iter.id):
                    # for a, b in ROWS: each name takes the strings at its position in the rows
                    for position, elt in enumerate(gen.target.elts):
                        if isinstance(elt, ast.Name):
                            loops[elt.id] = [row[position] for row in rows[gen.iter.id]
                                             if position < len(row) and isinstance(row[position], str)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "get_bin_path" and node.args:
                arg = node.args[0]
                names = loops.get(arg.id, []) if isinstance(arg, ast.Name) else _constant_strings(arg, constants)
                assert names, f"{path}:{node.lineno}: get_bin_path with an argument this test cannot read"
                for name in names:
                    found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def requirements(path: Path) -> set[str]:
    """Distribution names in a pip requirements file (comments and version specifiers dropped)."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0].lower())
    return names


def bindep(path: Path) -> set[tuple[str, str]]:
    """(package, platform) pairs in a bindep file; every entry must name its platforms."""
    pairs = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"(\S+)\s*\[([^\]]+)\]", line)
        assert match, f"bindep.txt: {line!r} names no [platform:...] profile"
        for profile in match.group(2).split():
            assert profile.startswith("platform:"), f"bindep.txt: {line!r}: only platform profiles here"
            pairs.add((match.group(1), profile.split(":", 1)[1]))
    return pairs


@pytest.fixture(scope="module", name="ee")
def fixture_ee() -> dict:
    with open(ROOT / "meta" / "execution-environment.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_metadata_names_existing_files(ee):
    assert ee["version"] == 1
    assert set(ee["dependencies"]) == {"python", "system"}
    for name in ee["dependencies"].values():
        assert (ROOT / name).is_file(), f"meta/execution-environment.yml names {name}, which does not exist"


def test_python_requirements_match_the_imports(ee):
    imports = third_party_imports(_trees())
    unknown = sorted(set(imports) - set(DISTRIBUTIONS))
    where = {name: sorted(imports[name]) for name in unknown}
    assert not unknown, f"imports with no known distribution (add them to DISTRIBUTIONS and requirements.txt): {where}"
    assert requirements(ROOT / ee["dependencies"]["python"]) == {DISTRIBUTIONS[name] for name in imports}


def test_system_packages_match_the_programs(ee):
    programs = looked_up_programs(_trees())
    unknown = sorted(set(programs) - set(PACKAGES))
    assert not unknown, f"programs with no known package (add them to PACKAGES and bindep.txt): {unknown}"
    wanted = {(PACKAGES[program][platform], platform)
              for program in programs for platform in ("dpkg", "rpm") if PACKAGES[program][platform]}
    assert bindep(ROOT / ee["dependencies"]["system"]) == wanted


def test_the_readers_see_what_the_port_audit_uses():
    # The test above compares sets; this pins that the readers find the known uses at all.
    assert {"docker", "pyroute2"} <= set(third_party_imports(_trees()))
    assert {"iptables", "iptables-nft", "iptables-legacy", "ip6tables-nft", "ip6tables-legacy", "nft"} <= set(
        looked_up_programs(_trees()))


@pytest.mark.parametrize(
    "text, wanted",
    [("docker>=7  # SDK\n\n# note\npyroute2 >= 0.7.9\nrequests\nfoo[bar]==1 ; python_version>'3'\n",
      {"docker", "pyroute2", "requests", "foo"})],
)
def test_requirements_reader(tmp_path, text, wanted):
    path = tmp_path / "requirements.txt"
    path.write_text(text, encoding="utf-8")
    assert requirements(path) == wanted


def test_bindep_reader_refuses_an_entry_without_platform(tmp_path):
    path = tmp_path / "bindep.txt"
    path.write_text("iptables [platform:dpkg platform:rpm]\nnftables\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="names no"):
        bindep(path)
    path.write_text("iptables [platform:dpkg platform:rpm]\n", encoding="utf-8")
    assert bindep(path) == {("iptables", "dpkg"), ("iptables", "rpm")}
