"""The reconciler: finds changes whose webhook never arrived and feeds them to the inbox.

Jira Server never retries a webhook and PagerDuty gives up after a few attempts, so every
`interval` each connection that a rule uses is polled for what changed since its cursor (minus
an overlap, because clocks and `updated` stamps are coarse). Each change becomes the webhook
body its handler already understands, stored under the delivery id the webhook route gives the
same change, so what did arrive is a counted duplicate and what did not is processed once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from jirasync.config import ReconcilerSettings
from jirasync.connectors.jira.delivery import (
    changelog_delivery,
    comment_delivery,
    comment_edit_delivery,
    issue_created_delivery,
)
from jirasync.engine.inbox import Inbox
from jirasync.jql.dates import parse_issue_datetime
from jirasync.log import get_logger
from jirasync.store.db import Database
from jirasync.store.models import Connection, InboxEvent, ReconcilerCursor
from jirasync.sync.connections import (
    HackerOneConnection,
    JiraConnection,
    PagerDutyConnection,
    UnusableConnection,
)
from jirasync.sync.links import SourceRef
from jirasync.sync.runtime import SyncRuntime, source_key

log = get_logger(__name__)
JSON = dict[str, Any]
# Marks stored bodies that jirasync made up, so the queue view can tell them from webhooks.
RECONCILED = {"x-jirasync-reconciled": "true"}
# A PostgreSQL advisory lock key ("jsrc"): one reconciler among many processes.
ADVISORY_LOCK = 0x6A737263

# PagerDuty log entry types → the v3 webhook event of the same change.
LOG_ENTRY_EVENTS = {
    "trigger_log_entry": "incident.triggered",
    "acknowledge_log_entry": "incident.acknowledged",
    "unacknowledge_log_entry": "incident.unacknowledged",
    "resolve_log_entry": "incident.resolved",
    "reopen_log_entry": "incident.reopened",
    "assign_log_entry": "incident.reassigned",
    "escalate_log_entry": "incident.escalated",
    "annotate_log_entry": "incident.annotated",
    "priority_change_log_entry": "incident.priority_updated",
}

# HackerOne activity types → the webhook event HackerOne sends for them (its events table).
ACTIVITY_EVENTS = {
    "activity-bug-filed": "report_created",
    "activity-comment": "report_comment_created",
    "activity-bug-new": "report_new",
    "activity-bug-triaged": "report_triaged",
    "activity-bug-needs-more-info": "report_needs_more_info",
    "activity-bug-resolved": "report_resolved",
    "activity-bug-duplicate": "report_closed_as_duplicate",
    "activity-bug-informative": "report_closed_as_informative",
    "activity-bug-spam": "report_closed_as_spam",
    "activity-bug-not-applicable": "report_closed_as_not_applicable",
    "activity-bug-reopened": "report_reopened",
    "activity-bug-retesting": "report_retesting",
    "activity-bounty-awarded": "report_bounty_awarded",
    "activity-bounty-suggested": "report_bounty_suggested",
    "activity-swag-awarded": "report_swag_awarded",
    "activity-user-assigned-to-bug": "report_user_assigned",
    "activity-group-assigned-to-bug": "report_group_assigned",
    "activity-comments-closed": "report_comments_closed",
    "activity-agreed-on-going-public": "report_agreed_on_going_public",
    "activity-report-became-public": "report_became_public",
    "activity-manually-disclosed": "report_manually_disclosed",
    "activity-not-eligible-for-bounty": "report_not_eligible_for_bounty",
}


@dataclass(frozen=True)
class Change:
    """One change found by polling: the webhook body it would have been, and its names."""

    delivery_id: str
    body: JSON
    ordering_key: str
    headers: Mapping[str, str] = field(default_factory=lambda: RECONCILED)


@dataclass
class Summary:
    """What one pass found per connection: changes stored, and those already in the inbox."""

    stored: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class Cursors:
    """The reconciler's read position per connection (one row each)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, connection_id: int) -> str | None:
        async with self._db.read() as conn:
            found = await conn.scalar(
                select(ReconcilerCursor.cursor).where(
                    ReconcilerCursor.connection_id == connection_id
                )
            )
        return str(found) if found is not None else None

    async def set(self, connection_id: int, cursor: str) -> None:
        insert = sqlite.insert if self._db.is_sqlite else postgresql.insert
        now = datetime.now(UTC)
        statement = (
            insert(ReconcilerCursor)
            .values(connection_id=connection_id, cursor=cursor, updated_at=now)
            .on_conflict_do_update(
                index_elements=["connection_id"], set_={"cursor": cursor, "updated_at": now}
            )
        )
        async with self._db.write() as conn:
            await conn.execute(statement)


