# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._portaudit import nat_rules as nr

REAL_LEGACY_TABLES = nr.legacy_tables  # the autouse fixture below stands in for it

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def fixture(name: str) -> str:
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def rules_of(layout: str) -> list[dict]:
    if layout == "nftables":
        return nr.parse_nft_ruleset(fixture("nftables-docker-bridges.json"))
    return nr.parse_iptables_dump(fixture("iptables-%s.save" % layout), "iptables-nft")


def dnat_summary(rules):
    return sorted(
        (r["proto"], r["dport"], r["dst"], r["to_ip"], r["to_port"]) for r in nr.classify_rules(rules)["dnat"]
    )


@pytest.mark.parametrize(
    "layout, expected",
    [
        ("20.10", [("tcp", 8080, None, "172.17.0.2", 80), ("tcp", 9000, None, "172.18.0.2", 9000),
                   ("udp", 5353, "127.0.0.1", "172.17.0.2", 53)]),
        ("28.x", [("tcp", 8080, None, "172.17.0.2", 80), ("tcp", 9000, None, "172.18.0.2", 9000),
                  ("udp", 5353, "127.0.0.1", "172.17.0.2", 53)]),
        ("nftables", [("tcp", 8080, None, "172.17.0.2", 80), ("tcp", 9090, None, "172.17.0.9", 80),
                      ("udp", 5353, "127.0.0.1", "172.17.0.2", 53)]),
    ],
)
def test_dnat_rules_of_every_layout(layout, expected):
    assert dnat_summary(rules_of(layout)) == expected


@pytest.mark.parametrize(
    "layout, subnets",
    [("20.10", {"172.17.0.0/16", "172.18.0.0/16"}), ("28.x", {"172.17.0.0/16", "172.18.0.0/16"}),
     ("nftables", {"172.17.0.0/16"})],
)
def test_masquerade_subnets_of_every_layout(layout, subnets):
    masquerade = nr.classify_rules(rules_of(layout))["masquerade"]
    assert {r["src"] for r in masquerade if r["src"] and "/" in r["src"] and r["src"] != r["dst"]} == subnets


@pytest.mark.parametrize(
    "layout, accepts",
    [
        ("20.10", {("172.17.0.2", "tcp", 80), ("172.17.0.2", "udp", 53), ("172.18.0.2", "tcp", 9000)}),
        ("28.x", {("172.17.0.2", "tcp", 80), ("172.17.0.2", "udp", 53), ("172.18.0.2", "tcp", 9000)}),
        ("nftables", {("172.17.0.2", "tcp", 80), ("172.17.0.2", "udp", 53)}),
    ],
)
def test_filter_accepts_of_every_layout(layout, accepts):
    assert {(r["dst"], r["proto"], r["dport"]) for r in nr.classify_rules(rules_of(layout))["accept"]} == accepts


def test_28x_chains_do_not_matter_only_meaning():
    rules = rules_of("28.x")
    chains = {r["chain"] for r in rules if r["table"] == "filter"}
    assert {"DOCKER-FORWARD", "DOCKER-BRIDGE", "DOCKER-CT"} <= chains
    # The raw table's DROP rules are neither DNAT nor ACCEPT.
    assert all(r["table"] != "raw" for r in nr.classify_rules(rules)["accept"])


def test_hairpin_rule_of_20_10():
    masquerade = nr.classify_rules(rules_of("20.10"))["masquerade"]
    hairpins = {(r["src"], r["proto"], r["dport"]) for r in masquerade if r["src"] == r["dst"]}
    assert ("172.17.0.2", "tcp", 80) in hairpins


def test_rule_text_is_kept_verbatim():
    dnat = nr.classify_rules(rules_of("20.10"))["dnat"]
    assert "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80" in [
        r["text"] for r in dnat
    ]


