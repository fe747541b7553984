"""Property: any AST prints as JQL that parses back to the same AST."""

from hypothesis import given, settings
from hypothesis import strategies as st

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

# Mostly JQL-hostile characters so quoting and escaping get exercised.
tricky_text = st.text(
    alphabet=st.sampled_from(list("aZ09 -._:\"'\\=!<>()~,[]|&{}*/%+^$#@?;\t\n\r\x01\u2ee5é"))
    | st.characters(codec="utf-8"),
    max_size=12,
)
words = st.sampled_from(["and", "OR", "not", "empty", "null", "abort", "cf", "in", "order", "12"])
strings = tricky_text | words
path_segment = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True)

fields = st.one_of(
    st.builds(Field, strings),
    st.builds(Field.custom, st.integers(min_value=0, max_value=10**6)),
    st.builds(
        Field,
        strings,
        st.none(),
        st.lists(
            st.builds(PropertyRef, strings, st.lists(path_segment, max_size=3).map(tuple)),
            min_size=1,
            max_size=2,
        ).map(tuple),
    ),
)

scalars = st.one_of(
    st.just(Empty()),
    st.builds(Text, strings),
    st.builds(Number, st.integers(min_value=-(10**12), max_value=10**12)),
    st.builds(Function, strings, st.lists(strings, max_size=3).map(tuple)),
)
operands = st.recursive(
    scalars,
    lambda inner: st.builds(ValueList, st.lists(inner, min_size=1, max_size=3).map(tuple)),
    max_leaves=6,
)
predicates = st.lists(
    st.builds(HistoryPredicate, st.sampled_from(list(PredicateKind)), operands), max_size=3
).map(tuple)

plain_operators = [o for o in Operator if not o.is_history]
history_operators = [o for o in Operator if o.is_history and o is not Operator.CHANGED]

terminals = st.one_of(
    st.builds(Terminal, fields, st.sampled_from(plain_operators), operands),
    st.builds(Terminal, fields, st.sampled_from(history_operators), operands, predicates),
    st.builds(Terminal, fields, st.just(Operator.CHANGED), st.none(), predicates),
)
clauses = st.recursive(
    terminals,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple)),
    ),
    max_leaves=8,
)
sorts = st.lists(
    st.builds(SortField, fields, st.none() | st.sampled_from(list(Direction))), max_size=3
).map(tuple)
queries = st.builds(Query, st.none() | clauses, sorts)


@settings(max_examples=200, deadline=None)
@given(queries)
def test_printed_query_parses_back_to_the_same_tree(query: Query) -> None:
    assert parse(str(query)) == query


@settings(max_examples=100, deadline=None)
@given(strings)
def test_any_string_survives_as_a_value(value: str) -> None:
    query = Query(Terminal(Field("summary"), Operator.EQUALS, Text(value)))
    assert parse(str(query)) == query


# Fragments of JQL glued at random: mostly invalid, sometimes valid in surprising ways.
WORDS = ["cf", " not ", " in ", " was ", " changed ", " order by ", " from ", " asc", " and "]
fragments = st.sampled_from([*"ab1-= !~<>()[],|&\"'\\.\n#", *WORDS, " or ", "\\u00", "fn("])


@settings(max_examples=300, deadline=None)
@given(st.lists(fragments, max_size=25).map("".join) | st.text(max_size=30))
def test_any_text_parses_and_round_trips_or_fails_with_a_jql_error(text: str) -> None:
    try:
        query = parse(text)
    except JqlError as error:
        assert error.message
        return
    assert parse(str(query)) == query
