"""Carrying out a plan: each action becomes the fewest remote calls that do it, and what was
done is written on the link (last synced values, comment twins) so that a retried event, a
redelivered webhook or the echo of our own write plans nothing.

Creates follow the intent → lookup-by-marker → create-with-marker → link order, so a crash
at any point leaves at most one remote object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from jirasync.connectors.pagerduty import IncidentUpdate, NewIncident
from jirasync.core.actions import (
    Action,
    AddComment,
    AddNote,
    AddReportComment,
    AddResponders,
    ChangeReportState,
    CopyAttachment,
    CreateIncident,
    CreateIssue,
    EditIssue,
    EditNote,
    Plan,
    TransitionIssue,
    UpdateIncident,
)
from jirasync.core.errors import RemoteError
from jirasync.core.planner.pagerduty import follow_up_edit
from jirasync.core.workflow import MAX_HOPS, JiraStatus, Transition, WorkflowMap, next_step
from jirasync.engine.activity import ActivityRecorder
from jirasync.sync.connections import HackerOneConnection, JiraConnection, PagerDutyConnection
from jirasync.sync.links import Links, SourceRef, StoredLink

IncidentStatus = Literal["triggered", "acknowledged", "resolved"]


class Impossible(Exception):
    """The action cannot be done as configured (no workflow path, nobody to act as)."""


# Intents of mirrored comments and notes name the item they mirror as this kind of source.
TWIN = "twin"


@dataclass
class Target:
    """Where one event's actions go, and the link they concern (None until created)."""

    jira: JiraConnection
    source: SourceRef
    link: StoredLink | None
    pagerduty: PagerDutyConnection | None = None
    hackerone: HackerOneConnection | None = None
    transition_fields: Mapping[str, Any] | None = None
    # The PagerDuty user (From email) a Jira user's change is made as; None: the connection's.
    acting_as: str | None = None


