"""Any query that parses either evaluates to a bool or raises JqlError — never anything else."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jirasync.jql import EvalContext, FieldInfo, JqlError, matches, parse

CTX = EvalContext(current_user="a", fields=(FieldInfo("customfield_10010", "SP", "number"),))
ISSUE: dict[str, Any] = {
    "id": "1",
    "key": "A-1",
    "fields": {
        "created": "2024-01-01T00:00:00.000+0000",
        "priority": {"id": "1", "name": "High"},
        "summary": "x y",
        "labels": ["a"],
        "fixVersions": [{"name": "1.0"}],
        "resolution": {"id": "1", "name": "Fixed"},
    },
    "changelog": {"histories": []},
}

fields = st.sampled_from(
    "created due priority summary labels fixVersion resolution key id cf[10010] status "
    "assignee text statusCategory votes".split()
)
operators = st.sampled_from(
    ["=", "!=", "<", ">", "<=", ">=", "~", "!~", "in", "not in", "is", "is not", "was"]
)
operands = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.text(max_size=8).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.sampled_from(
        [
            "empty",
            "now()",
            'startOfDay("+99999999y")',
            "endOfMonth(-999999999)",
            '"-99999999999d"',
            '"9999-12-31"',
            '"0001-01-01"',
            'startOfWeek("-1x")',
            "membersOf(x)",
            "(a, (b, 1))",
            '"*x"',
            '"a OR"',
        ]
    ),
)
predicates = st.lists(
    st.tuples(st.sampled_from(["by", "before", "after", "on", "during"]), operands), max_size=2
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(fields, operators, operands, predicates)
def test_only_jql_errors_escape(
    field: str, operator: str, operand: str, history: list[tuple[str, str]]
) -> None:
    text = f"{field} {operator} {operand}" + "".join(f" {k} {v}" for k, v in history)
    try:
        query = parse(text)
    except JqlError:
        return
    try:
        assert matches(query, ISSUE, CTX) in (True, False)
    except JqlError:
        pass


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('created > "-99999999999d"', "out of range"),
        ('created > startOfDay("+99999999y")', "out of range"),
        ("created > 99999999999999999999", "out of range"),
        ("priority < -1", "The value '-1' does not exist for the field 'priority'."),
        ("key > foo", "The issue key 'foo' for field 'key' is invalid."),
    ],
)
def test_out_of_range_values(query: str, message: str) -> None:
    with pytest.raises(JqlError, match=message.replace("(", r"\(").replace(")", r"\)")):
        matches(query, ISSUE, CTX)


def test_history_on_the_last_day() -> None:
    assert matches("priority was High on 9999-12-31", ISSUE, CTX) is True
