"""Escalation settings: auto-escalation filters and the mapping check against createmeta."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from jirasync.core.report_variables import report_variables
from jirasync.core.rules.hackerone import Escalation, validate_against_createmeta

REPORT = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "reports" / "report_322474.json").read_text()
)
SAMPLE = report_variables(REPORT, "https://h1.test")

CREATEMETA = [
    {"fieldId": "summary", "name": "Summary", "required": True, "schema": {"type": "string"}},
    {
        "fieldId": "issuetype",
        "name": "Issue Type",
        "required": True,
        "schema": {"type": "issuetype"},
    },
    {"fieldId": "project", "name": "Project", "required": True, "schema": {"type": "project"}},
    {
        "fieldId": "description",
        "name": "Description",
        "required": False,
        "schema": {"type": "string"},
    },
    {
        "fieldId": "priority",
        "name": "Priority",
        "required": False,
        "hasDefaultValue": True,
        "schema": {"type": "priority"},
    },
    {
        "fieldId": "customfield_10010",
        "name": "CVSS",
        "required": False,
        "schema": {"type": "number"},
    },
    {
        "fieldId": "customfield_10020",
        "name": "Team",
        "required": True,
        "schema": {"type": "option"},
        "allowedValues": [{"id": "1", "value": "AppSec"}, {"id": "2", "value": "Infra"}],
    },
    {"fieldId": "labels", "name": "Labels", "required": False, "schema": {"type": "array"}},
]


def escalation(**over: object) -> Escalation:
    base: dict = {
        "name": "Playtronics",
        "program": "candiedcode_v2",
        "project_key": "SEC",
        "issue_type_id": "10004",
    }
    base.update(over)
    return Escalation.model_validate(base)


def test_good_mapping_has_no_problems() -> None:
    good = escalation(
        fields={
            "summary": "[H1 #{{report_id}}] {{title}}",
            "description": "{{details_jira}}",
            "customfield_10010": "{{cvss_score}}",
            "customfield_10020": "AppSec",
            "labels": ["hackerone", "{{severity_rating}}"],
        }
    )
    assert validate_against_createmeta(good, CREATEMETA, SAMPLE) == []


def test_required_field_left_unmapped_is_caught_at_save_time() -> None:
    problems = validate_against_createmeta(escalation(), CREATEMETA, SAMPLE)
    assert problems == ["customfield_10020 (Team) is required by Jira but not mapped"]
    no_summary = escalation(fields={"description": "{{details}}", "customfield_10020": "Infra"})
    assert validate_against_createmeta(no_summary, CREATEMETA, SAMPLE) == [
        "summary (Summary) is required by Jira but not mapped"
    ]


def test_wrong_values_are_caught() -> None:
    bad = escalation(
        fields={
            "summary": "{{titel}}",
            "customfield_10010": "{{title}}",
            "customfield_10020": "Marketing",
            "customfield_99999": "x",
            "description": "{{ title ",
        }
    )
    assert validate_against_createmeta(bad, CREATEMETA, SAMPLE) == [
        "summary: unknown variable(s) titel",
        "customfield_10010 is a number field; the template gives "
        "'Backup SQL file lingering on https://ops.playtronics.com/'",
        "customfield_10020: 'Marketing' is not one of AppSec, Infra",
        "customfield_99999 is not on the create screen of this project and issue type",
        "description: line 1: unexpected end of template, expected 'end of print statement'.",
    ]


def test_auto_escalation_filters() -> None:
    auto = escalation(auto={"on_states": ["triaged"], "severities": ["high", "critical"]})
    assert auto.wants_auto("triaged", "critical", None, None)
    assert not auto.wants_auto("triaged", "low", None, None)
    assert not auto.wants_auto("new", "critical", None, None)
    assert not escalation().wants_auto("triaged", "critical", None, None)


def test_unknown_settings_are_refused_with_their_name() -> None:
    with pytest.raises(ValidationError, match="severity_to_prio"):
        escalation(severity_to_prio={"critical": "Highest"})
    with pytest.raises(ValidationError, match="on_states"):
        escalation(auto={"on_states": ["fixed"]})