@asynccontextmanager
async def reconciling(
    runtime: SyncRuntime, inbox: Inbox, settings: ReconcilerSettings
) -> AsyncIterator[None]:
    """The reconciler loop for as long as the block runs (serve and worker), if enabled."""
    if not settings.enabled:
        yield
        return
    task = asyncio.create_task(
        Reconciler(runtime, inbox, settings).run_forever(), name="reconciler"
    )
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


class Reconciler:
    def __init__(self, runtime: SyncRuntime, inbox: Inbox, settings: ReconcilerSettings) -> None:
        self.runtime = runtime
        self.inbox = inbox
        self.settings = settings
        self.cursors = Cursors(runtime.db)

    # -- the loop inside serve / worker --------------------------------------------------------
    async def run_forever(self) -> None:
        while True:
            try:
                await self.reconcile_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reconciler.pass_failed")
            await asyncio.sleep(self.settings.interval_seconds)

    async def reconcile_once(self) -> Summary:
        """One pass over every connection a rule uses; skipped if another process holds it."""
        summary = Summary()
        async with self._exclusive() as mine:
            if not mine:
                return summary
            for connection_id, kind in await self._connections():
                await self._reconcile(connection_id, kind, summary)
        return summary

    async def _reconcile(self, connection_id: int, kind: str, summary: Summary) -> None:
        name = f"{kind}:{connection_id}"
        try:
            if kind == "jira":
                changes, cursor = await self._jira(await self.runtime.pool.jira(connection_id))
            elif kind == "pagerduty":
                pagerduty = await self.runtime.pool.pagerduty(connection_id)
                changes, cursor = await self._pagerduty(pagerduty)
            else:
                hackerone = await self.runtime.pool.hackerone(connection_id)
                changes, cursor = await self._hackerone(hackerone)
            await self._store(kind, connection_id, changes, name, summary)
            if cursor is not None:
                await self.cursors.set(connection_id, cursor)
        except UnusableConnection as exc:
            summary.errors[name] = str(exc)
            log.warning("reconciler.connection_unusable", connection=name, error=str(exc))
        except Exception as exc:  # one unreachable remote must not stop the other connections
            summary.errors[name] = str(exc)
            log.warning("reconciler.connection_failed", connection=name, exc_info=True)
            return
        if summary.stored.get(name):
            # Changes the webhooks missed (or, for PagerDuty/HackerOne, re-fed ones that the
            # handlers will find already applied).
            log.info("reconciler.stored", connection=name, events=summary.stored[name])

    async def _store(
        self, kind: str, connection_id: int, changes: Iterable[Change], name: str, summary: Summary
    ) -> None:
        for change in changes:
            received = await self.inbox.receive(
                source=kind,
                connection_id=connection_id,
                delivery_id=change.delivery_id,
                headers=change.headers,
                body=json.dumps(change.body).encode(),
                ordering_key=change.ordering_key,
            )
            bucket = summary.duplicates if received.duplicate else summary.stored
            bucket[name] = bucket.get(name, 0) + 1

    async def _connections(self) -> list[tuple[int, str]]:
        """Jira instances and sources that some rule connects, in a stable order."""
        found: set[tuple[int, str]] = set()
        for rule in await self.runtime.rules.pagerduty():
            found |= {
                (rule.jira_connection_id, "jira"),
                (rule.pagerduty_connection_id, "pagerduty"),
            }
        for escalation in await self.runtime.rules.hackerone():
            found |= {
                (escalation.jira_connection_id, "jira"),
                (escalation.hackerone_connection_id, "hackerone"),
            }
        return sorted(found)

    async def _since(self, connection_id: int, cursor: datetime | None = None) -> datetime:
        """From the cursor (epoch ms, or the moment given) minus the overlap, but never before
        the connection was created: what happened before that is for `jirasync backfill`. A
        connection never polled starts at its creation, since any webhook after it may be lost."""
        async with self.runtime.db.read() as conn:
            created = await conn.scalar(
                select(Connection.created_at).where(Connection.id == connection_id)
            )
        floor = created or datetime.now(UTC)
        stored = await self.cursors.get(connection_id) if cursor is None else None
        if cursor is not None:
            start = cursor
        elif stored is not None:
            start = datetime.fromtimestamp(int(stored) / 1000, UTC)
        else:
            return floor
        return max(start - timedelta(seconds=self.settings.overlap_seconds), floor)

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[bool]:
        """On PostgreSQL a session advisory lock: the pass runs in one process at a time.
        SQLite is one process by design, so there is nothing to share."""
        if self.runtime.db.is_sqlite:
            yield True
            return
        async with self.runtime.db.read() as conn:
            got = await conn.scalar(select(func.pg_try_advisory_lock(ADVISORY_LOCK)))
            try:
                yield bool(got)
            finally:
                if got:
                    await conn.scalar(select(func.pg_advisory_unlock(ADVISORY_LOCK)))

    # -- Jira ----------------------------------------------------------------------------------
    async def _jira(self, jira: JiraConnection) -> tuple[list[Change], str | None]:
        since = await self._since(jira.id)
        since_ms = _ms(since)
        projects = await self._jira_projects(jira.id)
        scope = f"project in ({', '.join(_quoted(p) for p in projects)}) AND " if projects else ""
        jql = f"{scope}updated >= {since_ms} ORDER BY updated ASC"
        changes: list[Change] = []
        newest = since_ms
        async for issue in jira.client.search(
            jql, fields=["*navigable", "comment", "created", "updated"], expand=["changelog"]
        ):
            key = await self.runtime.jira_key(jira.id, str(issue["id"]))
            changes += [
                Change(delivery, body, key) for delivery, body in jira_changes(issue, since_ms)
            ]
            newest = max(newest, _jira_ms((issue.get("fields") or {}).get("updated")) or 0)
        return changes, str(newest)

    async def _jira_projects(self, jira_id: int) -> list[str]:
        projects = {
            project.key
            for rule in await self.runtime.rules.pagerduty(jira_connection_id=jira_id)
            for project in rule.rule.config.projects
        }
        for escalation in await self.runtime.rules.hackerone(jira_connection_id=jira_id):
            projects.add(escalation.escalation.project_key)
        return sorted(projects)

    # -- PagerDuty -----------------------------------------------------------------------------
    async def _pagerduty(self, pagerduty: PagerDutyConnection) -> tuple[list[Change], str | None]:
        since = await self._since(pagerduty.id)
        services = {
            ref.id
            for rule in await self.runtime.rules.pagerduty(pagerduty_connection_id=pagerduty.id)
            for ref in rule.rule.config.services
        }
        entries = [
            entry
            async for entry in pagerduty.client.log_entries(since=since, include=["incidents"])
            if entry.get("type") in LOG_ENTRY_EVENTS
            and ((entry.get("service") or {}).get("id") in services)
        ]
        # PagerDuty lists newest first; the handler must see them in the order they happened.
        entries.sort(key=lambda e: (str(e.get("created_at")), str(e.get("id"))))
        arrived = await self._arrived_pagerduty(pagerduty.id, since)
        missed = [e for e in current_entries(entries) if _entry_signature(e) not in arrived]
        changes = [await self._incident_change(pagerduty, entry) for entry in missed]
        newest = max([_ms(since), *(_pd_ms(e.get("created_at")) for e in entries)])
        return changes, str(newest)

    async def _arrived_pagerduty(self, pagerduty_id: int, since: datetime) -> set[Signature]:
        """What PagerDuty's webhooks did deliver. Their event ids are not the log entries'
        ids, so an arrived change is recognised by incident, type, moment and note text."""
        bodies = await self._received("pagerduty", pagerduty_id, since)
        return {signature for body in bodies if (signature := _event_signature(body))}

    async def _received(self, source: str, connection_id: int, since: datetime) -> list[bytes]:
        query = select(InboxEvent.body).where(
            InboxEvent.source == source,
            InboxEvent.connection_id == connection_id,
            InboxEvent.received_at >= since,
        )
        async with self.runtime.db.read() as conn:
            return list((await conn.scalars(query)).all())

    async def _incident_change(self, pagerduty: PagerDutyConnection, entry: JSON) -> Change:
        incident = entry.get("incident") or {}
        event_type = LOG_ENTRY_EVENTS[str(entry["type"])]
        data: JSON = dict(incident)
        if event_type == "incident.annotated":
            data = await _note_data(pagerduty, incident, entry)
        body = {
            "event": {
                "id": str(entry["id"]),
                "event_type": event_type,
                "resource_type": "incident",
                "occurred_at": entry.get("created_at"),
                "agent": entry.get("agent"),
                "client": None,
                "data": data,
            }
        }
        key = source_key(SourceRef(pagerduty.id, "incident", str(incident.get("id"))))
        return Change(f"log-entry-{entry['id']}", body, key)

    # -- HackerOne -----------------------------------------------------------------------------
    async def _hackerone(self, hackerone: HackerOneConnection) -> tuple[list[Change], str | None]:
        cursor = await self.cursors.get(hackerone.id)
        since = await self._since(hackerone.id, cursor=None if cursor is None else _iso(cursor))
        if cursor is None:
            cursor = since.isoformat().replace("+00:00", "Z")
        page = await hackerone.client.activities_since(hackerone.program, cursor)
        # X-H1-Delivery is a random uuid, but the delivered body names its activity.
        bodies = await self._received("hackerone", hackerone.id, since)
        arrived = {activity_id for body in bodies if (activity_id := _activity_id(body))}
        reports: dict[str, JSON] = {}
        changes: list[Change] = []
        for activity in page.activities:
            event = ACTIVITY_EVENTS.get(str(activity.get("type")))
            report_id = _report_id(activity)
            if event is None or report_id is None or str(activity.get("id")) in arrived:
                continue  # no webhook exists for it, or it came: nothing was missed
            if report_id not in reports:
                reports[report_id] = await hackerone.client.report(report_id)
            changes.append(_report_change(hackerone.id, event, activity, reports[report_id]))
        return changes, page.max_updated_at or cursor


