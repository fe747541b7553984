"""Dates in JQL: absolute and relative operands, the date functions, and Jira's JSON dates."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from functools import wraps
from typing import ParamSpec

from jirasync.jql.errors import JqlError

_ABSOLUTE = re.compile(
    r"(?P<y>\d{4})[-/](?P<mo>\d{1,2})[-/](?P<d>\d{1,2})(?:\s+(?P<h>\d{1,2}):(?P<mi>\d{2}))?"
)
# Relative dates: years, Months, weeks, days, hours, minutes (`-4w 2d`, `+1M`).
_PERIOD = re.compile(r"([+-]?)(\d+)([yMwdhm])")
_RELATIVE = re.compile(r"\s*[+-]?\d+[yMwdhm](?:\s*[+-]?\d+[yMwdhm])*\s*")


def parse_issue_datetime(value: str, zone: tzinfo) -> datetime | None:
    """A date from issue JSON: `2019-06-04T00:15:17.234+0000`, or a bare `2019-06-04` (due).

    Values without an offset (due dates) are read in the context's time zone.
    """
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


_P = ParamSpec("_P")


def _out_of_range_is_jql_error(function: Callable[_P, datetime]) -> Callable[_P, datetime]:
    """Dates beyond what datetime holds (`-99999999d`, year 0) are query errors, not crashes."""

    @wraps(function)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> datetime:
        try:
            return function(*args, **kwargs)
        except (OverflowError, OSError, ValueError) as error:
            raise JqlError(f"The date is out of range: {error}.") from None

    return guarded


@_out_of_range_is_jql_error
def parse_date_operand(text: str, now: datetime) -> datetime:
    """A date written in a query: `2020-01-31`, `"2020/01/31 13:45"`, `-1d`, `"-4w 2d"`."""
    absolute = _ABSOLUTE.fullmatch(text.strip())
    if absolute is not None:
        return _absolute(absolute, now.tzinfo)
    if _RELATIVE.fullmatch(text):
        return shift(now, text)
    raise JqlError(
        f"Date value '{text}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


def _absolute(match: re.Match[str], zone: tzinfo | None) -> datetime:
    parts = match.groupdict()
    try:
        return datetime(
            int(parts["y"]),
            int(parts["mo"]),
            int(parts["d"]),
            int(parts["h"] or 0),
            int(parts["mi"] or 0),
            tzinfo=zone,
        )
    except ValueError as error:
        raise JqlError(f"Date value '{match.group(0)}' is invalid: {error}.") from None


@_out_of_range_is_jql_error
def epoch_millis(value: int, zone: tzinfo) -> datetime:
    """Numbers compared with dates are milliseconds since the epoch (`updated >= 1700000000000`)."""
    return datetime.fromtimestamp(value / 1000, zone)


def shift(moment: datetime, period: str) -> datetime:
    """Add a period like `-4w 2d` (a leading sign applies to the parts that carry none)."""
    periods = _PERIOD.findall(period)
    if not periods or not _RELATIVE.fullmatch(period):
        raise JqlError(f"The period '{period}' is not valid. Use e.g. '-5d', '4w 2d', '+1M'.")
    default_sign = -1 if periods[0][0] == "-" else 1
    for sign_text, amount_text, unit in periods:
        sign = default_sign if not sign_text else (-1 if sign_text == "-" else 1)
        moment = _add(moment, sign * int(amount_text), unit)
    return moment


def _add(moment: datetime, amount: int, unit: str) -> datetime:
    if unit == "y":
        return add_months(moment, 12 * amount)
    if unit == "M":
        return add_months(moment, amount)
    seconds = {"w": 604800, "d": 86400, "h": 3600, "m": 60}[unit]
    # Wall-clock arithmetic: `-1d` across a DST change is the same time yesterday.
    naive = moment.replace(tzinfo=None) + timedelta(seconds=seconds * amount)
    return naive.replace(tzinfo=moment.tzinfo)


def add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


# ---- startOf… / endOf… ------------------------------------------------------------------

_FUNCTION_UNIT = {"day": "d", "week": "w", "month": "M", "year": "y"}


@_out_of_range_is_jql_error
def boundary_function(name: str, args: Sequence[str], now: datetime, week_start: int) -> datetime:
    """`startOfDay()`, `endOfMonth(-1)`, `startOfWeek("+1d")` … evaluated at `now`."""
    lowered = name.lower()
    is_start = lowered.startswith("startof")
    unit = _FUNCTION_UNIT[lowered.removeprefix("startof").removeprefix("endof")]
    offset = args[0].strip() if args else ""
    if re.fullmatch(r"[+-]?\d+", offset):
        # A bare number counts in the function's own unit: endOfMonth(-1) = end of last month.
        now = _add(now, int(offset), unit)
        offset = ""
    edge = _start_of(now, unit, week_start) if is_start else _end_of(now, unit, week_start)
    return shift(edge, offset) if offset else edge


def _start_of(moment: datetime, unit: str, week_start: int) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "d":
        return day
    if unit == "w":
        return day - timedelta(days=(day.weekday() - week_start) % 7)
    if unit == "M":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _end_of(moment: datetime, unit: str, week_start: int) -> datetime:
    start = _start_of(moment, unit, week_start)
    if unit in ("d", "w"):
        following = start + timedelta(days=1 if unit == "d" else 7)
    else:
        following = add_months(start, 1 if unit == "M" else 12)
    return following - timedelta(milliseconds=1)


def is_boundary_function(name: str) -> bool:
    lowered = name.lower()
    for prefix in ("startof", "endof"):
        if lowered.startswith(prefix) and lowered.removeprefix(prefix) in _FUNCTION_UNIT:
            return True
    return False
