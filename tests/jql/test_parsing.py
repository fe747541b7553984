"""Parser: tree shapes, precedence, history predicates, ORDER BY, and syntax errors."""

import pytest

from jirasync.jql import (
    And,
    Direction,
    Empty,
    Field,
    Function,
    HistoryPredicate,
    JqlError,
    Not,
    Number,
    Operator,
    Or,
    PredicateKind,
    PropertyRef,
    Query,
    SortField,
    Terminal,
    Text,
    ValueList,
    parse,
)


def t(field: str, op: Operator, value: object = None, *preds: HistoryPredicate) -> Terminal:
    return Terminal(Field(field), op, value, tuple(preds))  # type: ignore[arg-type]


A = t("a", Operator.EQUALS, Number(1))
B = t("b", Operator.EQUALS, Number(2))
C = t("c", Operator.EQUALS, Number(3))


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("a = 1 OR b = 2 AND c = 3", Or((A, And((B, C))))),
        ("a = 1 | b = 2 && c = 3", Or((A, And((B, C))))),
        ("a = 1 || b = 2 & c = 3", Or((A, And((B, C))))),
        ("(a = 1 OR b = 2) AND c = 3", And((Or((A, B)), C))),
        ("NOT a = 1 AND b = 2", And((Not(A), B))),
        ("! a = 1 OR b = 2", Or((Not(A), B))),
        ("NOT (a = 1 OR b = 2)", Not(Or((A, B)))),
        ("not ! a = 1", Not(Not(A))),
        ("a = 1 AND b = 2 AND c = 3", And((A, B, C))),
        ("((a = 1))", A),
    ],
)
def test_boolean_structure(query: str, where: object) -> None:
    assert parse(query).where == where


@pytest.mark.parametrize(
    ("query", "operator"),
    [
        ("a = 1", Operator.EQUALS),
        ("a != 1", Operator.NOT_EQUALS),
        ("a ~ 1", Operator.LIKE),
        ("a !~ 1", Operator.NOT_LIKE),
        ("a < 1", Operator.LESS_THAN),
        ("a > 1", Operator.GREATER_THAN),
        ("a <= 1", Operator.LESS_THAN_EQUALS),
        ("a >= 1", Operator.GREATER_THAN_EQUALS),
        ("a in (1)", Operator.IN),
        ("a not in (1)", Operator.NOT_IN),
        ("a is empty", Operator.IS),
        ("a is not empty", Operator.IS_NOT),
        ("a was 1", Operator.WAS),
        ("a was not 1", Operator.WAS_NOT),
        ("a was in (1)", Operator.WAS_IN),
        ("a was not in (1)", Operator.WAS_NOT_IN),
        ("a changed", Operator.CHANGED),
    ],
)
def test_operators(query: str, operator: Operator) -> None:
    assert parse(query).where.operator is operator  # type: ignore[union-attr]


def test_history_predicates_keep_order() -> None:
    where = parse(
        'status changed FROM "To Do" to Done by currentUser() after -1w before now() '
        'on "2024-01-02" during (startOfWeek(-1), endOfWeek(-1))'
    ).where
    assert where == t(
        "status",
        Operator.CHANGED,
        None,
        HistoryPredicate(PredicateKind.FROM, Text("To Do")),
        HistoryPredicate(PredicateKind.TO, Text("Done")),
        HistoryPredicate(PredicateKind.BY, Function("currentUser")),
        HistoryPredicate(PredicateKind.AFTER, Text("-1w")),
        HistoryPredicate(PredicateKind.BEFORE, Function("now")),
        HistoryPredicate(PredicateKind.ON, Text("2024-01-02")),
        HistoryPredicate(
            PredicateKind.DURING,
            ValueList((Function("startOfWeek", ("-1",)), Function("endOfWeek", ("-1",)))),
        ),
    )


