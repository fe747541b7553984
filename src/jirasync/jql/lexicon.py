"""The characters and words of JQL: what may stand unquoted, and how to quote the rest.

Shared by the lexer (reading) and the AST printer (writing) so both agree on one rule.
"""

from __future__ import annotations

import re

# Characters Jira reserves even though the grammar never uses them: an error unless quoted.
RESERVED_CHARS = frozenset("{}*/%+^$#@?;")

# Characters that end an unquoted string (besides whitespace and the reserved ones).
STOP_CHARS = frozenset("\"'=!<>()~,[]|&")

# Words the lexer turns into tokens (case-insensitive), mapped to their token type.
KEYWORDS: dict[str, str] = {
    "and": "AND",
    "or": "OR",
    "not": "NOT",
    "in": "IN",
    "is": "IS",
    "was": "WAS",
    "changed": "CHANGED",
    "empty": "EMPTY",
    "null": "EMPTY",
    "order": "ORDER",
    "by": "BY",
    "asc": "ASC",
    "desc": "DESC",
    "cf": "CF",
    "from": "FROM",
    "to": "TO",
    "before": "BEFORE",
    "after": "AFTER",
    "on": "ON",
    "during": "DURING",
}

# Jira's reserved words (the server's list; same as @atlaskit/jql-parser's test data).
RESERVED_WORDS = frozenset(
    [
        "abort",
        "access",
        "add",
        "after",
        "alias",
        "alter",
        "and",
        "any",
        "as",
        "asc",
        "audit",
        "avg",
        "before",
        "begin",
        "between",
        "boolean",
        "break",
        "by",
        "byte",
        "catch",
        "cf",
        "changed",
        "char",
        "character",
        "check",
        "checkpoint",
        "collate",
        "collation",
        "column",
        "commit",
        "connect",
        "continue",
        "count",
        "create",
        "current",
        "date",
        "decimal",
        "declare",
        "decrement",
        "default",
        "defaults",
        "define",
        "delete",
        "delimiter",
        "desc",
        "difference",
        "distinct",
        "divide",
        "do",
        "double",
        "drop",
        "else",
        "empty",
        "encoding",
        "end",
        "equals",
        "escape",
        "exclusive",
        "exec",
        "execute",
        "exists",
        "explain",
        "false",
        "fetch",
        "field",
        "file",
        "first",
        "float",
        "for",
        "from",
        "function",
        "go",
        "goto",
        "grant",
        "greater",
        "group",
        "having",
        "identified",
        "if",
        "immediate",
        "in",
        "increment",
        "index",
        "initial",
        "inner",
        "inout",
        "input",
        "insert",
        "int",
        "integer",
        "intersect",
        "intersection",
        "into",
        "is",
        "isempty",
        "isnull",
        "join",
        "last",
        "left",
        "less",
        "like",
        "limit",
        "lock",
        "long",
        "max",
        "min",
        "minus",
        "mode",
        "modify",
        "modulo",
        "more",
        "multiply",
        "next",
        "noaudit",
        "not",
        "notin",
        "nowait",
        "null",
        "number",
        "object",
        "of",
        "on",
        "option",
        "or",
        "order",
        "outer",
        "output",
        "power",
        "previous",
        "prior",
        "privileges",
        "public",
        "raise",
        "raw",
        "remainder",
        "rename",
        "resource",
        "return",
        "returns",
        "revoke",
        "right",
        "row",
        "rowid",
        "rownum",
        "rows",
        "select",
        "session",
        "set",
        "share",
        "size",
        "sqrt",
        "start",
        "strict",
        "string",
        "subtract",
        "sum",
        "synonym",
        "table",
        "then",
        "to",
        "trans",
        "transaction",
        "trigger",
        "true",
        "uid",
        "union",
        "unique",
        "update",
        "user",
        "validate",
        "values",
        "view",
        "was",
        "when",
        "whenever",
        "where",
        "while",
        "with",
    ]
)

# Backslash escapes allowed in quoted and unquoted strings, and what they stand for.
SIMPLE_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", '"': '"', "'": "'", "\\": "\\", " ": " "}

NUMBER_RE = re.compile(r"-?[0-9]+")


def is_number_text(text: str) -> bool:
    """True when an unquoted word would lex as a JQL number (`123`, `-5`; not `12a`)."""
    return NUMBER_RE.fullmatch(text) is not None


def is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


def can_stand_bare(text: str) -> bool:
    """True when `text` reads back as the same string without quotes."""
    if not text or is_number_text(text):
        return False
    lowered = text.lower()
    if lowered in KEYWORDS or lowered in RESERVED_WORDS:
        return False
    return not any(
        c.isspace() or c in STOP_CHARS or c in RESERVED_CHARS or c == "\\" or is_control(c)
        for c in text
    )


def quote(text: str) -> str:
    """`text` as a double-quoted JQL string, escaping what must be escaped."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif is_control(char):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def render_string(text: str) -> str:
    """A string operand or name: bare when that is unambiguous, quoted otherwise."""
    return text if can_stand_bare(text) else quote(text)
