"""What a person does with a report by hand (HackerOne's "References" menu): escalate it to Jira
with the program's escalation, link it to an issue that already exists, or remove the link.

These run outside the queue, so they answer at once; the create intent and the issue's marker
label still make an escalation that races an automatic one (or is retried) create one issue.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from jirasync.core.errors import RemoteError
from jirasync.core.planner import hackerone as h1_planner
from jirasync.engine.activity import ActivityRecorder, recording
from jirasync.store.models import (
    ACTIVE_STATUSES,
    CommentLink,
    CreateIntent,
    InboxEvent,
    Link,
)
from jirasync.sync.connections import HackerOneConnection
from jirasync.sync.executor import Executor, Impossible, Target
from jirasync.sync.links import SourceRef
from jirasync.sync.rulebook import HackerOneEscalation
from jirasync.sync.runtime import SyncRuntime, source_key


@dataclass(frozen=True)
class Escalated:
    report_id: str
    issue_key: str
    created: bool  # False: the report already had its issue
    activity: ActivityRecorder


async def escalate(
    runtime: SyncRuntime,
    hackerone_connection_id: int,
    report_id: str,
    escalation_name: str | None = None,
) -> Escalated:
    """Create the report's Jira issue (fields from the escalation) and set its reference."""
    hackerone = await runtime.pool.hackerone(hackerone_connection_id)
    source = SourceRef(hackerone.id, "report", str(report_id))
    activity = ActivityRecorder()
    await _queue_quiet(runtime, source)
    link = await runtime.links.by_source(source)
    # An empty reference: an earlier escalation made the issue but died before telling HackerOne.
    resuming = link is not None and link.last_synced.get("hackerone.reference") == ""
    if link is not None and not resuming:
        activity.action(f"report {report_id} is already linked to {link.issue_key}")
        return Escalated(str(report_id), link.issue_key, False, activity)
    chosen = await _escalation(runtime, hackerone, escalation_name)
    jira = await runtime.pool.jira(chosen.jira_connection_id)
    with recording(activity):
        report = await hackerone.client.report(str(report_id))
        ctx = h1_planner.Context(web_base=hackerone.web_base)
        plan = h1_planner.plan_escalation(report, chosen.escalation, ctx)
        target = Target(jira, source, link, hackerone=hackerone)
        await Executor(runtime.links, activity).run(plan, target)
    if target.link is None:
        raise Impossible(f"escalating report {report_id} made no link")
    return Escalated(str(report_id), target.link.issue_key, not resuming, activity)


async def link_existing(
    runtime: SyncRuntime, hackerone_connection_id: int, report_id: str, issue_key: str
) -> str:
    """Link the report to an issue that exists (by key) and set the report's reference."""
    hackerone = await runtime.pool.hackerone(hackerone_connection_id)
    source = SourceRef(hackerone.id, "report", str(report_id))
    existing = await runtime.links.by_source(source)
    if existing is not None:
        if existing.issue_key == issue_key:
            return existing.issue_key
        raise Impossible(
            f"report {report_id} is linked to {existing.issue_key}: remove that reference first"
        )
    chosen = await _escalation(runtime, hackerone, None)
    jira = await runtime.pool.jira(chosen.jira_connection_id)
    issue = await jira.client.get_issue(issue_key, fields=["status", "project", "issuetype"])
    fields = issue.get("fields") or {}
    synced = {
        "jira.project": (fields.get("project") or {}).get("key"),
        "jira.issuetype": (fields.get("issuetype") or {}).get("id"),
        "jira.status": (fields.get("status") or {}).get("id"),
    }
    link = await runtime.links.create(source, jira.id, str(issue["id"]), str(issue["key"]), synced)
    report_url = f"{hackerone.web_base.rstrip('/')}/reports/{report_id}"
    await jira.client.put_remote_link(
        link.issue_key, report_url, report_url, f"HackerOne #{report_id}"
    )
    browse = f"{jira.base_url.rstrip('/')}/browse/{link.issue_key}"
    await hackerone.client.set_issue_tracker_reference(
        str(report_id), link.issue_key, message=f"Linked to Jira: {browse}"
    )
    await runtime.links.synced(link.id, {"hackerone.reference": link.issue_key})
    return link.issue_key


async def unlink(runtime: SyncRuntime, hackerone_connection_id: int, report_id: str) -> str | None:
    """Remove the report's reference: the link goes, the issue stays; returns the issue key."""
    hackerone = await runtime.pool.hackerone(hackerone_connection_id)
    source = SourceRef(hackerone.id, "report", str(report_id))
    link = await runtime.links.by_source(source)
    if link is None:
        return None
    message = f"Jira issue {link.issue_key} unlinked."
    try:
        await hackerone.client.set_issue_tracker_reference(str(report_id), "", message=message)
    except RemoteError as exc:
        if exc.transient:
            raise
        # HackerOne documents no way to clear a reference over the API: say so on the report.
        await hackerone.client.add_comment(str(report_id), message, internal=True)
    await forget(runtime, link.id, source)
    return link.issue_key


async def forget(runtime: SyncRuntime, link_id: int, source: SourceRef) -> None:
    """Delete the link, its comment twins and its create intent (a new escalation may follow)."""
    async with runtime.db.write() as conn:
        await conn.execute(delete(CommentLink).where(CommentLink.link_id == link_id))
        await conn.execute(delete(Link).where(Link.id == link_id))
        await conn.execute(
            delete(CreateIntent).where(
                CreateIntent.source_connection_id == source.connection_id,
                CreateIntent.source_type == source.type,
                CreateIntent.source_id == source.id,
            )
        )


async def _queue_quiet(runtime: SyncRuntime, source: SourceRef, timeout_s: float = 10.0) -> None:
    """Wait while the queue holds events of this report (a triage may be escalating it now),
    so a person's escalation finds that issue instead of racing it to a second one."""
    await wait_quiet(runtime, source_key(source), timeout_s)


async def wait_quiet(runtime: SyncRuntime, key: str, timeout_s: float = 10.0) -> None:
    """Wait (up to `timeout_s`) until the queue holds no active event of this ordering key."""
    query = select(func.count()).where(
        InboxEvent.ordering_key == key, InboxEvent.status.in_(ACTIVE_STATUSES)
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        async with runtime.db.read() as conn:
            if not await conn.scalar(query):
                return
        await asyncio.sleep(0.1)


async def _escalation(
    runtime: SyncRuntime, hackerone: HackerOneConnection, name: str | None
) -> HackerOneEscalation:
    found = await runtime.rules.hackerone(hackerone_connection_id=hackerone.id)
    enabled = [e for e in found if e.escalation.enabled]
    if name is not None:
        enabled = [e for e in enabled if e.escalation.name == name]
    if not enabled:
        what = f"named {name!r} " if name else ""
        raise Impossible(f"program {hackerone.program} has no enabled escalation {what}")
    return enabled[0]
