"""What happened to an incident, as the webhooks need it: one `Change` per v3 event type,
with the `event.data` already rendered at the moment of the change (a later change in the same
request must not alter an earlier event's payload).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jirasync.sim.pagerduty.model import Actor


@dataclass(frozen=True)
class Change:
    event_type: str  # v3 name, e.g. "incident.acknowledged"
    incident_id: str
    service_id: str
    occurred_at: datetime
    agent: Actor | None
    data: dict[str, Any]
    log_entry_id: str | None = None  # the log entry behind it (v2 webhooks carry it)


ChangeSink = Callable[[Change], None]
