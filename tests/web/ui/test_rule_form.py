"""Each action the rules editor offers: the form's fields → the stored rule → the planner plans
the action (the form writes exactly what the planner reads)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from starlette.datastructures import FormData

from jirasync.core.actions import (
    AddResponders,
    CreateIncident,
    CreateIssue,
    EditIssue,
    Plan,
    TransitionIssue,
    UpdateIncident,
)
from jirasync.core.events import FieldChange, IncidentEvent, IssueEvent, IssueEventKind
from jirasync.core.links import LinkState
from jirasync.core.planner import pagerduty as planner
from jirasync.core.rules.pagerduty import Rule
from jirasync.web.ui.rule_form import build_rule, change_entries, form_values, read_form
from jirasync.web.ui.rules import field_errors

EXAMPLE = Path(__file__).parents[2] / "fixtures" / "rules" / "pagerduty_GET_rules_example.json"
SCOPE = [("name", "r"), ("enabled", "on"), ("services", "PSVC1"), ("projects", "OPS")]
SCOPE += [("issue_types", "10001"), ("pagerduty_connection_id", "1")]
INCIDENT = {
    "id": "PINC1",
    "title": "Disk full",
    "number": 7,
    "urgency": "high",
    "service": {"id": "PSVC1", "summary": "Checkout API"},
    "html_url": "https://pd.example/incidents/PINC1",
}
ISSUE = {
    "id": "10100",
    "key": "OPS-1",
    "fields": {"project": {"key": "OPS"}, "issuetype": {"id": "10001"}, "summary": "Broken"},
}
LINKED = LinkState("PINC1", "10100", "OPS-1")


def rule_of(*fields: tuple[str, str], base: dict[str, Any] | None = None) -> Rule:
    return Rule.model_validate(build_rule(read_form(FormData([*SCOPE, *fields])), base or {}))


def incident_plan(rule: Rule, kind: str, link: LinkState | None, **ctx: Any) -> Plan:
    event = IncidentEvent("e1", kind, "PINC1", INCIDENT, None, None, service_id="PSVC1")
    return planner.plan_incident_event(event, [rule], link, planner.Context(**ctx))


def issue_plan(rule: Rule, event: IssueEvent, link: LinkState | None) -> Plan:
    ctx = planner.Context(issue_matches=lambda jql: jql == "priority = Highest")
    return planner.plan_issue_event(event, [rule], link, ctx, "1")


S1 = [("s1_on", "on"), ("s1-count", "1"), ("s1-0-events", "incident.trigger")]
S3 = [("s3_on", "on"), ("s3-count", "1"), ("s3-0-events", "incident.acknowledge")]


def created_fields(*fields: tuple[str, str], **ctx: Any) -> dict[str, Any]:
    plan = incident_plan(rule_of(*S1, *fields), "incident.triggered", None, **ctx)
    (action,) = plan.actions
    assert isinstance(action, CreateIssue)
    return dict(action.fields)


def test_section_1_puts_the_chosen_incident_fields_in_the_description() -> None:
    fields = created_fields(
        ("s1-0-describe", "incident.title"), ("s1-0-describe", "incident.html_url")
    )
    assert fields["description"] == "Disk full\nhttps://pd.example/incidents/PINC1"


def test_section_1_sets_priority_labels_and_assignee() -> None:
    fields = created_fields(
        ("s1-0-priority", "High"),
        ("s1-0-labels", "pagerduty, incident.service.summary"),
        ("s1-0-assignee", "on"),
        assignee_email="alice@example.com",
    )
    assert fields["priority"] == {"name": "High"}
    assert fields["labels"] == ["pagerduty", "Checkout_API"]
    assert fields["assignee"] == {"name": "alice@example.com"}


def test_section_1_creates_in_the_chosen_project_and_type_with_extension_fields() -> None:
    rule = rule_of(
        ("projects", "SUP"),
        *S1,
        ("s1-0-project", "SUP"),
        ("s1-0-issue_type", "10002"),
        ("cf-count", "2"),
        ("cf-0-field", "customfield_1"),
        ("cf-0-value", '{"value": "Red"}'),
        ("cf-1-field", "environment"),
        ("cf-1-value", "prod"),
    )
    (action,) = incident_plan(rule, "incident.triggered", None).actions
    assert isinstance(action, CreateIssue)
    assert (action.project_key, action.issue_type_id) == ("SUP", "10002")
    assert action.fields["customfield_1"] == {"value": "Red"}
    assert action.fields["environment"] == "prod"


def test_section_3_moves_the_issue_and_edits_its_fields() -> None:
    rule = rule_of(*S3, ("s3-0-status", "3"), ("s3-0-priority", "Low"), ("s3-0-labels", "acked"))
    plan = incident_plan(rule, "incident.acknowledged", LINKED)
    assert plan.actions == (
        TransitionIssue("OPS-1", "3", None),
        EditIssue("OPS-1", fields={"priority": {"name": "Low"}, "labels": ["acked"]}),
    )


def test_section_3_assigns_the_issue() -> None:
    rule = rule_of(*S3, ("s3-0-assignee", "on"))
    plan = incident_plan(rule, "incident.acknowledged", LINKED, assignee_email="bob@x")
    assert plan.actions == (EditIssue("OPS-1", fields={"assignee": {"name": "bob@x"}}),)


def test_section_2_creates_the_incident_with_a_priority() -> None:
    rule = rule_of(
        ("s2_on", "on"),
        ("s2-count", "1"),
        ("s2-0-jql", "priority = Highest"),
        ("s2-0-on_create", "on"),
        ("s2-0-service", "PSVC2"),
        ("s2-0-pd_priority", "PPRIO1"),
    )
    event = IssueEvent(IssueEventKind.CREATED, "10100", "OPS-1", ISSUE, None, None)
    (action,) = issue_plan(rule, event, None).actions
    assert isinstance(action, CreateIncident)
    assert (action.service_id, action.priority_id) == ("PSVC2", "PPRIO1")


def test_section_2_sets_the_issues_priority_and_adds_labels_once_the_incident_exists() -> None:
    rule = rule_of(
        ("s2_on", "on"),
        ("s2-count", "1"),
        ("s2-0-jql", "priority = Highest"),
        ("s2-0-on_create", "on"),
        ("s2-0-priority", "Highest"),
        ("s2-0-labels", "paged, incident.service.summary"),
    )
    event = IssueEvent(IssueEventKind.CREATED, "10100", "OPS-1", ISSUE, None, None)
    (action,) = issue_plan(rule, event, None).actions
    assert isinstance(action, CreateIncident)
    edit = planner.follow_up_edit(action, INCIDENT)
    labels = [{"add": "paged"}, {"add": "Checkout_API"}]
    assert edit == EditIssue(
        "OPS-1", fields={"priority": {"name": "Highest"}}, update={"labels": labels}
    )
    assert form_values(rule.model_dump(mode="json", by_alias=True))["s2"][0]["labels"] == (
        "paged, incident.service.summary"
    )


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("s4-0-acknowledge", "on", UpdateIncident("PINC1", status="acknowledged")),
        ("s4-0-resolve", "on", UpdateIncident("PINC1", status="resolved")),
        ("s4-0-pd_priority", "PPRIO2", UpdateIncident("PINC1", priority_id="PPRIO2")),
        (
            "s4-0-responders",
            "PUSER1",
            AddResponders("PINC1", ("PUSER1",), "Requested from Jira issue OPS-1"),
        ),
    ],
)
def test_section_4_updates_the_incident(field: str, value: str, expected: object) -> None:
    rule = rule_of(("s4_on", "on"), ("s4-count", "1"), ("s4-0-statuses", "3"), (field, value))
    change = FieldChange("status", "jira", "1", "3", "Open", "In Progress")
    event = IssueEvent(
        IssueEventKind.UPDATED, "10100", "OPS-1", ISSUE, None, None, changes=(change,)
    )
    assert issue_plan(rule, event, LINKED).actions == (expected,)


def test_the_form_of_a_stored_rule_builds_the_same_rule() -> None:
    rule = rule_of(
        *S1,
        ("s1-0-describe", "incident.title"),
        ("s1-0-labels", "a, incident.urgency"),
        *S3,
        ("s3-0-status", "3"),
        ("s4_on", "on"),
        ("s4-count", "1"),
        ("s4-0-done", "on"),
        ("s4-0-resolve", "on"),
        ("s4-0-responders", "PUSER1"),
        ("tf-count", "1"),
        ("tf-0-field", "resolution"),
        ("tf-0-value", "Fixed"),
    )
    stored = rule.model_dump(mode="json", by_alias=True, exclude_unset=True)
    values = form_values(stored) | {"name": "r", "enabled": True}
    values |= {"pagerduty_connection_id": 1, "jira_connection_id": None}
    assert build_rule(values, stored) == stored


def test_adding_and_removing_entries_keeps_what_was_typed() -> None:
    values = read_form(FormData([*SCOPE, *S1, ("s1-0-labels", "first")]))
    added = change_entries(values, "s1", "")
    assert [e["labels"] for e in added["s1"]] == ["first", ""]
    removed = change_entries(added, "", "s1-0")
    assert [e["labels"] for e in removed["s1"]] == [""]
    assert change_entries(values, "nope", "s9-x") == values


def test_odd_numbers_in_the_form_are_ignored_not_an_error() -> None:
    odd = [("s1-count", "²"), ("s2-count", "9" * 5000), ("pagerduty_connection_id", "١")]
    values = read_form(FormData([*SCOPE[:-1], *odd]))
    assert (values["s1"], values["s2"], values["pagerduty_connection_id"]) == ([], [], None)
    assert change_entries(values, "", "s1-²") == values
    with_entry = read_form(FormData([*SCOPE, *S1, ("s1-0-from", "²")]))
    assert build_rule(with_entry, {})["config"]["autocreate_issues_config"][0]["actions"] == []


def test_a_switched_off_action_stays_off_and_others_of_the_section_are_kept() -> None:
    stored = rule_of(*S3, ("s3-0-status", "3")).model_dump(mode="json", by_alias=True)
    entry = stored["config"]["react_on_incident_event_config"][0]
    entry["actions"] = [
        {"key": "jira_change_status", "isDisabled": True},
        {"key": "pd_resolve", "label": "odd here, kept"},
    ]
    values = form_values(stored) | {"name": "r", "enabled": True}
    values |= {"pagerduty_connection_id": 1, "jira_connection_id": None}
    assert values["s3"][0]["status"] == ""
    rebuilt = build_rule(values, stored)["config"]["react_on_incident_event_config"][0]
    assert rebuilt["actions"] == entry["actions"]
    assert rebuilt["actions_params"] == {"jira_change_status": {"id": "3"}}


def test_a_problem_in_an_entry_is_placed_by_that_entry() -> None:
    values = read_form(FormData([*SCOPE, *S1, ("s1-count", "2"), ("s1-1-urgency", "bogus")]))
    with pytest.raises(ValidationError) as problem:
        Rule.model_validate(build_rule(values, {}))
    errors = field_errors(problem.value)
    assert list(errors) == ["s1-1"] and "'high' or 'low'" in errors["s1-1"]


def test_pagerdutys_own_example_rule_passes_through_the_form_unchanged() -> None:
    example = json.loads(EXAMPLE.read_text())["rules"][0]
    stored = Rule.model_validate(example).model_dump(mode="json", by_alias=True, exclude_unset=True)
    values = form_values(stored) | {"name": stored["name"], "enabled": stored["enabled"]}
    values |= {"pagerduty_connection_id": 1, "jira_connection_id": 2}
    assert [len(values[s]) for s in ("s1", "s2", "s3", "s4")] == [3, 2, 4, 3]
    assert build_rule(values, stored) == stored