# -- Jira bodies -------------------------------------------------------------------------------
def jira_changes(issue: JSON, since_ms: int) -> list[tuple[str, JSON]]:
    """The webhook bodies for an issue's changes at or after `since_ms`, oldest first: its
    creation, each changelog history, each new or edited comment."""
    bare = {k: v for k, v in issue.items() if k != "changelog"}
    fields = issue.get("fields") or {}
    found: list[tuple[int, str, JSON]] = []
    created = _jira_ms(fields.get("created"))
    if created is not None and created >= since_ms:
        user = fields.get("creator") or fields.get("reporter")
        body = _issue_body("jira:issue_created", "issue_created", created, user, bare)
        found.append((created, issue_created_delivery(issue["id"]), body))
    histories = (issue.get("changelog") or {}).get("histories") or []
    current = _current_items(histories)
    for history in histories:
        at = _jira_ms(history.get("created"))
        items = current.get(str(history.get("id")))
        if at is None or at < since_ms or not items:
            continue
        body = _issue_body("jira:issue_updated", "issue_generic", at, history.get("author"), bare)
        body["changelog"] = {"id": str(history["id"]), "items": items}
        found.append((at, changelog_delivery(history["id"]), body))
    for comment in (fields.get("comment") or {}).get("comments") or []:
        found += _comment_changes(comment, bare, since_ms)
    found.sort(key=lambda item: item[0])
    return [(delivery, body) for _, delivery, body in found]