class Executor:
    def __init__(self, links: Links, activity: ActivityRecorder) -> None:
        self.links = links
        self.activity = activity

    async def run(self, plan: Plan, target: Target) -> None:
        for action in plan.actions:
            await self._run(action, target)

    async def _run(self, action: Action, t: Target) -> None:
        match action:
            case CreateIssue():
                await self._create_issue(action, t)
            case CreateIncident():
                await self._create_incident(action, t)
            case TransitionIssue():
                await self._transition(action, t)
            case EditIssue():
                await self._edit(action, t)
            case AddComment():
                await self._comment(action, t)
            case UpdateIncident():
                await self._update_incident(action, t)
            case AddNote():
                await self._note(action, t)
            case EditNote():
                await self._edit_note(action, t)
            case AddResponders():
                await self._responders(action, t)
            case AddReportComment():
                await self._report_comment(action, t)
            case ChangeReportState():
                await self._report_state(action, t)
            case CopyAttachment():
                await self._attachment(action, t)

    # -- creates -------------------------------------------------------------------------------
    async def _create_issue(self, action: CreateIssue, t: Target) -> None:
        jira = t.jira
        if t.link is not None and t.link.source == t.source:
            # The issue and link exist; an earlier attempt died before it announced the issue.
            self.activity.action(f"resuming the escalation to {t.link.issue_key}")
            await self._link_back(action, t, t.link)
            return
        state, remote_key = await self.links.intend(t.source, jira.id, action.marker)
        issue: dict[str, Any] | None = None
        if state != "new":
            # An earlier attempt may have created it before dying: find it by its marker.
            jql = f'labels = "{action.marker}"'
            async for found in jira.client.search(jql, fields=["status", "project", "issuetype"]):
                issue = {"id": found["id"], "key": found["key"]}
                break
            if issue is None and remote_key:
                issue = await jira.client.get_issue(remote_key, fields=["status"])
        if issue is None:
            issue = await jira.client.create_issue(action.fields)
            self.activity.action(f"created Jira issue {issue['key']}", rule=action.rule)
        else:
            self.activity.action(f"found Jira issue {issue['key']} of an earlier attempt")
        await self.links.intent_done(action.marker, str(issue["key"]))
        # What the create owes (remote link, note) is done before the link row: once the link
        # exists, a retried event finds the incident linked and plans nothing more.
        key = str(issue["key"])
        await jira.client.put_remote_link(
            key, action.remote_link_url, action.remote_link_url, action.remote_link_title
        )
        note_id = await self._announce_incident(t, key, retried=state != "new")
        synced = {
            "jira.project": action.project_key,
            "jira.issuetype": action.issue_type_id,
            "jira.priority": _priority_name(action.fields),
        }
        if action.set_report_reference:
            synced["hackerone.reference"] = ""  # to do: a retry finds it empty and writes it
        link = await self.links.create(t.source, jira.id, str(issue["id"]), key, synced)
        t.link = link
        if note_id is not None:
            await self.links.mirror(link.id, note_id, f"link-note-{note_id}", "jira")
        await self._remember_escalating_activity(action, link)
        await self._announce_issue(action, t, link)

    async def _link_back(self, action: CreateIssue, t: Target, link: StoredLink) -> None:
        """Finish an escalation whose link exists: the remote link (idempotent by its global
        id) and the report's reference."""
        await t.jira.client.put_remote_link(
            link.issue_key, action.remote_link_url, action.remote_link_url, action.remote_link_title
        )
        await self._remember_escalating_activity(action, link)
        await self._announce_issue(action, t, link)

    async def _remember_escalating_activity(self, action: CreateIssue, link: StoredLink) -> None:
        if action.escalated_by is not None:
            activity = action.escalated_by
            await self.links.mirror(link.id, activity, f"escalated-by-{activity}", "hackerone")

    async def _announce_incident(self, t: Target, key: str, retried: bool) -> str | None:
        """The note telling the incident where its issue is; on a retry, the earlier one."""
        if t.pagerduty is None or t.source.type != "incident":
            return None
        content = f"Jira issue {key}: {t.jira.base_url.rstrip('/')}/browse/{key}"
        if retried:
            for note in await t.pagerduty.client.notes(t.source.id):
                if note.get("content") == content:
                    return str(note["id"])
        note = await t.pagerduty.client.add_note(t.source.id, content)
        return str(note["id"])

    async def _announce_issue(self, action: CreateIssue, t: Target, link: StoredLink) -> None:
        """Tell the source where its issue is (HackerOne reference)."""
        browse = f"{t.jira.base_url.rstrip('/')}/browse/{link.issue_key}"
        if t.hackerone is not None and action.set_report_reference:
            await t.hackerone.client.set_issue_tracker_reference(
                t.source.id, link.issue_key, message=f"Escalated to Jira: {browse}"
            )
            await self.links.synced(link.id, {"hackerone.reference": link.issue_key})

    async def _create_incident(self, action: CreateIncident, t: Target) -> None:
        pagerduty = _need(t.pagerduty, "a PagerDuty connection")
        issue_source = SourceRef(t.jira.id, "issue", action.issue_id)
        state, _ = await self.links.intend(issue_source, pagerduty.id, action.incident_key)
        incident = None
        if state != "new":
            incident = await pagerduty.client.find_incident_by_key(
                action.service_id, action.incident_key
            )
        if incident is None:
            new = NewIncident(
                service_id=action.service_id,
                title=action.title,
                incident_key=action.incident_key,
                details=action.details or None,
                priority_id=action.priority_id,
            )
            try:
                incident = await pagerduty.client.create_incident(new, acting_as=t.acting_as)
            except RemoteError as exc:
                # Same key on the service: PagerDuty refused a second incident. Adopt the first.
                incident = await pagerduty.client.find_incident_by_key(
                    action.service_id, action.incident_key
                )
                if incident is None:
                    raise exc from None
            self.activity.action(f"triggered PagerDuty incident {incident['id']}", rule=action.rule)
        await self.links.intent_done(action.incident_key, str(incident["id"]))
        # The remote link first: once the link row exists a retry plans nothing more.
        url = str(incident.get("html_url") or "")
        number = incident.get("incident_number") or incident.get("number")
        await t.jira.client.put_remote_link(
            action.issue_key, url, url, f"PagerDuty #{number}: {incident.get('title')}"
        )
        follow_up = follow_up_edit(action, incident)
        if follow_up is not None:
            await t.jira.client.edit_issue(
                follow_up.issue_key, fields=follow_up.fields, update=follow_up.update
            )
            done = [*follow_up.fields, *follow_up.update]
            self.activity.action(f"{action.issue_key}: set {', '.join(done)}", rule=action.rule)
        source = SourceRef(pagerduty.id, "incident", str(incident["id"]))
        synced = {"pd.status": incident.get("status"), "pd.priority": _pd_priority(incident)}
        link = await self.links.create(source, t.jira.id, action.issue_id, action.issue_key, synced)
        t.link, t.source = link, source

    # -- Jira updates --------------------------------------------------------------------------
    async def _transition(self, action: TransitionIssue, t: Target) -> None:
        link = _need(t.link, "a link")
        jira = t.jira
        project, issue_type, current = await self._where(link, jira)
        statuses = await jira.metadata.statuses()
        category = statuses[action.status_id].category if action.status_id in statuses else None
        workflow = jira.metadata.workflow(project, issue_type)
        visited: list[str] = []
        refreshed = False
        while current != action.status_id:
            if len(visited) >= MAX_HOPS:
                raise Impossible(f"no path to {action.status_name} within {MAX_HOPS} transitions")
            await jira.metadata.offered(
                link.issue_key, project, issue_type, current, refresh=refreshed
            )
            current_category = statuses[current].category if current in statuses else None
            step = next_step(
                workflow, current, action.status_id, category, visited, current_category
            )
            if step is None:
                if not refreshed:
                    refreshed = True
                    continue
                offered = workflow.offered.get(current, ())
                start = visited[0] if visited else current
                message = _no_way(link.issue_key, current, action, offered, statuses, start)
                if visited:
                    message += await self._walk_back(link, jira, workflow, current, visited[0])
                raise Impossible(message)
            fields = self._transition_fields(step.required_fields, action, t)
            try:
                await jira.client.transition(link.issue_key, step.id, fields=fields)
            except RemoteError as exc:
                if exc.status != 400 or refreshed:
                    raise
                # The cached status or transitions were stale: read them again once.
                refreshed = True
                current = await self._current_status(link, jira)
                continue
            self.activity.action(f"{link.issue_key}: {step.name} → {step.to_status_id}")
            visited.append(current)
            current = step.to_status_id
            await self.links.synced(link.id, {"jira.status": current})

    async def _walk_back(
        self,
        link: StoredLink,
        jira: JiraConnection,
        workflow: WorkflowMap,
        current: str,
        start: str,
    ) -> str:
        """Undo the steps taken toward a status that turned out unreachable (best effort)."""
        statuses = await jira.metadata.statuses()
        name = statuses[start].name if start in statuses else start
        path = workflow.known_path(current, start)
        if not path:
            return f"; the issue stays where the attempt left it (no known way back to {name})"
        for step in path:
            try:
                await jira.client.transition(link.issue_key, step.id)
            except RemoteError as exc:
                return f"; moving it back to {name} failed: {exc.message}"
            await self.links.synced(link.id, {"jira.status": step.to_status_id})
        self.activity.action(f"{link.issue_key}: moved back to {name}")
        return f"; it was moved back to {name}"

    def _transition_fields(
        self, required: tuple[str, ...], action: TransitionIssue, t: Target
    ) -> dict[str, Any]:
        defaults = dict(t.transition_fields or {"resolution": "Done"})
        fields = dict(action.fields)
        for name in required:
            if name not in fields and name in defaults:
                value = defaults[name]
                fields[name] = {"name": value} if isinstance(value, str) else value
        return fields

    async def _where(self, link: StoredLink, jira: JiraConnection) -> tuple[str, str, str]:
        synced = link.last_synced
        project, issue_type, status = (
            synced.get("jira.project"),
            synced.get("jira.issuetype"),
            synced.get("jira.status"),
        )
        if project and issue_type and status:
            return str(project), str(issue_type), str(status)
        issue = await jira.client.get_issue(
            link.issue_key, fields=["status", "project", "issuetype"]
        )
        fields = issue.get("fields") or {}
        values = {
            "jira.project": (fields.get("project") or {}).get("key"),
            "jira.issuetype": (fields.get("issuetype") or {}).get("id"),
            "jira.status": (fields.get("status") or {}).get("id"),
        }
        await self.links.synced(link.id, values)
        return (
            str(values["jira.project"]),
            str(values["jira.issuetype"]),
            str(values["jira.status"]),
        )

    async def _current_status(self, link: StoredLink, jira: JiraConnection) -> str:
        issue = await jira.client.get_issue(link.issue_key, fields=["status"])
        status = str(((issue.get("fields") or {}).get("status") or {}).get("id"))
        await self.links.synced(link.id, {"jira.status": status})
        return status

    async def _edit(self, action: EditIssue, t: Target) -> None:
        link = _need(t.link, "a link")
        await t.jira.client.edit_issue(action.issue_key, fields=action.fields, update=action.update)
        self.activity.action(f"{action.issue_key}: set {', '.join(sorted(action.fields))}")
        priority = _priority_name(action.fields)
        if priority:
            await self.links.synced(link.id, {"jira.priority": priority})

    async def _comment(self, action: AddComment, t: Target) -> None:
        link = t.link
        if link is None or not action.source_note_id or link.issue_key != action.issue_key:
            comment = await t.jira.client.add_comment(action.issue_key, action.body)
            self.activity.action(f"{action.issue_key}: comment {comment.get('id')} added")
            return
        twin = SourceRef(t.source.connection_id, TWIN, action.source_note_id)

        async def find() -> str | None:
            async for comment in t.jira.client.comments(action.issue_key):
                if comment.get("body") == action.body:
                    return str(comment["id"])
            return None

        async def post() -> str:
            comment = await t.jira.client.add_comment(action.issue_key, action.body)
            self.activity.action(f"{action.issue_key}: comment {comment.get('id')} added")
            return str(comment["id"])

        comment_id = await self._post_once(twin, t.jira.id, find, post)
        await self.links.mirror(link.id, action.source_note_id, comment_id, "source")

    async def _post_once(
        self,
        twin: SourceRef,
        target_connection_id: int,
        find: Callable[[], Awaitable[str | None]],
        post: Callable[[], Awaitable[str]],
    ) -> str:
        """Post a comment or note that mirrors `twin` once, though the worker may die between
        the post and the record of it: an earlier attempt's intent means look before posting."""
        marker = f"twin-{target_connection_id}-{twin.connection_id}-{twin.id}"[:100]
        state, remote_id = await self.links.intend(twin, target_connection_id, marker)
        found = remote_id if state != "new" else None
        if state != "new" and found is None:
            found = await find()
            if found is not None:
                self.activity.action(f"found the twin {found} posted by an earlier attempt")
        if found is None:
            found = await post()
        await self.links.intent_done(marker, found)
        return found

    async def _attachment(self, action: CopyAttachment, t: Target) -> None:
        hackerone = _need(t.hackerone, "a HackerOne connection")
        link = _need(t.link, "a link")
        content = await hackerone.client.download(action.url)
        [uploaded, *_] = await t.jira.client.add_attachment(
            action.issue_key, action.filename, content
        )
        await self.links.mirror(
            link.id, action.source_id, f"attachment-{uploaded.get('id')}", "source"
        )
        self.activity.action(f"{action.issue_key}: attachment {action.filename} copied")

    # -- PagerDuty updates ---------------------------------------------------------------------
    async def _update_incident(self, action: UpdateIncident, t: Target) -> None:
        pagerduty = _need(t.pagerduty, "a PagerDuty connection")
        link = _need(t.link, "a link")
        status = cast(IncidentStatus | None, action.status)
        update = IncidentUpdate(
            status=status, priority_id=action.priority_id, resolution=action.resolution
        )
        incident = await pagerduty.client.update_incident(
            action.incident_id, update, acting_as=t.acting_as
        )
        self.activity.action(f"incident {action.incident_id} updated", status=action.status)
        await self.links.synced(
            link.id, {"pd.status": incident.get("status"), "pd.priority": _pd_priority(incident)}
        )

    async def _note(self, action: AddNote, t: Target) -> None:
        pagerduty = _need(t.pagerduty, "a PagerDuty connection")
        link = _need(t.link, "a link")

        async def post() -> str:
            note = await pagerduty.client.add_note(
                action.incident_id, action.content, acting_as=t.acting_as
            )
            self.activity.action(f"incident {action.incident_id}: note {note.get('id')} added")
            return str(note["id"])

        async def find() -> str | None:
            for note in await pagerduty.client.notes(action.incident_id):
                if note.get("content") == action.content:
                    return str(note["id"])
            return None

        if not action.source_comment_id:
            await post()
            return
        twin = SourceRef(t.jira.id, TWIN, action.source_comment_id)
        note_id = await self._post_once(twin, pagerduty.id, find, post)
        await self.links.mirror(link.id, note_id, action.source_comment_id, "jira")

    async def _edit_note(self, action: EditNote, t: Target) -> None:
        pagerduty = _need(t.pagerduty, "a PagerDuty connection")
        await pagerduty.client.edit_note(
            action.incident_id, action.note_id, action.content, acting_as=t.acting_as
        )
        self.activity.action(f"incident {action.incident_id}: note {action.note_id} edited")
        if t.link is not None:
            await self.links.synced(t.link.id, {action.synced_key: action.digest})

    async def _responders(self, action: AddResponders, t: Target) -> None:
        pagerduty = _need(t.pagerduty, "a PagerDuty connection")
        requester = await _requester(pagerduty)
        await pagerduty.client.add_responders(
            action.incident_id, requester, action.user_ids, action.message
        )
        self.activity.action(f"incident {action.incident_id}: responders requested")

    # -- HackerOne updates ---------------------------------------------------------------------
    async def _report_comment(self, action: AddReportComment, t: Target) -> None:
        hackerone = _need(t.hackerone, "a HackerOne connection")
        link = _need(t.link, "a link")

        async def post() -> str:
            activity = await hackerone.client.add_comment(
                action.report_id, action.message, internal=action.internal
            )
            self.activity.action(f"report {action.report_id}: internal comment added")
            return str(activity["id"])

        async def find() -> str | None:
            report = await hackerone.client.report(action.report_id)
            activities = ((report.get("relationships") or {}).get("activities") or {}).get("data")
            for activity in activities or []:
                if (activity.get("attributes") or {}).get("message") == action.message:
                    return str(activity["id"])
            return None

        if action.source_comment_id:
            twin = SourceRef(t.jira.id, TWIN, action.source_comment_id)
            activity_id = await self._post_once(twin, hackerone.id, find, post)
        else:
            activity_id = await post()
        # Remembered either way: the webhook of our own comment is then recognised as echo.
        mirrored = action.source_comment_id or f"jirasync-activity-{activity_id}"
        await self.links.mirror(link.id, f"h1-activity-{activity_id}", mirrored, "jira")

    async def _report_state(self, action: ChangeReportState, t: Target) -> None:
        hackerone = _need(t.hackerone, "a HackerOne connection")
        link = _need(t.link, "a link")
        report = await hackerone.client.change_state(action.report_id, action.state, action.message)
        await self.links.synced(link.id, {"hackerone.state": action.state})
        made = _newest_activity(report, f"activity-bug-{action.state}")
        if made is not None:  # its webhook comes back: not news for the issue
            await self.links.mirror(
                link.id, f"h1-activity-{made}", f"jirasync-activity-{made}", "jira"
            )
        self.activity.action(f"report {action.report_id} closed as {action.state}")