def test_negations_are_recorded():
    rule = nr.parse_iptables_rule("-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
                                  "iptables-nft", "nat")
    assert rule["in_iface"] == "docker0" and rule["negated"] == ["in_iface"]
    out = nr.parse_iptables_rule("-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER", "x", "nat")
    assert out["dst"] == "127.0.0.0/8" and "dst" in out["negated"] and out["target"] == "DOCKER"


def test_minus_s_output_needs_the_table_and_ignores_policies():
    rules = nr.parse_iptables_dump(fixture("iptables-20.10-no-proxy.nat.S"), "iptables-nft", "nat")
    assert len(rules) == 6
    assert all(r["table"] == "nat" for r in rules)
    assert dnat_summary(rules) == [("tcp", 18090, None, "10.231.7.2", 80)]
    local = [r for r in rules if r["target"] == "MASQUERADE" and r["out_iface"] == "docker0" and not r["src"]]
    assert len(local) == 1  # the userland-proxy=false rule for loopback-originated traffic


def test_comment_with_spaces_parses():
    rule = nr.parse_iptables_rule('-A DOCKER -p tcp -m comment --comment "my rule x" -m tcp --dport 81 -j DNAT '
                                  '--to-destination 10.0.0.5:80', "iptables-legacy", "nat")
    assert (rule["dport"], rule["to_ip"], rule["to_port"]) == (81, "10.0.0.5", 80)


@pytest.mark.parametrize(
    "value, expected",
    [("172.17.0.2:80", ("172.17.0.2", 80)), ("172.17.0.2", ("172.17.0.2", None)),
     ("[fd00::2]:80", ("fd00::2", 80)), ("fd00::2", ("fd00::2", None)), ("10.0.0.1:80-90", ("10.0.0.1", 80)),
     (None, (None, None))],
)
def test_split_destination(value, expected):
    assert nr.split_destination(value) == expected


def test_nft_rule_text_reads_like_nft():
    dnat = [r for r in rules_of("nftables") if r["target"] == "DNAT" and r["dport"] == 8080][0]
    assert dnat["text"] == 'nft ip docker-bridges nat-prerouting-and-output: iifname != "docker0" tcp dport 8080 dnat to 172.17.0.2:80'
    assert dnat["backend"] == "nftables" and dnat["table"] == "nat"


def test_nft_ruleset_without_docker_table():
    text = '{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "ip", "name": "nat", "handle": 1}}]}'
    assert nr.nft_has_table(text) is False
    assert nr.parse_nft_ruleset(text) == []
    assert nr.nft_has_table(fixture("nftables-docker-bridges.json")) is True


def test_holds_docker_rules():
    assert nr.holds_docker_rules(rules_of("20.10"))
    assert nr.holds_docker_rules(rules_of("nftables"))
    assert not nr.holds_docker_rules(nr.parse_iptables_dump("-A INPUT -j ACCEPT", "iptables-legacy", "filter"))


@pytest.fixture(autouse=True)
def legacy_tables_exist(monkeypatch):
    """The host's legacy nat and filter tables exist, unless a test says otherwise."""
    monkeypatch.setattr(nr, "legacy_tables", lambda proc_root="/proc", family=4: {"nat", "filter"})


class FakeModule:
    """Answers get_bin_path and run_command from a table: the host's commands, recorded."""

    def __init__(self, binaries, outputs):
        self.binaries = binaries
        self.outputs = outputs
        self.calls = []

    def get_bin_path(self, name, required=False):
        return self.binaries.get(name)

    def run_command(self, argv, environ_update=None, expand_user_and_vars=True):
        self.calls.append(argv)
        return self.outputs[tuple(argv)]


