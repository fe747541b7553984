"""= != IN NOT IN IS IS NOT across the system fields a sync rule uses."""

from typing import Any

import pytest

from jirasync.jql import EvalContext, UserInfo, matches

CTX = EvalContext(
    current_user="alice",
    users=(UserInfo("alice", "JIRAUSER10100", "alice@example.com", groups=("sre",)),),
    groups={"oncall": ["alice", "carol"]},
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("project = OPS", True),
        ("project = ops", True),
        ("project = Operations", True),
        ("project = 10000", True),
        ("project = DEV", False),
        ("project != DEV", True),
        ("project in (DEV, OPS)", True),
        ("project not in (DEV, OPS)", False),
        ("issuetype = Bug", True),
        ("type = 1", True),
        ("issuetype != Bug", False),
        ('status = "In Progress"', True),
        ("status = 3", True),
        ("status in (Open, Done)", False),
        ("statusCategory = indeterminate", True),
        ('statusCategory = "In Progress"', True),
        ("statusCategory != Done", True),
        ("priority = Critical", True),
        ("priority = 2", True),
        ("priority in (Blocker, Major)", False),
        ("resolution = Unresolved", True),
        ("resolution is EMPTY", True),
        ("resolution != Fixed", False),  # != never matches an empty field
        ("labels = pagerduty", True),
        ("labels = sev1", True),
        ("labels in (x, y)", False),
        ("labels != pagerduty", False),
        ("labels not in (x, y)", True),
        ("labels is not empty", True),
        ("component = Backend", True),
        ("component = 10100", True),
        ("fixVersion = 2.0", True),
        ('fixVersion = "2.0"', True),
        ("affectedVersion is empty", True),
        ("assignee = alice", True),
        ("assignee = JIRAUSER10100", True),
        ('assignee = "alice@example.com"', True),
        ("assignee = currentUser()", True),
        ("assignee != currentUser()", False),
        ('assignee in membersOf("oncall")', True),
        ('assignee in membersOf("sre")', True),
        ('assignee not in membersOf("oncall")', False),
        ("assignee in (bob, carol)", False),
        ("reporter = bob", True),
        ("reporter = currentUser()", False),
        ("key = OPS-7", True),
        ("issuekey = ops-7", True),
        ("id = 10007", True),
        ("key in (OPS-1, OPS-7)", True),
        ("key != OPS-7", False),
    ],
)
def test_equality(query: str, expected: bool, issue_factory: Any) -> None:
    assert matches(query, issue_factory(), CTX) is expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("assignee is EMPTY", True),
        ("assignee = EMPTY", True),
        ("assignee = null", True),
        ("assignee in (alice, EMPTY)", True),
        ("assignee != alice", False),  # EMPTY never matches !=
        ("assignee not in (alice)", False),
        ("assignee is not empty", False),
        ("assignee != empty", False),
        ("labels is empty", True),
        ("labels != x", False),
        ("component is empty", True),
    ],
)
def test_empty_fields(query: str, expected: bool, issue_factory: Any) -> None:
    unassigned = issue_factory(assignee=None, labels=[], components=[])
    assert matches(query, unassigned, CTX) is expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("project = OPS AND status = 3", True),
        ("project = OPS AND status = Done", False),
        ("project = DEV OR status = 3", True),
        ("NOT project = DEV", True),
        ("NOT (project = OPS AND labels = sev1)", False),
        ("project = DEV OR labels = sev1 AND priority = Critical", True),
        ("(project = DEV OR labels = sev1) AND priority = Minor", False),
        ("", True),
        ("ORDER BY created", True),
    ],
)
def test_boolean_combinations(query: str, expected: bool, issue_factory: Any) -> None:
    assert matches(query, issue_factory(), CTX) is expected


def test_anonymous_current_user_matches_nobody(issue_factory: Any) -> None:
    assert matches("assignee = currentUser()", issue_factory(), EvalContext()) is False


def test_not_equals_differs_from_not_on_empty_fields(issue_factory: Any) -> None:
    unassigned = issue_factory(assignee=None)
    assert matches("assignee != bob", unassigned) is False
    assert matches("NOT assignee = bob", unassigned) is True
    assert matches("assignee != bob OR assignee is EMPTY", unassigned) is True
