"""/incidents/{id}/notes and the log entries (per incident and global)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute, Route

from jirasync.sim.pagerduty.endpoint import JSON, Ctx, endpoint
from jirasync.sim.pagerduty.errors import not_found
from jirasync.sim.pagerduty.listing import includes, time_window
from jirasync.sim.pagerduty.model import LogEntry
from jirasync.sim.pagerduty.pagination import multi, page

if TYPE_CHECKING:
    from jirasync.sim.pagerduty.simulator import PagerDutySimulator

LOG_INCLUDES = {"incidents", "services", "channels", "teams"}
# what the incident timeline's "overview" shows: state changes, not every notification
OVERVIEW_TYPES = {
    "trigger_log_entry",
    "acknowledge_log_entry",
    "unacknowledge_log_entry",
    "resolve_log_entry",
    "reopen_log_entry",
    "escalate_log_entry",
    "delegate_log_entry",
    "assign_log_entry",
    "annotate_log_entry",
    "priority_change_log_entry",
}


async def list_notes(ctx: Ctx) -> JSON:
    state = ctx.sim.state
    incident = state.incident(ctx.path("id"))
    return {"notes": [ctx.sim.ser.note(state.notes[n]) for n in incident.note_ids]}


async def add_note(ctx: Ctx) -> JSON:
    incident = ctx.sim.state.incident(ctx.path("id"))
    entity = await ctx.entity("note")
    note = ctx.sim.annotations.add_note(incident, entity.get("content"), ctx.actor)
    return {"note": ctx.sim.ser.note(note)}


async def edit_note(ctx: Ctx) -> JSON:
    incident = ctx.sim.state.incident(ctx.path("id"))
    entity = await ctx.entity("note")
    note = ctx.sim.annotations.edit_note(incident, ctx.path("note_id"), entity.get("content"))
    return {"note": ctx.sim.ser.note(note)}


async def delete_note(ctx: Ctx) -> None:
    incident = ctx.sim.state.incident(ctx.path("id"))
    ctx.sim.annotations.delete_note(incident, ctx.path("note_id"))


def _entries(ctx: Ctx, entries: list[LogEntry]) -> JSON:
    """Newest first, filtered by since/until, is_overview and team_ids[]."""
    state = ctx.sim.state
    include = includes(ctx.params, LOG_INCLUDES)
    since, until = time_window(ctx.params, state.clock(), None)
    overview = ctx.params.get("is_overview", "false").lower() == "true"
    teams = set(multi(ctx.params, "team_ids"))

    def keep(e: LogEntry) -> bool:
        service = state.services[state.incidents[e.incident_id].service_id]
        return (
            (since is None or e.created_at >= since)
            and (until is None or e.created_at < until)
            and (not overview or e.type in OVERVIEW_TYPES)
            and (not teams or bool(teams & set(service.team_ids)))
        )

    # entries come in creation order; reverse, then a stable sort keeps ties newest first
    found = sorted(reversed([e for e in entries if keep(e)]), key=_newest_first)
    return page(found, ctx.params, "log_entries", lambda e: ctx.sim.ser.log_entry(e, include))


def _newest_first(entry: LogEntry) -> float:
    return -entry.created_at.timestamp()


async def incident_log_entries(ctx: Ctx) -> JSON:
    state = ctx.sim.state
    incident = state.incident(ctx.path("id"))
    return _entries(ctx, [state.log_entries[e] for e in incident.log_entry_ids])


async def all_log_entries(ctx: Ctx) -> JSON:
    return _entries(ctx, list(ctx.sim.state.log_entries.values()))


async def get_log_entry(ctx: Ctx) -> JSON:
    entry = ctx.sim.state.log_entries.get(ctx.path("id"))
    if entry is None:
        raise not_found()
    include = includes(ctx.params, LOG_INCLUDES)
    return {"log_entry": ctx.sim.ser.log_entry(entry, include)}


def routes(sim: PagerDutySimulator) -> list[BaseRoute]:
    def ep(handler: Any, **kw: Any) -> Any:
        return endpoint(sim, handler, **kw)

    notes = "/incidents/{id}/notes"
    return [
        Route(notes, ep(list_notes), methods=["GET"]),
        Route(notes, ep(add_note, from_required=True), methods=["POST"]),
        Route(notes + "/{note_id}", ep(edit_note, from_required=True), methods=["PUT"]),
        Route(notes + "/{note_id}", ep(delete_note), methods=["DELETE"]),
        Route("/incidents/{id}/log_entries", ep(incident_log_entries), methods=["GET"]),
        Route("/log_entries", ep(all_log_entries), methods=["GET"]),
        Route("/log_entries/{id}", ep(get_log_entry), methods=["GET"]),
    ]
