"""Atlassian's frontend JQL syntax suite (@atlaskit/jql-parser data): valid parse, invalid fail.

Exceptions are the cases where Jira's *server* grammar is more permissive than the frontend
one (reference/jira.md §3.3): the server parses them and rejects them only at validation.
"""

import json
from pathlib import Path

import pytest

from jirasync.jql import EvalContext, FieldInfo, JqlError, compile_matcher, parse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "jql" / "atlaskit"

# Every atlaskit "invalid" query our (server-grammar) parser accepts, with the reason.
OPERAND_SHAPE = "server parses any operand after this operator; validation rejects it"
SERVER_PERMISSIVE: dict[str, str] = {
    **{
        f"updated {op} {operand}": OPERAND_SHAPE
        for op in ("<", ">", "<=", ">=")
        for operand in ("empty", "null", "(a, b)")
    },
    "assignee = (a, b)": OPERAND_SHAPE,
    "assignee != (a, b)": OPERAND_SHAPE,
    **{
        f"assignee {op} {operand}": OPERAND_SHAPE
        for op in ("in", "not in")
        for operand in ("empty", "null", "a", "0", "-5")
    },
    **{
        f"assignee {op} {operand}": OPERAND_SHAPE
        for op in ("is", "is not")
        for operand in ("b", "0", "-5", "currentUser()", "(a, b)")
    },
    "description ~ (a, b)": OPERAND_SHAPE,
    "description !~ (a, b)": OPERAND_SHAPE,
    "assignee was (a, b)": OPERAND_SHAPE,
    "assignee was not (a, b)": OPERAND_SHAPE,
    **{
        f"assignee {op} empty from {a} to {b}": (
            "server's history predicate rule is shared by WAS and CHANGED; "
            "FROM/TO after WAS is rejected at validation"
        )
        for op in ("was", "was not")
        for a, b in (
            ("(a, b)", "(c, d)"),
            ("empty", "null"),
            ("a", "b"),
            ("currentUser()", 'membersOf("jira-administrators")'),
        )
    },
}


def _cases(kind: str) -> list[tuple[str, str]]:
    cases = []
    for path in sorted(FIXTURES.glob("*.json")):
        for query in json.loads(path.read_text(encoding="utf-8"))[kind]:
            cases.append((path.stem, query))
    return cases


def test_fixture_counts() -> None:
    assert len(_cases("valid")) == 206
    assert len(_cases("invalid")) == 400


@pytest.mark.parametrize(("suite", "query"), _cases("valid"))
def test_valid_queries_parse(suite: str, query: str) -> None:
    parsed = parse(query)
    assert parse(str(parsed)) == parsed


@pytest.mark.parametrize(("suite", "query"), _cases("invalid"))
def test_invalid_queries_fail(suite: str, query: str) -> None:
    if query in SERVER_PERMISSIVE:
        parse(query)  # accepted on purpose, see SERVER_PERMISSIVE
        return
    with pytest.raises(JqlError):
        parse(query)


def test_every_exception_is_in_the_suite() -> None:
    invalid = {q for _, q in _cases("invalid")}
    assert set(SERVER_PERMISSIVE) <= invalid
    assert len(SERVER_PERMISSIVE) == 46


# `temperature` is a custom field in some atlaskit queries; give it a catalogue entry.
VALIDATION_CONTEXT = EvalContext(fields=(FieldInfo("customfield_1", "temperature", "number"),))


@pytest.mark.parametrize("query", sorted(SERVER_PERMISSIVE))
def test_server_permissive_queries_fail_validation(query: str) -> None:
    # Jira rejects these after parsing; so does compiling them for evaluation.
    with pytest.raises(JqlError):
        compile_matcher(parse(query), VALIDATION_CONTEXT)
