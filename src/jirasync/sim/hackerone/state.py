"""The simulator's whole in-memory state: every object by id, id counters and the clock."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from jirasync.sim.hackerone.model import (
    Activity,
    ApiToken,
    Attachment,
    Bounty,
    Group,
    Program,
    Report,
    Severity,
    Swag,
    User,
)

STATES: tuple[str, ...] = (
    "new",
    "pending-program-review",
    "triaged",
    "needs-more-info",
    "resolved",
    "not-applicable",
    "informative",
    "duplicate",
    "spam",
    "retesting",
)
OPEN_STATES = frozenset(
    {"new", "pending-program-review", "triaged", "needs-more-info", "retesting"}
)
CLOSED_STATES = frozenset({"resolved", "not-applicable", "informative", "duplicate", "spam"})


class Clock:
    """Wall-clock time, strictly increasing by at least 1 ms per call.

    Timestamps are rendered with millisecond precision; keeping them distinct means
    `updated_at_after` polling never skips an activity written in the same millisecond.
    """

    def __init__(self) -> None:
        self._last = datetime(1970, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        wall = datetime.now(UTC)
        now = wall.replace(microsecond=wall.microsecond // 1000 * 1000)
        if now <= self._last:
            now = self._last + timedelta(milliseconds=1)
        self._last = now
        return now

    def observe(self, moment: datetime) -> None:
        """Seeded timestamps in the future must still be older than anything new."""
        if moment > self._last:
            self._last = moment


@dataclass
class State:
    users: dict[int, User] = field(default_factory=dict)
    programs: dict[int, Program] = field(default_factory=dict)
    reports: dict[int, Report] = field(default_factory=dict)
    activities: dict[int, Activity] = field(default_factory=dict)
    bounties: dict[int, Bounty] = field(default_factory=dict)
    swags: dict[int, Swag] = field(default_factory=dict)
    severities: dict[int, Severity] = field(default_factory=dict)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    attachment_data: dict[int, bytes] = field(default_factory=dict)
    clock: Clock = field(default_factory=Clock)
    _ids: dict[str, Iterator[int]] = field(default_factory=dict)

    # -- ids ----------------------------------------------------------------------------------
    def next_id(self, kind: str) -> int:
        """A fresh id for `kind`, above every id the seed used (ids look like HackerOne's)."""
        if kind not in self._ids:
            self._ids[kind] = itertools.count(self._first_free(kind))
        return next(self._ids[kind])

    def forget_ids(self) -> None:
        """Recompute counters from the objects present (after seeding with explicit ids)."""
        self._ids.clear()

    def _first_free(self, kind: str) -> int:
        starts = {"report": 1000, "activity": 100_000, "user": 500_000}
        used: list[int] = {
            "report": list(self.reports),
            "activity": list(self.activities),
            "bounty": list(self.bounties),
            "swag": list(self.swags),
            "severity": list(self.severities),
            "attachment": list(self.attachments),
            "user": list(self.users),
        }.get(kind, [])
        return max([starts.get(kind, 1), *(i + 1 for i in used)])

    # -- look-ups -----------------------------------------------------------------------------
    def user_by_name(self, username: str) -> User | None:
        return next((u for u in self.users.values() if u.username == username), None)

    def program_by_handle(self, handle: str) -> Program | None:
        return next((p for p in self.programs.values() if p.handle == handle), None)

    def token(self, identifier: str) -> tuple[Program, ApiToken] | None:
        for program in self.programs.values():
            for token in program.tokens:
                if token.identifier == identifier:
                    return program, token
        return None

    def group(self, group_id: int) -> tuple[Program, Group] | None:
        for program in self.programs.values():
            group = program.group(group_id)
            if group is not None:
                return program, group
        return None

    def report_activities(self, report: Report) -> list[Activity]:
        return [self.activities[i] for i in report.activity_ids]
