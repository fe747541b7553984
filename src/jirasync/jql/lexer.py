"""JQL lexer: turns query text into lark tokens, with Jira's errors for bad characters.

Hand-written rather than regex terminals because JQL's rules are contextual in small ways
(keywords are case-insensitive words, `12a` is a string but `12` a number, escapes work in
unquoted strings too, reserved characters and words are errors with their own messages).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lark import Token

from jirasync.jql.errors import JqlError
from jirasync.jql.lexicon import (
    KEYWORDS,
    RESERVED_CHARS,
    RESERVED_WORDS,
    SIMPLE_ESCAPES,
    STOP_CHARS,
    is_control,
    is_number_text,
)

WHITESPACE = frozenset(" \t\n\r\f")

# Two-character spellings are tried first, so `!=` wins over `!`.
PUNCTUATION = (
    ("!=", "NOT_EQUALS"),
    ("!~", "NOT_LIKE"),
    ("<=", "LESS_THAN_EQUALS"),
    (">=", "GREATER_THAN_EQUALS"),
    ("&&", "AND"),
    ("||", "OR"),
    ("=", "EQUALS"),
    ("~", "LIKE"),
    ("<", "LESS_THAN"),
    (">", "GREATER_THAN"),
    ("!", "BANG"),
    ("&", "AND"),
    ("|", "OR"),
    ("(", "LPAREN"),
    (")", "RPAREN"),
    ("[", "LBRACKET"),
    ("]", "RBRACKET"),
    (",", "COMMA"),
)

ESCAPE_HELP = "The valid escape sequences are \\', \\\", \\t, \\n, \\r, \\\\, '\\ ' and \\uXXXX."


@dataclass
class _Cursor:
    """Position in the text, tracking Jira's 1-based line and character numbers."""

    text: str
    pos: int = 0
    has_newlines: bool = False

    def __post_init__(self) -> None:
        self.has_newlines = "\n" in self.text

    def where(self, pos: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, pos) + 1
        return line, pos - (self.text.rfind("\n", 0, pos) + 1) + 1

    def error(self, message: str, pos: int) -> JqlError:
        line, column = self.where(pos)
        return JqlError(message, line, column)

    def token(self, kind: str, value: str, start: int) -> Token:
        line, column = self.where(start) if self.has_newlines else (1, start + 1)
        return Token(kind, value, start, line, column, end_pos=self.pos)


_TWO_CHAR = {spelling: kind for spelling, kind in PUNCTUATION if len(spelling) == 2}
_ONE_CHAR = {spelling: kind for spelling, kind in PUNCTUATION if len(spelling) == 1}
# A run of characters that need no special handling inside an unquoted word.
_PLAIN_RUN = re.compile(r"[^\s\"'=!<>()~,\[\]|&{}*/%+^$#@?;\\\x00-\x1f\x7f-\x9f]+")


def tokenize(text: str) -> Iterator[Token]:
    cursor = _Cursor(text)
    size = len(text)
    while cursor.pos < size:
        char = text[cursor.pos]
        if char in WHITESPACE:
            cursor.pos += 1
        elif char in "\"'":
            yield _quoted(cursor)
        else:
            yield _punctuation(cursor) or _word(cursor)


def _punctuation(cursor: _Cursor) -> Token | None:
    start = cursor.pos
    pair = cursor.text[start : start + 2]
    kind = _TWO_CHAR.get(pair)
    spelling = pair
    if kind is None:
        spelling = pair[:1]
        kind = _ONE_CHAR.get(spelling)
        if kind is None:
            return None
    cursor.pos += len(spelling)
    return cursor.token(kind, spelling, start)


def _quoted(cursor: _Cursor) -> Token:
    text, start = cursor.text, cursor.pos
    quote_char = text[start]
    cursor.pos += 1
    out: list[str] = []
    while cursor.pos < len(text):
        char = text[cursor.pos]
        if char == quote_char:
            cursor.pos += 1
            return cursor.token("QUOTED_STRING", "".join(out), start)
        if char == "\\":
            out.append(_escape(cursor))
            continue
        if is_control(char) and char not in "\n\r\t":
            raise _illegal_char(cursor, char, cursor.pos)
        out.append(char)
        cursor.pos += 1
    raise cursor.error(f"The quoted string '{text[start + 1 :]}' has not been completed.", start)


def _word(cursor: _Cursor) -> Token:
    text, start = cursor.text, cursor.pos
    out: list[str] = []
    escaped = False
    while cursor.pos < len(text):
        run = _PLAIN_RUN.match(text, cursor.pos)
        if run is not None:
            out.append(run.group(0))
            cursor.pos = run.end()
            continue
        char = text[cursor.pos]
        if char == "\\":
            out.append(_escape(cursor))
            escaped = True
            continue
        if char in WHITESPACE or char in STOP_CHARS:
            break
        if char in RESERVED_CHARS:
            raise cursor.error(
                f"The character '{char}' is a reserved JQL character. You must enclose it "
                f"in a string or use the escape '\\u{ord(char):04x}' instead.",
                cursor.pos,
            )
        if is_control(char):
            raise _illegal_char(cursor, char, cursor.pos)
        out.append(char)
        cursor.pos += 1
    return _classify("".join(out), escaped, cursor, start)


def _classify(value: str, escaped: bool, cursor: _Cursor, start: int) -> Token:
    raw = cursor.text[start : cursor.pos]
    if not escaped:
        keyword = KEYWORDS.get(value.lower())
        if keyword is not None:
            return cursor.token(keyword, raw, start)
        if is_number_text(value):
            return cursor.token("NUMBER", value, start)
    if value.lower() in RESERVED_WORDS:
        raise cursor.error(
            f"'{raw}' is a reserved JQL word. You must surround it in quotation marks "
            "to use it in a query.",
            start,
        )
    return cursor.token("STRING", value, start)


def _escape(cursor: _Cursor) -> str:
    text, start = cursor.text, cursor.pos
    code = text[start + 1 : start + 2]
    if code in SIMPLE_ESCAPES:
        cursor.pos += 2
        return SIMPLE_ESCAPES[code]
    digits = text[start + 2 : start + 6]
    if code == "u" and len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
        cursor.pos += 6
        return chr(int(digits, 16))
    if not code:
        raise cursor.error("The escape sequence has not been completed. " + ESCAPE_HELP, start)
    sequence = text[start : start + 6] if code == "u" else text[start : start + 2]
    raise cursor.error(f"'{sequence}' is an illegal JQL escape sequence. " + ESCAPE_HELP, start)


def _illegal_char(cursor: _Cursor, char: str, pos: int) -> JqlError:
    return cursor.error(
        f"The character '{char}' must be escaped. Use the escape '\\u{ord(char):04x}' instead.",
        pos,
    )
