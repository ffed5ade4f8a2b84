# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""checks.xml and checks.json: valid JUnit XML that counts what the table counts, the diagnosis in each failure."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.labnet.docker.plugins.filter.lab_report import (
    lab_check_junit,
    lab_check_rows,
    lab_check_summary,
    lab_check_table,
)

xmlschema = pytest.importorskip("xmlschema", reason="xmlschema (requirements-dev.txt) validates checks.xml: run make setup")

SCHEMA = os.path.join(os.path.dirname(__file__), "..", "..", "support", "junit", "junit-10.xsd")
PING_OK = "3 packets transmitted, 3 packets received, 0% packet loss\n"
WHY = "lab-beta is stopped (exited); start it (docker start lab-beta)"


def _results():
    ping = dict(kind="ping", host="h1", name="ping alpha -> beta (10.0.0.11 on lan)", container="lab-alpha", address="10.0.0.11")
    return [
        dict(item=ping, rc=1, stdout="3 packets transmitted, 0 packets received", diagnosis=WHY),
        dict(item=dict(ping, name="ping beta -> alpha & <back> \"quoted\""), rc=0, stdout=PING_OK),
        dict(item=dict(ping, kind="http", name="http client -> http://www/", url="http://www/", expect="box"),
             skipped=True, false_condition="not ansible_check_mode"),
        dict(item=dict(kind="vxlan", host="h2", name="vxlan h2 -> h1"), unsupported=True, msg="not run here"),
        dict(item=dict(kind="port", host="h2", name="port 127.0.0.1:8080 -> web", address="127.0.0.1", port=8080),
             failed=True, msg="Timeout when waiting for 127.0.0.1:8080", diagnosis="nothing listens; restart web or the engine"),
    ]


@pytest.fixture(name="rows")
def rows_fixture():
    return lab_check_rows(_results())


def test_checks_xml_is_valid_junit(rows):
    xml = lab_check_junit(rows, "lab")
    xmlschema.XMLSchema(SCHEMA).validate(xml)  # raises on any violation


def test_checks_xml_counts_what_the_table_counts(rows):
    root = ET.fromstring(lab_check_junit(rows, "lab"))
    cases = root.findall("./testsuite/testcase")
    total, passed, failed, warned = map(int, re.search(r"^(\d+) checks: (\d+) passed, (\d+) failed, (\d+) warnings$",
                                                       lab_check_table(rows), re.M).groups())
    assert (len(cases), int(root.get("tests")), int(root.get("failures"))) == (total, total, failed) == (5, 5, 2)
    assert len(root.findall("./testsuite/testcase/failure")) == failed
    assert len(root.findall("./testsuite/testcase/skipped")) == warned == 2
    assert total - failed - warned == passed == 1
    assert sorted(c.get("name") for c in cases) == sorted(r["name"] for r in rows)
    assert [s.get("hostname") for s in root.findall("testsuite")] == ["h1", "h2"]


def test_a_failure_carries_the_diagnosis(rows):
    root = ET.fromstring(lab_check_junit(rows, "lab"))
    failure = root.find("./testsuite/testcase[@name='ping alpha -> beta (10.0.0.11 on lan)']/failure")
    assert failure.get("message") == WHY and failure.get("type") == "ping"
    assert failure.text == "rc=1: 3 packets transmitted, 0 packets received\nfirst broken hop: " + WHY
    case = root.find("./testsuite/testcase[@name='ping beta -> alpha & <back> \"quoted\"']")
    assert case is not None and case.find("failure") is None  # escaped, and passed


def test_checks_json_holds_every_row_and_the_counts(rows):
    doc = json.loads(json.dumps(lab_check_summary(rows, "lab")))
    assert (doc["lab"], doc["checks"], doc["passed"], doc["failed"], doc["warnings"]) == ("lab", 5, 1, 2, 2)
    failed = [r for r in doc["rows"] if r["status"] == "fail"]
    assert {r["diagnosis"] for r in failed} == {WHY, "nothing listens; restart web or the engine"}
    assert all(r["diagnosis"] == "" for r in doc["rows"] if r["status"] != "fail")


def test_an_empty_lab_is_an_empty_valid_report():
    xml = lab_check_junit([], "lab")
    xmlschema.XMLSchema(SCHEMA).validate(xml)
    assert ET.fromstring(xml).get("tests") == "0"


def test_the_schema_refuses_what_ci_systems_would_not_read():
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(SCHEMA).validate('<testsuites><testsuite name="x"><testcase/></testsuite></testsuites>')