def test_nested_lists_functions_and_empty() -> None:
    where = parse('a in ((x, 1), membersOf("jira-users"), null, fn(a, "b c", 3))').where
    assert where.operand == ValueList(  # type: ignore[union-attr]
        (
            ValueList((Text("x"), Number(1))),
            Function("membersOf", ("jira-users",)),
            Empty(),
            Function("fn", ("a", "b c", "3")),
        )
    )


def test_property_references() -> None:
    assert parse("issue.property[foo].bar.baz = 1").where.field == Field(  # type: ignore[union-attr]
        "issue.property", None, (PropertyRef("foo", ("bar", "baz")),)
    )
    assert parse('assignee.property["name"] = x').where.field == Field(  # type: ignore[union-attr]
        "assignee.property", None, (PropertyRef("name"),)
    )


def test_order_by() -> None:
    assert parse("ORDER BY created DESC, key asc, cf[10000]") == Query(
        None,
        (
            SortField(Field("created"), Direction.DESC),
            SortField(Field("key"), Direction.ASC),
            SortField(Field.custom(10000)),
        ),
    )


def test_empty_query() -> None:
    assert parse("") == Query()
    assert parse("   \n ") == Query()


@pytest.mark.parametrize(
    ("query", "text"),
    [
        (
            "project = OPS AND status = = Done",
            "Error in the JQL Query: Expecting either a value, list or function but got '='. "
            "You must surround '=' in quotation marks to use it as a value. "
            "(line 1, character 28)",
        ),
        (
            "project =",
            "Error in the JQL Query: Expecting either a value, list or function before the end "
            "of the query.",
        ),
        (
            "project = OPS AND",
            "Error in the JQL Query: Expecting a field name at the end of the query.",
        ),
        (
            "status closed",
            "Error in the JQL Query: Expecting operator but got 'closed'. The valid operators "
            "are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. "
            "(line 1, character 8)",
        ),
        ("(a = b", "Error in the JQL Query: Expecting ')' before the end of the query."),
        (
            "a = b c = d",
            "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'c'. "
            "(line 1, character 7)",
        ),
        (
            "assignee in in (a)",
            "Error in the JQL Query: 'in' is a reserved JQL word. You must surround it in "
            "quotation marks to use it in a query. (line 1, character 13)",
        ),
        ("order = x", "Error in the JQL Query: Expecting 'by' but got '='. (line 1, character 7)"),
        (
            "cf[x] = 1",
            "Error in the JQL Query: Expecting a custom field id but got 'x'. "
            "(line 1, character 4)",
        ),
        (
            "a = b ORDER BY c = d",
            "Error in the JQL Query: Expecting either 'ASC', 'DESC' or ',' but got '='. "
            "(line 1, character 18)",
        ),
        (
            "a = b order by",
            "Error in the JQL Query: Expecting a field name at the end of the query.",
        ),
        (
            "a = fn(x y)",
            "Error in the JQL Query: Expecting ')' but got 'y'. (line 1, character 10)",
        ),
        (
            "a = b after -1d",
            "Error in the JQL Query: History predicates are only supported by the 'WAS' and "
            "'CHANGED' operators, not by '='. (line 1, character 3)",
        ),
    ],
)
def test_syntax_errors_in_jiras_words(query: str, text: str) -> None:
    with pytest.raises(JqlError) as caught:
        parse(query)
    assert str(caught.value) == text


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("project=ops and status  in (a,'b c')", 'project = ops AND status IN (a, "b c")'),
        ("a = 1 or b = 2 and c = 3", "a = 1 OR (b = 2 AND c = 3)"),
        ("a is null order by b", "a IS EMPTY ORDER BY b"),
        ('"Story Points" > 3', '"Story Points" > 3'),
        ("a = 'abort'", 'a = "abort"'),
        ('a = "12"', 'a = "12"'),
        ("a = x\\ty", 'a = "x\\ty"'),
    ],
)
def test_canonical_printing(query: str, canonical: str) -> None:
    assert str(parse(query)) == canonical
    assert parse(canonical) == parse(query)
