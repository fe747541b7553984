"""< > <= >= on numbers, priorities, issue keys and versions; custom fields by id and name."""

from typing import Any

import pytest

from jirasync.jql import EvalContext, FieldInfo, JqlError, matches

CATALOGUE = (
    FieldInfo(
        "customfield_10010",
        "Story Points",
        "number",
        custom="com.atlassian.jira.plugin.system.customfieldtypes:float",
        clause_names=("cf[10010]", "Story Points"),
    ),
    FieldInfo(
        "customfield_10020",
        "Severity",
        "option",
        custom="com.atlassian.jira.plugin.system.customfieldtypes:select",
    ),
    FieldInfo(
        "customfield_10030",
        "Responders",
        "array",
        items="user",
        custom="com.atlassian.jira.plugin.system.customfieldtypes:multiuserpicker",
    ),
    FieldInfo(
        "customfield_10040",
        "Incident start",
        "datetime",
        custom="com.atlassian.jira.plugin.system.customfieldtypes:datetime",
    ),
    FieldInfo(
        "customfield_10060",
        "Teams",
        "array",
        items="option",
        custom="com.atlassian.jira.plugin.system.customfieldtypes:multiselect",
    ),
)
CTX = EvalContext(
    fields=CATALOGUE,
    priorities=("Highest", "High", "Medium", "Low", "Lowest"),
    versions={"OPS": ["1.0", "1.1", "2.0", "10.0"]},
)


def issue(factory: Any, **fields: Any) -> Any:
    defaults = {
        "priority": {"id": "2", "name": "High"},
        "customfield_10010": 5.0,
        "customfield_10020": {"id": "10301", "value": "SEV-2"},
        "customfield_10030": [{"name": "carol", "key": "carol"}, {"name": "dave", "key": "dave"}],
        "customfield_10040": "2024-03-01T10:00:00.000+0000",
        "customfield_10060": [{"id": "1", "value": "Payments"}, {"id": "2", "value": "Core"}],
        "workratio": 40,
        "votes": {"votes": 3},
        "watches": {"watchCount": 0},
    }
    defaults.update(fields)
    return factory(key="OPS-42", issue_id="10042", **defaults)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("priority > Medium", True),
        ("priority >= High", True),
        ("priority > High", False),
        ("priority < Highest", True),
        ("priority <= Lowest", False),
        ("key > OPS-41", True),
        ("key > OPS-42", False),
        ("key >= OPS-42", True),
        ("key < OPS-100", True),  # numeric, not lexicographic
        ("key > DEV-1", False),  # other projects never compare
        ("id > 10041", True),
        ("id < 10042", False),
        ("fixVersion > 1.1", True),
        ("fixVersion < 10.0", True),
        ("fixVersion >= 10.0", False),
        ("workratio >= 40", True),
        ("workratio > 40", False),
        ("votes > 2", True),
        ("watchers = 0", True),
        ('"Story Points" > 3', True),
        ("cf[10010] = 5", True),
        ("cf[10010] in (1, 2, 3)", False),
        ('"story points" <= 5', True),
        ("cf[10010] != 5", False),
        ("Severity = SEV-2", True),
        ("Severity = 10301", True),
        ("cf[10020] in (SEV-1, SEV-3)", False),
        ("Responders = dave", True),
        ("Responders in (erin)", False),
        ('"Incident start" < 2024-03-02', True),
        ('"Incident start" > -1d', False),
        ("Teams = Core", True),
        ("Teams not in (Core)", False),
        ("Teams is not EMPTY", True),
    ],
)
def test_ordered_and_custom_fields(query: str, expected: bool, issue_factory: Any) -> None:
    # fixVersions default to "2.0"
    assert matches(query, issue(issue_factory), CTX) is expected


def test_versions_without_a_catalogue_use_natural_order(issue_factory: Any) -> None:
    subject = issue(issue_factory, fixVersions=[{"name": "1.10"}])
    assert matches("fixVersion > 1.9", subject) is True
    assert matches("fixVersion > 1.11", subject) is False


def test_priorities_without_a_catalogue_use_jira_defaults(issue_factory: Any) -> None:
    subject = issue(issue_factory, priority={"id": "3", "name": "Major"})
    assert matches("priority > Minor", subject) is True
    assert matches("priority >= Critical", subject) is False
    assert matches("priority < 2", subject) is True


@pytest.mark.parametrize(
    "query",
    [
        "status > Open",
        "assignee < bob",
        "labels > a",
        "priority < EMPTY",
        "cf[10010] > (1, 2)",
        "cf[10010] > many",
        "summary is open",
    ],
)
def test_invalid_uses_are_errors(query: str, issue_factory: Any) -> None:
    with pytest.raises(JqlError):
        matches(query, issue(issue_factory), CTX)


def test_unknown_custom_field_is_an_error_in_strict_mode(issue_factory: Any) -> None:
    with pytest.raises(JqlError, match="Field 'Nope' does not exist"):
        matches("Nope = 1", issue(issue_factory), CTX)


def test_jira_software_fields(issue_factory: Any) -> None:
    ctx = EvalContext(
        fields=(
            FieldInfo(
                "customfield_10100",
                "Sprint",
                "array",
                items="string",
                custom="com.pyxis.greenhopper.jira:gh-sprint",
            ),
            FieldInfo(
                "customfield_10101",
                "Epic Link",
                "any",
                custom="com.pyxis.greenhopper.jira:gh-epic-link",
            ),
            FieldInfo(
                "customfield_10102",
                "Runbook",
                "string",
                custom="com.atlassian.jira.plugin.system.customfieldtypes:url",
            ),
        )
    )
    issue = issue_factory(
        customfield_10100=[
            "com.atlassian.greenhopper.service.sprint.Sprint@1d2e3f[id=3,rapidViewId=1,"
            "state=ACTIVE,name=Sprint 3,startDate=2024-03-01T10:00:00.000Z,sequence=3]"
        ],
        customfield_10101="OPS-1",
        customfield_10102="https://wiki.example/runbooks/db",
    )
    assert matches("Sprint = 3", issue, ctx) is True
    assert matches('Sprint = "sprint 3"', issue, ctx) is True
    assert matches("Sprint in (1, 2)", issue, ctx) is False
    assert matches('"Epic Link" = OPS-1', issue, ctx) is True
    assert matches('"Epic Link" = OPS-2', issue, ctx) is False
    assert matches('Runbook = "https://wiki.example/runbooks/db"', issue, ctx) is True