def test_read_rules_reads_every_backend_with_the_wait_flag():
    dump = fixture("iptables-20.10.save")
    nat = "\n".join(line for line in dump.split("*nat", 1)[1].splitlines() if line.startswith("-A"))
    module = FakeModule(
        {"iptables-nft": "/usr/sbin/iptables-nft", "iptables-legacy": "/usr/sbin/iptables-legacy", "nft": "/usr/sbin/nft"},
        {
            ("/usr/sbin/iptables-nft", "-w", "5", "-t", "nat", "-S"): (0, nat, ""),
            ("/usr/sbin/iptables-nft", "-w", "5", "-t", "filter", "-S"): (0, "-P INPUT ACCEPT\n", ""),
            ("/usr/sbin/iptables-legacy", "-w", "5", "-t", "nat", "-S"): (
                1, "", "iptables v1.8.9 (legacy): can't initialize iptables table `nat': Table does not exist\n"),
            ("/usr/sbin/iptables-legacy", "-w", "5", "-t", "filter", "-S"): (0, "-A INPUT -p tcp --dport 22 -j ACCEPT\n", ""),
            ("/usr/sbin/nft", "-j", "list", "ruleset"): (0, '{"nftables": []}', ""),
        },
    )
    found = nr.read_rules(module)
    assert all("-w" in call for call in module.calls if "iptables" in call[0])
    assert found["backends"] == {"iptables-nft": len(nat.splitlines()), "iptables-legacy": 1}
    assert found["docker_backends"] == ["iptables-nft"]
    assert found["problems"] == []
    assert len(nr.classify_rules(found["rules"])["dnat"]) == 3


def test_read_rules_reports_a_failed_read():
    module = FakeModule(
        {"iptables-nft": "/sbin/iptables-nft"},
        {
            ("/sbin/iptables-nft", "-w", "5", "-t", "nat", "-S"): (
                4, "", "iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: "
                "Permission denied (you must be root)\n"),
            ("/sbin/iptables-nft", "-w", "5", "-t", "filter", "-S"): (0, "", ""),
        },
    )
    found = nr.read_rules(module)
    assert len(found["problems"]) == 1 and "Permission denied" in found["problems"][0]


def test_read_rules_finds_docker_nft_table():
    module = FakeModule({"nft": "/usr/sbin/nft"},
                        {("/usr/sbin/nft", "-j", "list", "ruleset"): (0, fixture("nftables-docker-bridges.json"), "")})
    found = nr.read_rules(module)
    assert found["docker_backends"] == ["nftables"]
    assert found["backends"]["nftables"] == len(found["rules"])


def test_read_rules_with_old_iptables_names_the_backend_from_its_version():
    module = FakeModule(
        {"iptables": "/sbin/iptables"},
        {
            ("/sbin/iptables", "-V"): (0, "iptables v1.6.1\n", ""),
            ("/sbin/iptables", "-w", "5", "-t", "nat", "-S"): (
                0, "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.2:80\n", ""),
            ("/sbin/iptables", "-w", "5", "-t", "filter", "-S"): (0, "", ""),
        },
    )
    found = nr.read_rules(module)
    assert found["backends"] == {"iptables-legacy": 1}
    assert found["docker_backends"] == ["iptables-legacy"]


def test_read_rules_reads_ip6tables_too_and_counts_a_backend_once():
    v6_nat = fixture("engine-28.5.2/ip6tables.save").split("*nat", 1)[1].split("COMMIT", 1)[0]
    v6_nat_s = "\n".join("-N %s" % line[1:].split()[0] if line.startswith(":") and " - " in line else line
                         for line in v6_nat.splitlines() if line.startswith(("-A", ":")))
    module = FakeModule(
        {"iptables-nft": "/usr/sbin/iptables-nft", "ip6tables-nft": "/usr/sbin/ip6tables-nft"},
        {
            ("/usr/sbin/iptables-nft", "-w", "5", "-t", "nat", "-S"): (0, "-N DOCKER\n", ""),
            ("/usr/sbin/iptables-nft", "-w", "5", "-t", "filter", "-S"): (0, "-N DOCKER-USER\n", ""),
            ("/usr/sbin/ip6tables-nft", "-w", "5", "-t", "nat", "-S"): (0, v6_nat_s, ""),
            ("/usr/sbin/ip6tables-nft", "-w", "5", "-t", "filter", "-S"): (0, "-P FORWARD DROP\n", ""),
        },
    )
    found = nr.read_rules(module)
    dnat = nr.classify_rules(found["rules"])["dnat"]
    assert {(r["family"], r["dport"], r["to_ip"]) for r in dnat} == {
        (6, 8080, "fd00:6a:1::2"), (6, 9000, "fd00:6a:2::2"), (6, 9443, "fd00:6a:2::2")}
    assert found["backends"] == {"iptables-nft": len(found["rules"])}
    assert {(c["family"], c["table"], c["chain"]) for c in found["chains"]} == {
        (4, "nat", "DOCKER"), (4, "filter", "DOCKER-USER"), (6, "nat", "DOCKER")}