def _current_items(histories: list[JSON]) -> dict[str, list[JSON]]:
    """Each history's items minus those a later history overrides: replaying a missed move to
    In Progress after the move to Done that did arrive would undo it; per field, the newest
    change is the one that counts."""
    ordered = sorted(histories, key=lambda h: (_jira_ms(h.get("created")) or 0, str(h.get("id"))))
    later: set[str] = set()
    current: dict[str, list[JSON]] = {}
    for history in reversed(ordered):
        items = [i for i in history.get("items") or [] if str(i.get("field")) not in later]
        current[str(history.get("id"))] = items
        later |= {str(i.get("field")) for i in history.get("items") or []}
    return current


def _comment_changes(comment: JSON, issue: JSON, since_ms: int) -> list[tuple[int, str, JSON]]:
    created = _jira_ms(comment.get("created"))
    updated = _jira_ms(comment.get("updated"))
    found: list[tuple[int, str, JSON]] = []
    if created is not None and created >= since_ms:
        body = _issue_body("jira:issue_updated", "issue_commented", created, None, issue)
        body |= {"comment": comment, "user": comment.get("author")}
        found.append((created, comment_delivery(comment["id"]), body))
    if updated is not None and updated != created and updated >= since_ms:
        body = _issue_body("jira:issue_updated", "issue_comment_edited", updated, None, issue)
        body |= {"comment": comment, "user": comment.get("updateAuthor") or comment.get("author")}
        delivery = comment_edit_delivery(comment["id"], comment.get("updated"))
        found.append((updated, delivery, body))
    return found


