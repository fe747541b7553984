"""The JQL syntax tree: immutable values whose `str()` is canonical JQL that parses back equal."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from jirasync.jql.lexicon import is_number_text, render_string


class Operator(Enum):
    EQUALS = "="
    NOT_EQUALS = "!="
    LIKE = "~"
    NOT_LIKE = "!~"
    LESS_THAN = "<"
    GREATER_THAN = ">"
    LESS_THAN_EQUALS = "<="
    GREATER_THAN_EQUALS = ">="
    IN = "IN"
    NOT_IN = "NOT IN"
    IS = "IS"
    IS_NOT = "IS NOT"
    WAS = "WAS"
    WAS_NOT = "WAS NOT"
    WAS_IN = "WAS IN"
    WAS_NOT_IN = "WAS NOT IN"
    CHANGED = "CHANGED"

    @property
    def is_history(self) -> bool:
        return self in _HISTORY_OPERATORS


_HISTORY_OPERATORS = frozenset(
    {Operator.WAS, Operator.WAS_NOT, Operator.WAS_IN, Operator.WAS_NOT_IN, Operator.CHANGED}
)


class PredicateKind(Enum):
    """The words that qualify a history clause (`status WAS Open BEFORE -1d`)."""

    FROM = "FROM"
    TO = "TO"
    BY = "BY"
    BEFORE = "BEFORE"
    AFTER = "AFTER"
    ON = "ON"
    DURING = "DURING"


# ---- operands -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Empty:
    """`EMPTY` / `NULL` unquoted: the field has no value."""

    def __str__(self) -> str:
        return "EMPTY"


@dataclass(frozen=True, slots=True)
class Text:
    """A string value (quoted or not in the source; `"12"` is Text, `12` is Number)."""

    value: str

    def __str__(self) -> str:
        return render_string(self.value)


@dataclass(frozen=True, slots=True)
class Number:
    """An unquoted integer (`12`, `-5`)."""

    value: int

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True, slots=True)
class Function:
    """`name(arg, …)`; Jira passes arguments to functions as strings."""

    name: str
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        # Arguments are strings to Jira, so `fn(3)` and `fn("3")` are the same call.
        args = ", ".join(a if is_number_text(a) else render_string(a) for a in self.args)
        return f"{render_string(self.name)}({args})"


@dataclass(frozen=True, slots=True)
class ValueList:
    """`(a, b, fn())`; items may themselves be lists."""

    items: tuple[Operand, ...]

    def __str__(self) -> str:
        return "(" + ", ".join(str(i) for i in self.items) + ")"


Operand = Empty | Text | Number | Function | ValueList


# ---- fields ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PropertyRef:
    """`[key].path.to.value` after a field (`issue.property[foo].bar`)."""

    key: str
    path: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"[{render_string(self.key)}]" + "".join("." + p for p in self.path)


@dataclass(frozen=True, slots=True)
class Field:
    """A clause or sort field: a name (`status`, `"Story Points"`) or `cf[10010]`."""

    name: str
    custom_id: int | None = None
    properties: tuple[PropertyRef, ...] = ()

    @classmethod
    def custom(cls, custom_id: int, properties: tuple[PropertyRef, ...] = ()) -> Field:
        return cls(f"cf[{custom_id}]", custom_id, properties)

    def __str__(self) -> str:
        head = f"cf[{self.custom_id}]" if self.custom_id is not None else _field_name(self.name)
        return head + "".join(str(p) for p in self.properties)


def _field_name(name: str) -> str:
    # Numeric field names (`12345 = x`) lex as numbers and are accepted bare.
    return name if is_number_text(name) else render_string(name)


# ---- clauses --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryPredicate:
    kind: PredicateKind
    operand: Operand

    def __str__(self) -> str:
        return f"{self.kind.value} {self.operand}"


@dataclass(frozen=True, slots=True)
class Terminal:
    """`field operator operand [predicates]`; `operand` is None only for CHANGED."""

    field: Field
    operator: Operator
    operand: Operand | None = None
    predicates: tuple[HistoryPredicate, ...] = ()

    def __str__(self) -> str:
        parts = [str(self.field), self.operator.value]
        if self.operand is not None:
            parts.append(str(self.operand))
        parts.extend(str(p) for p in self.predicates)
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class And:
    clauses: tuple[Clause, ...]

    def __str__(self) -> str:
        return " AND ".join(_grouped(c) for c in self.clauses)


@dataclass(frozen=True, slots=True)
class Or:
    clauses: tuple[Clause, ...]

    def __str__(self) -> str:
        return " OR ".join(_grouped(c) for c in self.clauses)


@dataclass(frozen=True, slots=True)
class Not:
    clause: Clause

    def __str__(self) -> str:
        return "NOT " + _grouped(self.clause)


Clause = Terminal | And | Or | Not


def _grouped(clause: Clause) -> str:
    # Parentheses around every nested AND/OR keep the tree shape exact on a round trip.
    return f"({clause})" if isinstance(clause, And | Or) else str(clause)


# ---- query ----------------------------------------------------------------------------


class Direction(Enum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True, slots=True)
class SortField:
    field: Field
    direction: Direction | None = None

    def __str__(self) -> str:
        return str(self.field) if self.direction is None else f"{self.field} {self.direction.value}"


@dataclass(frozen=True, slots=True)
class Query:
    where: Clause | None = None
    order_by: tuple[SortField, ...] = ()

    def __str__(self) -> str:
        parts = [] if self.where is None else [str(self.where)]
        if self.order_by:
            parts.append("ORDER BY " + ", ".join(str(s) for s in self.order_by))
        return " ".join(parts)
