"""Lexing rules: reserved characters and words, quotes, escapes, numbers vs strings."""

import pytest

from jirasync.jql import Field, JqlError, Number, Text, parse


def operand(query: str) -> object:
    where = parse(query).where
    return where.operand  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a = 12345", Number(12345)),
        ("a = -7", Number(-7)),
        ("a = 12345a", Text("12345a")),
        ('a = "12345"', Text("12345")),
        ("a = -1d", Text("-1d")),
        ("a = ABC-123", Text("ABC-123")),
        ("a = -29202-", Text("-29202-")),
        ("a = 1.2.3", Text("1.2.3")),
        ("a = 2019-11-15", Text("2019-11-15")),
        ('a = "null"', Text("null")),
        ("a = 'EMPTY'", Text("EMPTY")),
        ('a = ""', Text("")),
        (r'a = "x\"y"', Text('x"y')),
        (r"a = 'x\'y'", Text("x'y")),
        (r'a = "tab\there"', Text("tab\there")),
        (r'a = "\u0023"', Text("#")),
        (r"a = with\ space", Text("with space")),
        ('a = "line\nbreak"', Text("line\nbreak")),
        ("a = ⻥x", Text("⻥x")),
        ("a = 'abort'", Text("abort")),
    ],
)
def test_operand_values(query: str, expected: object) -> None:
    assert operand(query) == expected


@pytest.mark.parametrize(
    ("query", "message", "line", "column"),
    [
        (
            "reporter=a/user/with/slash",
            "The character '/' is a reserved JQL character. You must enclose it in a string "
            "or use the escape '\\u002f' instead.",
            1,
            11,
        ),
        (
            "summary ~ abc#1",
            "The character '#' is a reserved JQL character. You must enclose it in a string "
            "or use the escape '\\u0023' instead.",
            1,
            14,
        ),
        (
            "project = OPS and\nassignee = for",
            "'for' is a reserved JQL word. You must surround it in quotation marks to use it "
            "in a query.",
            2,
            12,
        ),
        ('a = "open', "The quoted string 'open' has not been completed.", 1, 5),
        (
            r"a = b\qc",
            "'\\q' is an illegal JQL escape sequence. The valid escape sequences are \\', \\\", "
            "\\t, \\n, \\r, \\\\, '\\ ' and \\uXXXX.",
            1,
            6,
        ),
        (
            "a = b\x01",
            "The character '\x01' must be escaped. Use the escape '\\u0001' instead.",
            1,
            6,
        ),
    ],
)
def test_lexical_errors(query: str, message: str, line: int, column: int) -> None:
    with pytest.raises(JqlError) as caught:
        parse(query)
    assert caught.value.message == message
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value) == (
        f"Error in the JQL Query: {message} (line {line}, character {column})"
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("12345 = v", Field("12345")),
        ("-67890 = v", Field("-67890")),
        ('"issue type" = v', Field("issue type")),
        (r"issue\ type = v", Field("issue type")),
        ("cf[10010] = v", Field.custom(10010)),
        ("CF [ 10010 ] = v", Field.custom(10010)),
        ("\\  = v", Field(" ")),
    ],
)
def test_field_names(query: str, field: Field) -> None:
    assert parse(query).where.field == field  # type: ignore[union-attr]


@pytest.mark.parametrize("keyword", ["AND", "and", "And", "aNd"])
def test_keywords_are_case_insensitive(keyword: str) -> None:
    assert parse(f"a = b {keyword} c = d") == parse("a = b AND c = d")


def test_words_that_merely_start_with_keywords_are_strings() -> None:
    assert parse("assigneein in (a)").where.field == Field("assigneein")  # type: ignore[union-attr]
    assert operand("a = order_x") == Text("order_x")
