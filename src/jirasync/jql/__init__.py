"""JQL (Jira Query Language): a parser for the Jira Server grammar and an evaluator over issue JSON.

query = parse('project = OPS AND status != Done ORDER BY created DESC')
matches(query, issue_json, EvalContext(current_user="alice"))
sorted(issues, key=sort_key(query.order_by))
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