def _no_way(
    key: str,
    current: str,
    action: TransitionIssue,
    offered: Sequence[Transition],
    statuses: Mapping[str, JiraStatus],
    start: str | None = None,
) -> str:
    def name(status_id: str) -> str:
        return statuses[status_id].name if status_id in statuses else status_id

    choices = ", ".join(f"{t.name} → {name(t.to_status_id)}" for t in offered) or "nothing"
    where = (
        f"{key} is {name(current)} and"
        if start in (None, current)
        else (f"{key} went from {name(start or current)} to {name(current)}, where")
    )
    return (
        f"{where} Jira offers jirasync's user {choices}: no way to "
        f"{action.status_name or name(action.status_id)} (workflow conditions such as "
        "'only the assignee may start progress' hide transitions)"
    )


async def _requester(pagerduty: PagerDutyConnection) -> str:
    """The PagerDuty user jirasync acts as (responder requests need a requester id)."""
    if pagerduty.own_user_ids:
        return sorted(pagerduty.own_user_ids)[0]
    if pagerduty.from_email:
        user = await pagerduty.client.find_user_by_email(pagerduty.from_email)
        if user is not None:
            return str(user["id"])
    raise Impossible("requesting responders needs the PagerDuty user of the From email")


def _newest_activity(report: Mapping[str, Any], kind: str) -> str | None:
    """The id of the newest activity of this type in a report document (newest first)."""
    activities = ((report.get("relationships") or {}).get("activities") or {}).get("data")
    for activity in activities if isinstance(activities, list) else []:
        if isinstance(activity, Mapping) and activity.get("type") == kind:
            return str(activity.get("id"))
    return None


def _need(value: Any, what: str) -> Any:
    if value is None:
        raise Impossible(f"this action needs {what}")
    return value


def _priority_name(fields: Mapping[str, Any]) -> str | None:
    priority = fields.get("priority")
    return (
        str(priority.get("name"))
        if isinstance(priority, Mapping) and priority.get("name")
        else None
    )


def _pd_priority(incident: Mapping[str, Any]) -> str | None:
    priority = incident.get("priority")
    if isinstance(priority, Mapping):
        return str(priority.get("summary") or priority.get("name") or "") or None
    return None
