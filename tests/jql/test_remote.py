"""needs_remote and the strict/lenient handling of unknown functions and fields."""

from typing import Any

import pytest

from jirasync.jql import (
    EvalContext,
    JqlError,
    JqlNeedsRemote,
    JqlUnknownFunction,
    matches,
    needs_remote,
    parse,
)

PAYLOAD_FIELDS = {
    "project",
    "issuetype",
    "status",
    "priority",
    "resolution",
    "assignee",
    "reporter",
    "labels",
    "components",
    "fixVersions",
    "summary",
    "description",
    "environment",
    "created",
    "updated",
    "customfield_10010",
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("project = OPS AND status != Done", False),
        ("assignee = currentUser() AND updated >= -1d", False),
        ('assignee in membersOf("oncall") ORDER BY created', False),
        ("cf[10010] > 3", True),  # without the field catalogue its type is unknown
        ("labels = a OR NOT priority in (High, Highest)", False),
        ("created >= startOfWeek(-1)", False),
        ("status was Open", True),
        ("status changed to Done after -1d", True),
        ("comment ~ restart", True),  # comments are not in the payload
        ("text ~ restart", True),
        ("duedate < now()", True),
        ("issueFunction in linkedIssuesOf('project = OPS')", True),
        ("issue in watchedIssues()", True),
        ("fixVersion in releasedVersions()", True),
        ("sprint in openSprints()", True),
        ("issue.property[sync].state = done", True),
        ("cf[99999] = x", True),
        ('"Unknown Field" = x', True),
        ("", False),
    ],
)
def test_needs_remote(query: str, expected: bool) -> None:
    assert needs_remote(parse(query), PAYLOAD_FIELDS) is expected


def test_history_is_local_when_the_changelog_is_in_the_payload() -> None:
    query = parse("status changed to Done after -1d AND project = OPS")
    assert needs_remote(query, PAYLOAD_FIELDS | {"changelog"}) is False


def test_custom_fields_by_name_need_the_catalogue() -> None:
    from jirasync.jql import FieldInfo

    ctx = EvalContext(fields=(FieldInfo("customfield_10010", "Story Points", "number"),))
    query = parse('"Story Points" > 3')
    assert needs_remote(query, PAYLOAD_FIELDS, ctx) is False
    assert needs_remote(parse("cf[10010] > 3"), PAYLOAD_FIELDS, ctx) is False
    assert needs_remote(query, PAYLOAD_FIELDS - {"customfield_10010"}, ctx) is True


def test_unknown_function_is_an_error_in_strict_mode(issue_factory: Any) -> None:
    with pytest.raises(JqlUnknownFunction) as caught:
        matches("assignee = myUsers(a, 'b c')", issue_factory())
    assert str(caught.value) == (
        "Error in the JQL Query: Unable to find JQL function 'myUsers(a, \"b c\")'."
    )
    assert not isinstance(caught.value, JqlNeedsRemote)


def test_unknown_function_falls_back_to_jira_in_lenient_mode(issue_factory: Any) -> None:
    with pytest.raises(JqlNeedsRemote):
        matches("assignee = myUsers()", issue_factory(), EvalContext(strict=False))


def test_unknown_field_in_lenient_mode_falls_back(issue_factory: Any) -> None:
    with pytest.raises(JqlNeedsRemote):
        matches("issueFunction in x()", issue_factory(), EvalContext(strict=False))
    with pytest.raises(JqlError):
        matches("issueFunction in x()", issue_factory())


def test_known_jira_functions_always_need_jira(issue_factory: Any) -> None:
    with pytest.raises(JqlNeedsRemote, match="watchedIssues"):
        matches("issue in watchedIssues()", issue_factory())


def test_membersof_needs_exactly_one_group(issue_factory: Any) -> None:
    with pytest.raises(JqlError, match="expected '1' arguments"):
        matches("assignee in membersOf(a, b)", issue_factory())
