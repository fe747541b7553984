"""`parse(text) -> Query`: lark LALR over jql.lark, tokens from lexer.py, AST from ast.py."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedInput, UnexpectedToken
from lark.exceptions import VisitError
from lark.lexer import Lexer

from jirasync.jql import ast
from jirasync.jql.errors import JqlError
from jirasync.jql.lexer import tokenize
from jirasync.jql.lexicon import RESERVED_WORDS

_OPERATORS = "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'"


class _JqlLexer(Lexer):
    """Adapter so lark's LALR parser pulls tokens from our hand-written lexer."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: str) -> Iterator[Token]:  # type: ignore[override]
        # lark's adapter for classic custom lexers hands over the whole text.
        return tokenize(data)


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = files("jirasync.jql").joinpath("jql.lark").read_text(encoding="utf-8")
    # The transformer runs on each reduction, so no intermediate parse tree is built.
    return Lark(
        grammar, parser="lalr", lexer=_JqlLexer, maybe_placeholders=False, transformer=_ToAst()
    )


def parse(text: str) -> ast.Query:
    """Parse JQL as Jira Server does; raise JqlError with Jira's message and position."""
    try:
        query = _lark().parse(text)
    except UnexpectedToken as error:
        raise _syntax_error(error, text) from None
    except UnexpectedInput as error:  # pragma: no cover - the lexer raises JqlError itself
        raise JqlError(str(error)) from None
    except VisitError as error:
        if isinstance(error.orig_exc, JqlError):
            raise error.orig_exc from None
        raise
    assert isinstance(query, ast.Query)  # the transformer's `start` builds it
    return query


# ---- errors ---------------------------------------------------------------------------


def _syntax_error(error: UnexpectedToken, text: str) -> JqlError:
    token = error.token
    # The LALR state's own lookahead set is too wide (states are merged); ask the parser
    # which tokens it would really accept here.
    parser = error.interactive_parser
    expected: set[str] = set(parser.accepts()) if parser else set()  # type: ignore[no-untyped-call]
    at_end = token.type == "$END"
    got = "" if at_end else text[token.start_pos : token.end_pos]
    message = _expectation(expected, got, at_end)
    if at_end:
        return JqlError(message)
    return JqlError(message, token.line, token.column)


def _expectation(expected: set[str], got: str, at_end: bool) -> str:
    if not at_end and got.lower() in RESERVED_WORDS and "STRING" in expected:
        return (
            f"'{got}' is a reserved JQL word. You must surround it in quotation marks "
            "to use it in a query."
        )
    for wanted, what in _EXPECTATIONS:
        if wanted <= expected:
            return _expecting(what, got, at_end)
    single = [_TOKEN_TEXT[t] for t in sorted(expected) if t in _TOKEN_TEXT]
    if len(single) == 1:
        return _expecting(single[0], got, at_end)
    if at_end:
        return "Unexpected end of the query."
    return f"Unable to parse the query at '{got}'."


_OPERATOR_LIST = f"The valid operators are {_OPERATORS}."
# (tokens the parser accepts ⊇ wanted) → what Jira says it was expecting, most specific first.
_EXPECTATIONS: tuple[tuple[set[str], str], ...] = (
    ({"EQUALS"}, "operator"),
    ({"EMPTY", "LPAREN"}, "either a value, list or function"),
    ({"CF"}, "a field name"),
    ({"AND", "OR"}, "either 'OR' or 'AND'"),
    ({"ASC", "DESC", "COMMA"}, "either 'ASC', 'DESC' or ','"),
)
_TOKEN_TEXT = {
    "BY": "'by'",
    "LBRACKET": "'['",
    "RBRACKET": "']'",
    "RPAREN": "')'",
    "NUMBER": "a custom field id",  # only `cf[` insists on a number
}


def _expecting(what: str, got: str, at_end: bool) -> str:
    if what == "operator":
        if at_end:
            return f"Expecting operator before the end of the query. {_OPERATOR_LIST}"
        return f"Expecting operator but got '{got}'. {_OPERATOR_LIST}"
    if what == "a field name" and at_end:
        return "Expecting a field name at the end of the query."
    if at_end:
        return f"Expecting {what} before the end of the query."
    if what in ("either a value, list or function", "a field name"):
        use = "a value" if what.startswith("either") else "a field name"
        return (
            f"Expecting {what} but got '{got}'. "
            f"You must surround '{got}' in quotation marks to use it as {use}."
        )
    return f"Expecting {what} but got '{got}'."


