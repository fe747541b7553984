"""What the context contributes: the clock, status categories, function arity, extra fields."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from jirasync.jql import EvalContext, JqlError, compile_matcher, matches, parse


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_matches_follows_the_clock_of_a_long_lived_context(issue_factory: Any) -> None:
    clock = Clock(datetime(2024, 3, 4, 17, 30, tzinfo=UTC))
    ctx = EvalContext(clock=clock)
    issue = issue_factory(updated="2024-03-04T17:05:12.345+0000")
    assert matches("updated >= -1h", issue, ctx) is True
    clock.now += timedelta(hours=2)
    assert matches("updated >= -1h", issue, ctx) is False


def test_a_compiled_matcher_keeps_its_moment(issue_factory: Any) -> None:
    clock = Clock(datetime(2024, 3, 4, 17, 30, tzinfo=UTC))
    predicate = compile_matcher(parse("updated >= -1h"), EvalContext(clock=clock))
    clock.now += timedelta(hours=2)
    assert predicate(issue_factory(updated="2024-03-04T17:05:12.345+0000")) is True


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("statusCategory = Done", True),
        ("statusCategory = done", True),
        ("statusCategory = 3", True),
        ('statusCategory = "To Do"', False),
        ("statusCategory != Done", False),
    ],
)
def test_status_category_from_the_context(query: str, expected: bool, issue_factory: Any) -> None:
    # Older payloads carry a status without its statusCategory.
    issue = issue_factory(status={"id": "6", "name": "Closed"})
    ctx = EvalContext(status_categories={"6": "done", "Open": "new"})
    assert matches(query, issue, ctx) is expected
    assert matches("statusCategory is EMPTY", issue) is True  # nothing to go on


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "assignee = currentUser(x)",
            "Function 'currentUser' expected '0' arguments but received '1'.",
        ),
        ("created < now(1)", "Function 'now' expected '0' arguments but received '1'."),
        (
            "assignee in membersOf()",
            "Function 'membersOf' expected '1' arguments but received '0'.",
        ),
        (
            "created > startOfDay(1, 2)",
            "Function 'startOfDay' expected '0-1' arguments but received '2'.",
        ),
    ],
)
def test_function_arity(query: str, message: str, issue_factory: Any) -> None:
    with pytest.raises(JqlError) as caught:
        matches(query, issue_factory())
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("fields", "query", "expected"),
    [
        ({"attachment": []}, "attachments is EMPTY", True),
        ({"attachment": [{"id": "1", "filename": "log.txt"}]}, "attachments is not EMPTY", True),
        ({"security": {"id": "10000", "name": "Internal"}}, "level = Internal", True),
        ({"security": None}, "level is EMPTY", True),
        (
            {
                "issuelinks": [
                    {
                        "type": {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                        "inwardIssue": {"key": "OPS-1"},
                    }
                ]
            },
            'issueLinkType = "is blocked by"',
            True,
        ),
        (
            {
                "issuelinks": [
                    {
                        "type": {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                        "outwardIssue": {"key": "OPS-1"},
                    }
                ]
            },
            'issueLinkType in (blocks, "is blocked by")',
            True,
        ),
        ({"issuelinks": []}, "issueLinkType = Blocks", False),
        ({"parent": {"id": "10001", "key": "OPS-1"}}, "parent = OPS-1", True),
        ({}, "parent is EMPTY", True),
    ],
)
def test_more_system_fields(
    fields: dict[str, Any], query: str, expected: bool, issue_factory: Any
) -> None:
    assert matches(query, issue_factory(**fields)) is expected


FIXTURES = Path(__file__).parent.parent / "fixtures" / "jql" / "jira-ruby"


def rest(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_context_from_jiras_catalogues(issue_factory: Any) -> None:
    custom = {
        "id": "customfield_10010",
        "name": "Story Points",
        "custom": True,
        "clauseNames": ["cf[10010]", "Story Points"],
        "schema": {
            "type": "number",
            "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float",
            "customId": 10010,
        },
    }
    ctx = EvalContext.from_rest(
        fields=[*rest("field.json"), custom],
        priorities=rest("priority.json"),
        resolutions=rest("resolution.json"),
        statuses=rest("status.json"),
        current_user="alice",
    )
    assert ctx.priorities == ("Blocker", "Critical", "Major", "Minor", "Trivial")
    assert ctx.current_user == "alice"
    issue = issue_factory(
        status={"id": "5", "name": "Resolved"},
        priority={"id": "3", "name": "Major"},
        customfield_10010=8,
    )
    assert matches("statusCategory = Done AND priority > Minor", issue, ctx) is True
    assert matches("priority >= Critical", issue, ctx) is False
    assert matches('"Story Points" >= 8 AND cf[10010] < 13', issue, ctx) is True
    assert matches("description ~ primary", issue, ctx) is True
    designed = issue_factory(resolution={"id": "3", "name": "Works as designed"})
    assert matches("resolution > Fixed", designed, ctx) is True
    assert matches('resolution <= "works as designed"', designed, ctx) is True
    assert matches("resolution < Fixed", designed, ctx) is False


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("resolution > Fixed", True),  # default order: Fixed, Won't Fix, Duplicate, …
        ("resolution < Incomplete", True),
        ("resolution >= Incomplete", False),
        ("resolution < 3", False),  # ids compare directly
    ],
)
def test_resolution_order_without_a_catalogue(
    query: str, expected: bool, issue_factory: Any
) -> None:
    issue = issue_factory(resolution={"id": "3", "name": "Duplicate"})
    assert matches(query, issue) is expected


def test_users_match_by_display_name(issue_factory: Any) -> None:
    issue = issue_factory(assignee={"name": "alice", "displayName": "Alice Liddell"})
    assert matches('assignee = "alice liddell"', issue) is True
