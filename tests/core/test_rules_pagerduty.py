"""PagerDuty's own rule documents load, validate and survive a round trip unchanged."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from jirasync.core.rules.pagerduty import Rule

EXAMPLE = json.loads(
    (
        Path(__file__).parents[1] / "fixtures" / "rules" / "pagerduty_GET_rules_example.json"
    ).read_text()
)


def example_rule() -> dict:
    return copy.deepcopy(EXAMPLE["rules"][0])


def test_pagerduty_example_loads_with_all_four_sections() -> None:
    rule = Rule.model_validate(example_rule())
    config = rule.config
    assert rule.name == "Sample Rule" and rule.enabled and config.sync_comments
    assert [s.id for s in config.services] == ["PLW70S2", "PR5R1T1"]
    assert [p.key for p in config.projects] == ["PD", "HD"]
    assert config.autocreate_incidents_config[0].jql == "issuetype=Bug"
    assert config.autocreate_issues_config[1].target_project is not None
    assert config.autocreate_issues_config[1].target_project.key == "HD"
    react = config.react_on_incident_event_config[0]
    assert react.condition.pd_events == ["incident.acknowledge"]
    assert react.param("jira_change_status") == {"id": "3", "label": "In Progress"}
    status_rules = config.react_on_issue_status_change_config
    assert [a.key for r in status_rules for a in r.enabled()] == [
        "pd_acknowledge",
        "pd_resolve",
        "pd_add_responders",
    ]


def test_round_trip_keeps_every_key_of_the_wire_document() -> None:
    original = example_rule()
    dumped = Rule.model_validate(original).model_dump(by_alias=True, exclude_unset=True)
    assert dumped == original


def test_scope_helpers() -> None:
    rule = Rule.model_validate(example_rule())
    assert (
        rule.covers_service("PR5R1T1")
        and not rule.covers_service("POTHER")
        and not rule.covers_service(None)
    )
    assert (
        rule.covers_issue("HD", "10004")
        and not rule.covers_issue("HD", "99")
        and not rule.covers_issue("XX", "10004")
    )


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda r: r["config"].update(services=[]), "config.services"),
        (lambda r: r.update(name=""), "name"),
        (
            lambda r: r["config"]["autocreate_incidents_config"][0].pop("jql"),
            "autocreate_incidents_config.0.jql",
        ),
        (
            lambda r: r["config"]["react_on_incident_event_config"][0]["actions"][0].update(
                key="pd_explode"
            ),
            "actions.0.key",
        ),
        (
            lambda r: r["config"]["autocreate_issues_config"][1]["condition"].update(
                pd_urgency="medium"
            ),
            "pd_urgency",
        ),
        (
            lambda r: r["config"]["autocreate_issues_config"][1]["target_project"].update(key="ZZ"),
            "ZZ is not one of the rule's projects",
        ),
    ],
)
def test_bad_rules_say_where(change, where: str) -> None:
    rule = example_rule()
    change(rule)
    with pytest.raises(ValidationError) as caught:
        Rule.model_validate(rule)
    text = str(caught.value).replace("\n", " ")
    assert where in text or where.replace(".", " ") in text, text