# ---- tree → AST -------------------------------------------------------------------------

_PREDICATES = {p.name: p for p in ast.PredicateKind}


class _ToAst(Transformer[Token, Any]):
    """Builds the frozen AST and enforces the rules the grammar leaves to code."""

    def start(self, items: list[Any]) -> ast.Query:
        where = next((i for i in items if not isinstance(i, tuple)), None)
        order_by = next((i for i in items if isinstance(i, tuple)), ())
        return ast.Query(where, order_by)

    def or_(self, items: list[Any]) -> ast.Or:
        return ast.Or(tuple(i for i in items if not isinstance(i, Token)))

    def and_(self, items: list[Any]) -> ast.And:
        return ast.And(tuple(i for i in items if not isinstance(i, Token)))

    def not_(self, items: list[Any]) -> ast.Not:
        return ast.Not(items[1])

    def group(self, items: list[Any]) -> ast.Clause:
        clause: ast.Clause = items[1]
        return clause

    def terminal(self, items: list[Any]) -> ast.Terminal:
        field, operator_token, *rest = items
        operator: ast.Operator = operator_token[0]
        operand = rest[0] if rest and not isinstance(rest[0], ast.HistoryPredicate) else None
        predicates = tuple(r for r in rest if isinstance(r, ast.HistoryPredicate))
        if predicates and not operator.is_history:
            raise _at(
                operator_token[1],
                f"History predicates are only supported by the 'WAS' and 'CHANGED' operators, "
                f"not by '{operator.value}'.",
            )
        return ast.Terminal(field, operator, operand, predicates)

    def operator(self, tokens: list[Token]) -> tuple[ast.Operator, Token]:
        return _operator_of(tokens), tokens[0]

    def changed(self, tokens: list[Token]) -> tuple[ast.Operator, Token]:
        return ast.Operator.CHANGED, tokens[0]

    def predicate(self, items: list[Any]) -> ast.HistoryPredicate:
        return ast.HistoryPredicate(_PREDICATES[items[0].type], items[1])

    def empty(self, _: list[Token]) -> ast.Empty:
        return ast.Empty()

    def text(self, items: list[str]) -> ast.Text:
        return ast.Text(items[0])

    def number(self, items: list[Token]) -> ast.Number:
        return ast.Number(int(items[0]))

    def value_list(self, items: list[Any]) -> ast.ValueList:
        return ast.ValueList(tuple(i for i in items if not isinstance(i, Token)))

    def function(self, items: list[Any]) -> ast.Function:
        name, *rest = items
        return ast.Function(str(name), tuple(str(a) for a in rest if not isinstance(a, Token)))

    def argument(self, items: list[Any]) -> str:
        return str(items[0])

    def string(self, items: list[Token]) -> str:
        return str(items[0])

    def field(self, items: list[Any]) -> ast.Field:
        properties = tuple(i for i in items if isinstance(i, ast.PropertyRef))
        head = [i for i in items if not isinstance(i, ast.PropertyRef)]
        if head and isinstance(head[0], Token) and head[0].type == "CF":
            return ast.Field.custom(_custom_field_id(head[2]), properties)
        return ast.Field(str(head[0]), None, properties)

    def property(self, items: list[Any]) -> ast.PropertyRef:
        key = items[1]
        path_text = "".join(str(t) for t in items[3:])
        if path_text and not path_text.startswith("."):
            raise _at(items[3], f"Expecting '.' or an operator but got '{path_text}'.")
        path = tuple(p for p in path_text.split(".") if p) if path_text else ()
        return ast.PropertyRef(key, path)

    def order_by(self, items: list[Any]) -> tuple[ast.SortField, ...]:
        return tuple(i for i in items if isinstance(i, ast.SortField))

    def sort_field(self, items: list[Any]) -> ast.SortField:
        direction = ast.Direction[items[1].type] if len(items) > 1 else None
        return ast.SortField(items[0], direction)


def _operator_of(tokens: list[Token]) -> ast.Operator:
    words = [t.type for t in tokens]
    if len(words) == 1 and words[0] not in {"IN", "IS", "WAS", "CHANGED"}:
        return ast.Operator[words[0]]
    return ast.Operator(" ".join(words))


def _custom_field_id(token: Token) -> int:
    value = int(token)
    if value < 0:
        raise _at(token, f"Expecting a custom field id but got '{token}'.")
    return value


def _at(token: Token, message: str) -> JqlError:
    return JqlError(message, token.line, token.column)