def test_read_rules_with_old_iptables_reads_ip6tables_of_the_same_backend():
    module = FakeModule(
        {"iptables": "/sbin/iptables", "ip6tables": "/sbin/ip6tables"},
        {
            ("/sbin/iptables", "-V"): (0, "iptables v1.6.1\n", ""),
            ("/sbin/iptables", "-w", "5", "-t", "nat", "-S"): (0, "", ""),
            ("/sbin/iptables", "-w", "5", "-t", "filter", "-S"): (0, "", ""),
            ("/sbin/ip6tables", "-w", "5", "-t", "nat", "-S"): (
                0, "-A DOCKER -p tcp -m tcp --dport 80 -j DNAT --to-destination [fd00::2]:80\n", ""),
            ("/sbin/ip6tables", "-w", "5", "-t", "filter", "-S"): (0, "", ""),
        },
    )
    found = nr.read_rules(module)
    assert found["backends"] == {"iptables-legacy": 1}
    assert found["rules"][0]["family"] == 6 and found["rules"][0]["to_ip"] == "fd00::2"


def test_legacy_tables_that_do_not_exist_are_not_read(monkeypatch):
    # iptables-legacy -t nat -S would make the nat table (and may load iptable_nat): a read-only audit must not.
    monkeypatch.setattr(nr, "legacy_tables", lambda proc_root="/proc", family=4: {"filter"})
    module = FakeModule(
        {"iptables-legacy": "/usr/sbin/iptables-legacy"},
        {("/usr/sbin/iptables-legacy", "-w", "5", "-t", "filter", "-S"): (0, "-A INPUT -p tcp --dport 22 -j ACCEPT\n", "")},
    )
    found = nr.read_rules(module)
    assert module.calls == [["/usr/sbin/iptables-legacy", "-w", "5", "-t", "filter", "-S"]]
    assert found["backends"] == {"iptables-legacy": 1} and found["problems"] == []


def test_nft_tables_are_read_whether_or_not_legacy_ones_exist(monkeypatch):
    monkeypatch.setattr(nr, "legacy_tables", lambda proc_root="/proc", family=4: set())
    module = FakeModule(
        {"iptables-nft": "/usr/sbin/iptables-nft", "iptables-legacy": "/usr/sbin/iptables-legacy"},
        {("/usr/sbin/iptables-nft", "-w", "5", "-t", "nat", "-S"): (0, "", ""),
         ("/usr/sbin/iptables-nft", "-w", "5", "-t", "filter", "-S"): (0, "", "")},
    )
    found = nr.read_rules(module)
    assert [call[0] for call in module.calls] == ["/usr/sbin/iptables-nft"] * 2
    assert found["backends"] == {"iptables-nft": 0, "iptables-legacy": 0}


@pytest.mark.parametrize("content, tables", [("nat\nfilter\n", {"nat", "filter"}), ("", set()), (None, set())])
def test_legacy_tables_reads_ip_tables_names(tmp_path, content, tables):
    (tmp_path / "net").mkdir()
    if content is not None:
        (tmp_path / "net" / "ip_tables_names").write_text(content)
    assert REAL_LEGACY_TABLES(str(tmp_path)) == tables
