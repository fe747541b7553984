"""JQL (Jira Query Language): a parser for the Jira Server grammar and an evaluator over issue JSON.

    query = parse('project = OPS AND status != Done ORDER BY created DESC')
    ctx = EvalContext.from_rest(fields=..., priorities=..., statuses=..., current_user="alice")
    matches(query, issue_json, ctx)            # issue_json as GET /rest/api/2/issue/{key}
    sorted(issues, key=sort_key(query.order_by, ctx))
    needs_remote(query, issue_json["fields"].keys(), ctx)   # True → ask Jira instead

- `parse` accepts what Jira's server parser accepts and raises JqlError with Jira's message,
  `.line` and `.column`; `str(query)` is canonical JQL that parses back to an equal tree.
- `matches` also applies Jira's post-parse validation (operator × operand, field types).
  `EvalContext(strict=True)` (default, the simulator) makes unknown fields and functions
  JqlError; `strict=False` (the sync engine) makes them JqlNeedsRemote.
- WAS / CHANGED read `changelog.histories` (GET issue?expand=changelog); without it they
  raise JqlNeedsRemote, as do properties and functions needing Jira's data (watchedIssues()…).
- `compile_matcher(query, ctx)` gives the predicate for a batch; `matches` caches it per
  context and recompiles when the context's clock moves, so `-1d` and `now()` stay current.
"""

from jirasync.jql.ast import (
    And,
    Clause,
    Direction,
    Empty,
    Field,
    Function,
    HistoryPredicate,
    Not,
    Number,
    Operand,
    Operator,
    Or,
    PredicateKind,
    PropertyRef,
    Query,
    SortField,
    Terminal,
    Text,
    ValueList,
)
from jirasync.jql.context import EvalContext, FieldInfo, UserInfo
from jirasync.jql.errors import JqlError, JqlNeedsRemote, JqlUnknownFunction
from jirasync.jql.evaluate import compile_matcher, matches, needs_remote
from jirasync.jql.ordering import sort_key
from jirasync.jql.parser import parse

__all__ = [
    "And",
    "Clause",
    "Direction",
    "Empty",
    "EvalContext",
    "Field",
    "FieldInfo",
    "Function",
    "HistoryPredicate",
    "JqlError",
    "JqlNeedsRemote",
    "JqlUnknownFunction",
    "Not",
    "Number",
    "Operand",
    "Operator",
    "Or",
    "PredicateKind",
    "PropertyRef",
    "Query",
    "SortField",
    "Terminal",
    "Text",
    "UserInfo",
    "ValueList",
    "compile_matcher",
    "matches",
    "needs_remote",
    "parse",
    "sort_key",
]
