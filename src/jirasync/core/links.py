"""A link: one PagerDuty incident (or HackerOne report) ⇄ one Jira issue, and what was last
synced across it. The planner reads it to decide; the executor writes it after acting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LinkState:
    source_id: str
    issue_id: str | None
    issue_key: str | None
    rule: str | None = None
    # "jira.status", "jira.priority", "pd.status", "pd.priority" → the value last written or
    # seen on each side; a change equal to it is an echo of our own write.
    last_synced: Mapping[str, str] = field(default_factory=dict)
    # Note and comment ids already mirrored (source ids and the ids of the twins we made).
    mirrored: frozenset[str] = frozenset()
    # Jira comment id → the note jirasync made of it (so comment edits can follow).
    note_twins: Mapping[str, str] = field(default_factory=dict)

    def already(self, key: str, value: str | None) -> bool:
        return value is not None and self.last_synced.get(key) == value