def _issue_body(name: str, type_name: str, at: int, user: object, issue: JSON) -> JSON:
    return {
        "timestamp": at,
        "webhookEvent": name,
        "issue_event_type_name": type_name,
        "user": user,
        "issue": issue,
    }


# -- PagerDuty bodies --------------------------------------------------------------------------
# A change's identity across webhook and log entry: incident, v3 type, second, note text.
Signature = tuple[str, str, int, str]
_STATUS_ENTRIES = frozenset(
    {"acknowledge_log_entry", "unacknowledge_log_entry", "resolve_log_entry", "reopen_log_entry"}
)


def current_entries(entries: list[JSON]) -> list[JSON]:
    """All entries but superseded status changes: a missed acknowledge must not move the issue
    back once the incident has been resolved; only an incident's newest status change counts."""
    newest: dict[str, str] = {}
    for entry in entries:  # oldest first
        if entry.get("type") in _STATUS_ENTRIES:
            newest[str((entry.get("incident") or {}).get("id"))] = str(entry.get("id"))
    return [
        entry
        for entry in entries
        if entry.get("type") not in _STATUS_ENTRIES
        or newest.get(str((entry.get("incident") or {}).get("id"))) == str(entry.get("id"))
    ]


def _entry_signature(entry: JSON) -> Signature:
    incident = str((entry.get("incident") or {}).get("id"))
    content = str((entry.get("channel") or {}).get("content") or "")
    moment = _pd_ms(entry.get("created_at")) // 1000
    return incident, LOG_ENTRY_EVENTS[str(entry["type"])], moment, content


def _event_signature(raw: bytes) -> Signature | None:
    try:
        event = json.loads(raw).get("event") or {}
        data = event.get("data") or {}
        incident = data.get("incident") if data.get("type") != "incident" else data
        if not isinstance(incident, dict):
            return None
        content = str(data.get("content") or "") if data.get("type") == "incident_note" else ""
        moment = _pd_ms(event.get("occurred_at")) // 1000
        return str(incident["id"]), str(event["event_type"]), moment, content
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # not a v3 event (v2, unreadable): it cannot match a log entry


async def _note_data(pagerduty: PagerDutyConnection, incident: JSON, entry: JSON) -> JSON:
    """The v3 note payload; the log entry has the content but not the note id, which the
    handler keys mirrored notes by, so the note is looked up among the incident's notes."""
    content = str((entry.get("channel") or {}).get("content") or "")
    note_id = None
    for note in await pagerduty.client.notes(str(incident.get("id"))):
        if note.get("content") == content:
            note_id = note.get("id")
            if note.get("created_at") == entry.get("created_at"):
                break
    reference = {k: incident.get(k) for k in ("id", "type", "summary", "self", "html_url")}
    reference["type"] = "incident_reference"
    return {
        "incident": reference,
        "id": note_id,
        "content": content,
        "trimmed": False,
        "type": "incident_note",
    }


# -- HackerOne bodies --------------------------------------------------------------------------
def _report_change(connection_id: int, event: str, activity: JSON, report: JSON) -> Change:
    """The webhook HackerOne would have sent. Its `X-H1-Delivery` is a random uuid, so the id
    here cannot match it: a re-fed activity that did arrive is made harmless by the link state
    (mirrored activity ids), as for PagerDuty."""
    report_id = str(report.get("id"))
    return Change(
        delivery_id=f"activity-{activity.get('id')}",
        body={"data": {"activity": activity, "report": report}},
        ordering_key=source_key(SourceRef(connection_id, "report", report_id)),
        headers={**RECONCILED, "x-h1-event": event},
    )


def _activity_id(raw: bytes) -> str | None:
    try:
        return str(json.loads(raw)["data"]["activity"]["id"])
    except (ValueError, TypeError, KeyError):
        return None


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _report_id(activity: JSON) -> str | None:
    attributes = activity.get("attributes") or {}
    value = attributes.get("report_id") or activity.get("report_id")
    return str(value) if value is not None else None


# -- helpers -----------------------------------------------------------------------------------
def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _jira_ms(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    moment = parse_issue_datetime(value, UTC)
    return _ms(moment) if moment is not None else None


def _pd_ms(value: object) -> int:
    if not isinstance(value, str):
        return 0
    return _ms(datetime.fromisoformat(value.replace("Z", "+00:00")))


def _quoted(project: str) -> str:
    return '"' + project.replace("\\", "\\\\").replace('"', '\\"') + '"'
