"""HackerOne integration variables computed from a real report document, and templates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jirasync.core.report_variables import (
    TemplateError,
    render,
    report_variables,
    unknown_variables,
)

REPORT = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "reports" / "report_322474.json").read_text()
)
WHEN = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def variables() -> dict:
    return report_variables(REPORT, "https://h1.test", escalated_at=WHEN)


def test_values_from_the_report(variables: dict) -> None:
    assert variables["title"] == "Backup SQL file lingering on https://ops.playtronics.com/"
    assert variables["report_id"] == "322474"
    assert variables["report_link"] == "https://h1.test/reports/322474"
    assert variables["reporter_username"] == "mother" and variables["reporter_name"] == "Mother"
    assert variables["reporter_link"] == "https://h1.test/mother"
    assert variables["weakness"] == "Information Disclosure"
    assert (
        variables["severity_rating"] == "critical"
        and variables["severity_rating_capitalized"] == "Critical"
    )
    assert variables["jira_severity"] == 5 and variables["cvss_score"] == 10
    assert variables["asset_identifier"] == "com.playtronics.PlayTronicsStore"
    assert variables["assignee"] == "demo-member"
    assert variables["submission_date"] == "05/03/2018"
    assert variables["submission_date_y_m_d"] == "2018-03-05"
    assert variables["submission_date_custom_format"] == "05-03-2018"
    assert variables["escalation_time"] == "2026-11-23T12:00:00Z"
    assert variables["triage_summary"].startswith("ops.playtronics.com is serving")
    assert variables["details"].startswith("The Playtronics Ops website")
    assert "{{ops.playtronics.com}}" in variables["details_jira"]
    assert "h1. Steps to Reproduce" in variables["details_jira"]


def test_truncated_details_stop_at_4000_characters() -> None:
    long = json.loads(json.dumps(REPORT))
    long["attributes"]["vulnerability_information"] = "x" * 5000
    assert len(report_variables(long, "https://h1.test")["details_truncated"]) == 4000


def test_render_with_functions(variables: dict) -> None:
    template = "[H1 #{{report_id}}] {{title}} ({{severity_rating}}) due {{due_date(14)}}, filed+30 {{days_after_report(30)}}"
    assert render(template, variables) == (
        "[H1 #322474] Backup SQL file lingering on https://ops.playtronics.com/ (critical) "
        "due 2026-12-07, filed+30 2018-04-04"
    )


def test_unknown_variables_and_syntax_errors_are_caught(variables: dict) -> None:
    assert unknown_variables("{{titel}} {{report_link}} {{due_date(3)}}", variables) == ["titel"]
    with pytest.raises(TemplateError, match="titel"):
        render("{{titel}}", variables)
    with pytest.raises(TemplateError, match="line 1"):
        unknown_variables("{{ title ", variables)


def test_the_sandbox_refuses_attribute_tricks(variables: dict) -> None:
    with pytest.raises(TemplateError):
        render("{{ title.__class__.__mro__[1].__subclasses__() }}", variables)
