"""Every operator against every kind of field: True, False, or E (Jira rejects the query).

One row per field kind; the issue holds the value in the `hit` operand, never the `miss` one
(the unresolved issue's resolution is EMPTY, so it has no `miss`: see the resolution cases).
Columns: = != IN NOT-IN IS-EMPTY IS-NOT-EMPTY < > ~ !~ (`<`/`>` compare with `hit`).
"""

from typing import Any

import pytest

from jirasync.jql import EvalContext, FieldInfo, JqlError, matches

CTX = EvalContext(fields=(FieldInfo("customfield_10010", "Story Points", "number"),))

T, F, E = True, False, "error"
#  field, hit, miss,            =  != in notin is  isnot <  >  ~  !~
MATRIX = [
    ("project", "OPS", "DEV", (T, F, T, F, F, T, E, E, E, E)),
    ("status", '"In Progress"', "Open", (T, F, T, F, F, T, E, E, E, E)),
    ("statusCategory", "indeterminate", "done", (T, F, T, F, F, T, E, E, E, E)),
    ("resolution", "Unresolved", None, (T, F, T, F, T, F, E, E, E, E)),
    ("priority", "Critical", "Minor", (T, F, T, F, F, T, F, F, E, E)),
    ("assignee", "alice", "bob", (T, F, T, F, F, T, E, E, E, E)),
    ("labels", "pagerduty", "other", (T, F, T, F, F, T, E, E, E, E)),
    ("component", "Backend", "Frontend", (T, F, T, F, F, T, E, E, E, E)),
    ("fixVersion", '"2.0"', '"3.0"', (T, F, T, F, F, T, F, F, E, E)),
    ("created", '"2024-03-01 09:30"', "2024-01-01", (T, F, T, F, F, T, F, F, E, E)),
    ("key", "OPS-7", "OPS-8", (T, F, T, F, F, T, F, F, E, E)),
    ('"Story Points"', "5", "8", (T, F, T, F, F, T, F, F, E, E)),
    ("summary", "database", "printer", (E, E, E, E, F, T, E, E, T, F)),
]
OPERATORS = ("= {v}", "!= {v}", "in ({v})", "not in ({v})", "is EMPTY", "is not EMPTY")
ORDERED = ("< {v}", "> {v}")
TEXT = ("~ {v}", "!~ {v}")


def _cases() -> list[tuple[str, Any]]:
    cases = []
    for field, hit, miss, expected in MATRIX:
        templates = [*OPERATORS, *ORDERED, *TEXT]
        for template, outcome in zip(templates, expected, strict=True):
            cases.append((f"{field} {template.format(v=hit)}", outcome))
            if miss and outcome is not E and "{v}" in template and template not in ORDERED:
                # The miss value flips every value-taking answer.
                cases.append((f"{field} {template.format(v=miss)}", not outcome))
    return cases


@pytest.mark.parametrize(("query", "expected"), _cases())
def test_operator_by_field_kind(query: str, expected: Any, issue_factory: Any) -> None:
    issue = issue_factory(customfield_10010=5, created="2024-03-01T09:30:00.000+0000")
    if expected is E:
        with pytest.raises(JqlError):
            matches(query, issue, CTX)
    else:
        assert matches(query, issue, CTX) is expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("resolution = Fixed", False),
        ("resolution != Fixed", False),  # an EMPTY resolution never matches !=
        ("resolution not in (Fixed, Duplicate)", False),
        ("resolution in (Fixed, Unresolved)", True),
        ("resolution not in (Fixed, Unresolved)", False),
    ],
)
def test_unresolved_issue(query: str, expected: bool, issue_factory: Any) -> None:
    assert matches(query, issue_factory(resolution=None)) is expected
