"""Date operands and functions with a frozen clock in a non-UTC time zone."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jirasync.jql import EvalContext, JqlError, matches
from jirasync.jql.dates import boundary_function, parse_date_operand, parse_issue_datetime, shift

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2024, 3, 6, 15, 0, tzinfo=BERLIN)  # a Wednesday; 2024 is a leap year
CTX = EvalContext(clock=lambda: NOW, time_zone=BERLIN)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "args", "week_start", "expected"),
    [
        ("startOfDay", (), 6, at(2024, 3, 6)),
        ("startOfDay", ("-1",), 6, at(2024, 3, 5)),
        ("startOfDay", ("+1",), 6, at(2024, 3, 7)),
        ("startOfDay", ("-1d",), 6, at(2024, 3, 5)),
        ("startOfDay", ("+9h",), 6, at(2024, 3, 6, 9)),
        ("endOfDay", (), 6, at(2024, 3, 6, 23, 59, 59, 999000)),
        ("endOfDay", ("-2",), 6, at(2024, 3, 4, 23, 59, 59, 999000)),
        ("startOfWeek", (), 6, at(2024, 3, 3)),  # Sunday, Jira's default locale
        ("startOfWeek", (), 0, at(2024, 3, 4)),  # Monday-first locale
        ("startOfWeek", ("-1",), 6, at(2024, 2, 25)),
        ("startOfWeek", ("+1d",), 6, at(2024, 3, 4)),
        ("endOfWeek", (), 6, at(2024, 3, 9, 23, 59, 59, 999000)),
        ("startOfMonth", (), 6, at(2024, 3, 1)),
        ("startOfMonth", ("-1",), 6, at(2024, 2, 1)),
        ("startOfMonth", ("+14d",), 6, at(2024, 3, 15)),
        ("endOfMonth", ("-1",), 6, at(2024, 2, 29, 23, 59, 59, 999000)),
        ("endOfMonth", (), 6, at(2024, 3, 31, 23, 59, 59, 999000)),
        ("startOfYear", (), 6, at(2024, 1, 1)),
        ("endOfYear", ("-1",), 6, at(2023, 12, 31, 23, 59, 59, 999000)),
        ("startOfYear", ("+1M",), 6, at(2024, 2, 1)),
    ],
)
def test_boundary_functions(
    name: str, args: tuple[str, ...], week_start: int, expected: datetime
) -> None:
    assert boundary_function(name, args, NOW, week_start) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01", at(2024, 3, 1)),
        ("2024/3/1", at(2024, 3, 1)),
        ("2024-03-01 10:30", at(2024, 3, 1, 10, 30)),
        ("2024/03/01 07:05", at(2024, 3, 1, 7, 5)),
        ("-1d", at(2024, 3, 5, 15)),
        ("-4w 2d", at(2024, 2, 5, 15)),  # the sign applies to every part
        ("-1w -1d", at(2024, 2, 27, 15)),
        ("1d 3h", at(2024, 3, 7, 18)),
        ("+2h", at(2024, 3, 6, 17)),
        ("-30m", at(2024, 3, 6, 14, 30)),
        ("-1M", at(2024, 2, 6, 15)),
        ("-1y", at(2023, 3, 6, 15)),
    ],
)
def test_date_operands(text: str, expected: datetime) -> None:
    assert parse_date_operand(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "-1x", "1.5d", ""])
def test_bad_date_operands(text: str) -> None:
    with pytest.raises(JqlError):
        parse_date_operand(text, NOW)


def test_month_arithmetic_clamps_to_the_last_day() -> None:
    assert shift(at(2024, 3, 31, 12), "-1M") == at(2024, 2, 29, 12)


def test_issue_datetimes_keep_their_offset() -> None:
    parsed = parse_issue_datetime("2024-03-01T09:30:00.123+0100", BERLIN)
    assert parsed is not None
    assert parsed.isoformat() == "2024-03-01T09:30:00.123000+01:00"
    assert parse_issue_datetime("2024-03-08", BERLIN) == at(2024, 3, 8)
    assert parse_issue_datetime("not a date", BERLIN) is None


# created = 2024-03-06 08:00 UTC = 09:00 Berlin; due 2024-03-08 (a date, Berlin midnight)
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("created >= startOfDay()", True),
        ("created < startOfDay()", False),
        ('created > startOfDay("+9h")', False),  # 09:00 exactly is not after 09:00
        ('created >= startOfDay("+9h")', True),
        ("created <= endOfDay()", True),
        ("created >= -6h", True),
        ("created >= -5h", False),
        ('created >= "-1w 2d"', True),
        ("created > 2024-03-06", True),
        ('created > "2024/03/06 09:00"', False),
        ('created = "2024-03-06 09:00"', True),
        ("created < now()", True),
        ("created >= 1709712000000", True),  # epoch ms of 2024-03-06T08:00Z
        ("created > 1709712000000", False),
        ("created >= startOfWeek()", True),
        ("created < startOfMonth()", False),
        ("due = 2024-03-08", True),
        ("due <= endOfWeek()", True),
        ("due < 2024-03-08", False),
        ("due >= startOfDay(2)", True),
        ("due >= startOfDay(+2)", None),  # '+' is a reserved character unquoted
        ("resolved is EMPTY", True),
        ("resolved < now()", False),
        ("updated > created", None),
    ],
)
def test_date_clauses(query: str, expected: bool | None, issue_factory: Any) -> None:
    issue = issue_factory(created="2024-03-06T08:00:00.000+0000", duedate="2024-03-08")
    if expected is None:
        with pytest.raises(JqlError):
            matches(query, issue, CTX)
        return
    assert matches(query, issue, CTX) is expected
