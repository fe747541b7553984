"""Jira's checks between parsing and searching: which operands each operator accepts."""

from __future__ import annotations

from jirasync.jql import ast
from jirasync.jql.errors import JqlError

_LIST_OPERATORS = frozenset(
    {ast.Operator.IN, ast.Operator.NOT_IN, ast.Operator.WAS_IN, ast.Operator.WAS_NOT_IN}
)


def check_operand_shape(clause: ast.Terminal) -> None:
    """Jira's validation of operator × operand, which its parser leaves to later.

    (`assignee in a`, `assignee = (a, b)`, `status was x from a` parse on the server and
    are rejected here, as Jira rejects them before searching.)
    """
    operator, operand = clause.operator, clause.operand
    name = operator.value
    if operator in _LIST_OPERATORS:
        if not isinstance(operand, ast.ValueList | ast.Function):
            raise JqlError(f"The operator '{name}' only supports a list of values or a function.")
    elif isinstance(operand, ast.ValueList):
        raise JqlError(f"The operator '{name}' does not support the list operand '{operand}'.")
    if operator in (ast.Operator.IS, ast.Operator.IS_NOT) and not isinstance(operand, ast.Empty):
        raise JqlError(f"The operator '{name}' only supports the 'EMPTY' operand.")
    if operator is not ast.Operator.CHANGED:
        for predicate in clause.predicates:
            if predicate.kind in (ast.PredicateKind.FROM, ast.PredicateKind.TO):
                raise JqlError(
                    f"The history predicate '{predicate.kind.value}' is only supported by the "
                    "'CHANGED' operator."
                )
