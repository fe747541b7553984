"""ORDER BY as a sort key over issue JSON."""

from typing import Any

import pytest

from jirasync.jql import EvalContext, JqlError, parse, sort_key


@pytest.fixture
def issues(issue_factory: Any) -> list[Any]:
    return [
        issue_factory(
            key="OPS-10",
            issue_id="3",
            priority={"id": "3", "name": "Major"},
            created="2024-03-02T00:00:00.000+0000",
            duedate=None,
            assignee={"name": "bob", "displayName": "Bob"},
        ),
        issue_factory(
            key="OPS-9",
            issue_id="2",
            priority={"id": "1", "name": "Blocker"},
            created="2024-03-03T00:00:00.000+0000",
            duedate="2024-04-01",
            assignee=None,
        ),
        issue_factory(
            key="OPS-100",
            issue_id="1",
            priority={"id": "3", "name": "Major"},
            created="2024-03-01T00:00:00.000+0100",
            duedate="2024-03-15",
            assignee={"name": "alice", "displayName": "Alice"},
        ),
    ]


def keys(order: str, issues: list[Any], context: EvalContext | None = None) -> list[str]:
    ordered = sorted(issues, key=sort_key(parse(order).order_by, context))
    return [i["key"] for i in ordered]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("ORDER BY key", ["OPS-9", "OPS-10", "OPS-100"]),  # numeric, not lexicographic
        ("ORDER BY key DESC", ["OPS-100", "OPS-10", "OPS-9"]),
        ("ORDER BY created", ["OPS-100", "OPS-10", "OPS-9"]),
        ("ORDER BY created DESC", ["OPS-9", "OPS-10", "OPS-100"]),
        ("ORDER BY priority DESC, key ASC", ["OPS-9", "OPS-10", "OPS-100"]),
        ("ORDER BY priority ASC, created DESC", ["OPS-10", "OPS-100", "OPS-9"]),
        ("ORDER BY due", ["OPS-100", "OPS-9", "OPS-10"]),  # EMPTY last ascending
        ("ORDER BY due DESC", ["OPS-10", "OPS-9", "OPS-100"]),  # and first descending
        ("ORDER BY assignee", ["OPS-100", "OPS-10", "OPS-9"]),  # by display name
        ("ORDER BY id", ["OPS-9", "OPS-10", "OPS-100"]),  # id is an alias of issuekey
        ("project = OPS ORDER BY summary, key DESC", ["OPS-100", "OPS-10", "OPS-9"]),
    ],
)
def test_sort_orders(order: str, expected: list[str], issues: list[Any]) -> None:
    assert keys(order, issues) == expected


def test_no_order_by_keeps_input_order(issues: list[Any]) -> None:
    assert keys("project = OPS", issues) == ["OPS-10", "OPS-9", "OPS-100"]


def test_unknown_sort_field_is_an_error(issues: list[Any]) -> None:
    with pytest.raises(JqlError, match="does not exist"):
        keys("ORDER BY nothing", issues)
