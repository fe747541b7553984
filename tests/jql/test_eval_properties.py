"""Properties of evaluation over generated boolean combinations of real clauses."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jirasync.jql import And, Clause, Not, Or, Query, matches, parse


def _issue(key: str, **fields: Any) -> dict[str, Any]:
    base = {
        "project": {"id": "1", "key": key.split("-")[0], "name": "Ops"},
        "status": {"id": "1", "name": "Open"},
        "priority": {"id": "3", "name": "Major"},
        "resolution": None,
        "assignee": None,
        "labels": [],
        "summary": "Disk full",
        "created": "2024-02-01T10:00:00.000+0000",
    }
    return {"id": "1", "key": key, "fields": {**base, **fields}}


ISSUES = [
    _issue("OPS-1"),
    _issue(
        "OPS-7",
        assignee={"name": "alice"},
        labels=["sev1", "pagerduty"],
        status={"id": "3", "name": "In Progress"},
        summary="Database failing",
        created="2024-03-02T10:00:00.000+0000",
    ),
    _issue(
        "DEV-9",
        assignee={"name": "bob"},
        priority={"id": "1", "name": "Blocker"},
        resolution={"id": "1", "name": "Fixed"},
        labels=["sev1"],
    ),
]

CLAUSES = [
    parse(q).where
    for q in (
        "project = OPS",
        "status in (Open, 'In Progress')",
        "assignee = alice",
        "assignee != alice",
        "assignee is EMPTY",
        "labels = sev1",
        "labels not in (pagerduty)",
        "priority > Major",
        "created >= 2024-03-01",
        "summary ~ database",
        "key < OPS-8",
        "resolution = Unresolved",
    )
]

clauses = st.recursive(
    st.sampled_from(CLAUSES),
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple)),
    ),
    max_leaves=6,
)


def evaluate(clause: Clause, issue: Any) -> bool:
    return matches(Query(clause), issue)


@settings(max_examples=150, deadline=None)
@given(clauses, st.sampled_from(ISSUES))
def test_boolean_algebra(clause: Clause, issue: Any) -> None:
    result = evaluate(clause, issue)
    assert evaluate(Not(clause), issue) is (not result)
    if isinstance(clause, And):
        assert result is all(evaluate(c, issue) for c in clause.clauses)
    if isinstance(clause, Or):
        assert result is any(evaluate(c, issue) for c in clause.clauses)
    assert matches(str(Query(clause)), issue) is result
