"""The incident journal: every change writes the log entry PagerDuty would write and
reports a `Change` (the webhooks' input). Shared by `incidents.py` and `annotations.py`."""

from __future__ import annotations

from typing import Any

from jirasync.sim.pagerduty.changes import Change, ChangeSink
from jirasync.sim.pagerduty.errors import ALREADY_RESOLVED, PDError
from jirasync.sim.pagerduty.model import Actor, Incident, LogEntry
from jirasync.sim.pagerduty.serialize import Serializer
from jirasync.sim.pagerduty.state import State


class Journal:
    def __init__(self, state: State, serializer: Serializer, sink: ChangeSink) -> None:
        self.state = state
        self.ser = serializer
        self.sink = sink

    def log(
        self,
        incident: Incident,
        type_: str,
        actor: Actor | None,
        summary: str,
        channel: dict[str, Any] | None = None,
        **extra: Any,
    ) -> LogEntry:
        entry = LogEntry(
            id=self.state.new_id("R", 13),
            type=type_,
            incident_id=incident.id,
            created_at=self.state.clock(),
            agent=actor,
            channel=channel or {"type": "api"},
            summary=summary,
            **extra,
        )
        self.state.log_entries[entry.id] = entry
        incident.log_entry_ids.append(entry.id)
        incident.updated_at = entry.created_at
        return entry

    def emit(
        self,
        event_type: str,
        incident: Incident,
        actor: Actor | None,
        entry: LogEntry | None,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.sink(
            Change(
                event_type=event_type,
                incident_id=incident.id,
                service_id=incident.service_id,
                occurred_at=entry.created_at if entry else self.state.clock(),
                agent=actor,
                data=data if data is not None else self.ser.webhook_incident(incident),
                log_entry_id=entry.id if entry else None,
            )
        )

    @staticmethod
    def require_open(incident: Incident) -> None:
        if incident.status == "resolved":
            raise PDError(
                400, "Incident Already Resolved", ALREADY_RESOLVED, ["Incident Already Resolved"]
            )
