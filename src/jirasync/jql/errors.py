"""Errors raised by the JQL parser and evaluator, worded the way Jira words them."""

from __future__ import annotations

_PREFIX = "Error in the JQL Query: "


class JqlError(ValueError):
    """A query Jira would reject: syntax (with a position) or meaning (without one).

    `message` is Jira's sentence without the prefix and position; `str(error)` is the
    full text Jira puts in `errorMessages`.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(self._full_text())

    def _full_text(self) -> str:
        if self.line is None or self.column is None:
            return _PREFIX + self.message
        return f"{_PREFIX}{self.message} (line {self.line}, character {self.column})"


class JqlNeedsRemote(JqlError):
    """The query cannot be decided on the issue JSON alone; ask Jira (one search)."""


class JqlUnknownFunction(JqlError):
    """A function this evaluator does not implement (e.g. ScriptRunner's `issueFunction`)."""
