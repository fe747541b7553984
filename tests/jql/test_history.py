"""WAS / CHANGED over a changelog, and the JqlNeedsRemote signal without one."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jirasync.jql import EvalContext, JqlError, JqlNeedsRemote, matches

UTC = ZoneInfo("UTC")
CTX = EvalContext(current_user="carol", clock=lambda: datetime(2024, 3, 10, 12, tzinfo=UTC))


def history(hid: str, when: str, author: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": hid,
        "author": {"name": author, "key": author, "displayName": author.title()},
        "created": when,
        "items": list(items),
    }


def item(
    field: str, old: tuple[str | None, str | None], new: tuple[str | None, str | None]
) -> dict[str, Any]:
    return {
        "field": field,
        "fieldtype": "jira",
        "from": old[0],
        "fromString": old[1],
        "to": new[0],
        "toString": new[1],
    }


OPEN, PROGRESS, DONE = ("1", "Open"), ("3", "In Progress"), ("10001", "Done")
CHANGELOG = {
    "startAt": 0,
    "maxResults": 3,
    "total": 3,
    "histories": [
        history(
            "1",
            "2024-03-02T10:00:00.000+0000",
            "alice",
            item("status", OPEN, PROGRESS),
            item("assignee", (None, None), ("alice", "Alice")),
        ),
        history("2", "2024-03-05T16:30:00.000+0000", "bob", item("status", PROGRESS, DONE)),
        history(
            "3",
            "2024-03-06T09:00:00.000+0000",
            "carol",
            item("assignee", ("alice", "Alice"), ("carol", "Carol")),
        ),
    ],
}


@pytest.fixture
def subject(issue_factory: Any) -> Any:
    issue = issue_factory(
        created="2024-03-01T08:00:00.000+0000",
        status={"id": "10001", "name": "Done"},
        assignee={"name": "carol", "key": "carol"},
    )
    issue["changelog"] = CHANGELOG
    return issue


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status was Open", True),
        ('status was "In Progress"', True),
        ("status was 3", True),
        ("status was Done", True),
        ("status was Closed", False),
        ("status was not Closed", True),
        ("status was not Open", False),
        ("status was in (Closed, Open)", True),
        ("status was not in (Closed, Reopened)", True),
        ("status was Open before 2024-03-02", True),
        ('status was Open after "2024-03-02 11:00"', False),
        ("status was Done before 2024-03-05", False),
        ('status was "In Progress" on 2024-03-04', True),
        ('status was "In Progress" on 2024-03-06', False),
        ('status was "In Progress" during (2024-03-03, 2024-03-04)', True),
        ('status was Open during ("2024-03-03", "2024-03-04")', False),
        ("status was Done by bob", True),
        ("status was Done by alice", False),
        ('status was "In Progress" by alice after 2024-03-01', True),
        ("assignee was EMPTY", True),
        ("assignee was alice", True),
        ("assignee was carol by currentUser()", True),
        ("assignee was EMPTY after 2024-03-03", False),
        ("status changed", True),
        ("status changed from Open to 3", True),
        ("status changed from Open to Done", False),
        ('status changed to Done by bob after 2024-03-05 before "2024-03-06"', True),
        ("status changed to Done by alice", False),
        ("status changed on 2024-03-05", True),
        ("status changed during (2024-03-06, now())", False),
        ("assignee changed from EMPTY", True),
        ("assignee changed from alice to carol by carol", True),
        ("priority changed", False),
        ("priority was Critical", True),  # never changed: the current value counts
        ("priority was Minor", False),
        ("status was Open and assignee changed by bob", False),
        ("not status changed by bob", False),
    ],
)
def test_history_clauses(query: str, expected: bool, subject: Any) -> None:
    assert matches(query, subject, CTX) is expected


def test_without_a_changelog_only_jira_can_answer(issue_factory: Any) -> None:
    with pytest.raises(JqlNeedsRemote, match="changelog"):
        matches("status was Open", issue_factory(), CTX)
    # A decided branch never reaches the history clause.
    assert matches("project = OPS OR status was Open", issue_factory(), CTX) is True


def test_fields_without_history_are_rejected(subject: Any) -> None:
    with pytest.raises(JqlError, match="History searches do not support the 'summary'"):
        matches("summary was x", subject, CTX)


def test_localised_changelog_field_names(issue_factory: Any) -> None:
    from jirasync.jql import FieldInfo

    issue = issue_factory(created="2024-03-01T08:00:00.000+0000")
    issue["changelog"] = {
        "histories": [
            history("1", "2024-03-02T10:00:00.000+0000", "alice", item("Статус", OPEN, PROGRESS))
        ]
    }
    ctx = EvalContext(fields=(FieldInfo("status", "Статус"),), clock=CTX.clock)
    assert matches("status changed from Open", issue, ctx) is True
    assert matches("status changed from Open", issue, CTX) is False
