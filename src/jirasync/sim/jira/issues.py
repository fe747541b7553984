"""Issue operations: create, edit, transition, assign, comment, delete.

Each operation checks permissions and screens, mutates the state and returns the `Event`s
that webhooks deliver. Routes stay thin: they parse HTTP and serialize the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jirasync.sim.jira import permissions
from jirasync.sim.jira.errors import (
    JiraError,
    bad_request,
    field_errors,
    invalid_workflow_action,
    not_found,
)
from jirasync.sim.jira.fields import Edits, FieldReader, change_item
from jirasync.sim.jira.model import (
    ChangeHistory,
    ChangeItem,
    Comment,
    Issue,
    Project,
    State,
    Transition,
    User,
)
from jirasync.sim.jira.workflow import offered, passes_conditions

ATTRIBUTES = {
    "summary": "summary",
    "description": "description",
    "environment": "environment",
    "priority": "priority",
    "assignee": "assignee",
    "reporter": "reporter",
    "labels": "labels",
    "duedate": "due_date",
    "issuetype": "issue_type",
    "resolution": "resolution",
    "status": "status",
}


@dataclass
class Event:
    """Something webhooks report: one issue event or one comment event."""

    name: str  # webhookEvent
    issue: Issue
    user: str
    type_name: str | None = None  # issue_event_type_name
    history: ChangeHistory | None = None
    comment: Comment | None = None


def now() -> datetime:
    return datetime.now(UTC)


class IssueService:
    def __init__(self, state: State) -> None:
        self.state = state

    # -- look-ups and checks --------------------------------------------------------------
    def get(self, user: User, ref: str) -> Issue:
        """The issue if it exists and `user` may browse it; Jira answers 404 for both."""
        issue = self.state.issue(ref)
        if issue is None or not permissions.has(user, self.project(issue), "browse"):
            raise not_found()
        return issue

    def project(self, issue: Issue) -> Project:
        return self.state.projects[issue.project]

    def require(
        self, user: User, issue: Issue, permission: str, message: str, status: int = 403
    ) -> None:
        """Jira's status for a missing permission differs per resource (400, 401 or 403)."""
        if not permissions.has(user, self.project(issue), permission):
            raise JiraError(status, [message])

    def require_editable(self, issue: Issue) -> None:
        if issue.status in self.state.workflow_of(issue).not_editable:
            raise bad_request("You do not have permission to edit issues in this project.")

    # -- create ---------------------------------------------------------------------------
    def create(self, user: User, body: Any) -> tuple[Issue, list[Event]]:
        fields, update = _fields_and_update(body, require_one=False)
        project = self._create_project(user, fields.get("project"))
        issue_type = self._create_type(project, fields.get("issuetype"))
        reader = FieldReader(self.state, project, [*project.create_screen, "comment"])
        rest = {k: v for k, v in fields.items() if k not in ("project", "issuetype")}
        edits = reader.read(rest, update, None)
        for field_id in ["summary", *project.required_on_create]:
            if edits.values.get(field_id) in (None, "", []) and field_id not in edits.errors:
                edits.errors[field_id] = _required_message(self.state, field_id)
        if edits.errors:
            raise field_errors(edits.errors)
        issue = self._new_issue(user, project, issue_type, edits)
        events = [
            Event(
                "jira:issue_created",
                issue,
                user.name,
                "issue_created",
                self._initial_values(issue, user),
            )
        ]
        for comment_body in edits.comments:
            self._add_comment(user, issue, comment_body)
        return issue, events

    def _create_project(self, user: User, raw: Any) -> Project:
        ref = raw.get("key", raw.get("id")) if isinstance(raw, dict) else None
        project = self.state.project_by_id_or_key(str(ref)) if ref is not None else None
        if project is None or not permissions.has(user, project, "browse"):
            raise field_errors({"project": "project is required"})
        if not permissions.has(user, project, "create"):
            raise field_errors(
                {"project": "You do not have permission to create issues in this project."}
            )
        return project

    def _create_type(self, project: Project, raw: Any) -> str:
        if not isinstance(raw, dict):
            raise field_errors({"issuetype": "issue type is required"})
        reader = FieldReader(self.state, project, ["issuetype"])
        edits = reader.read({"issuetype": raw}, {}, None)
        if edits.errors:
            raise field_errors({"issuetype": "valid issue type is required"})
        return str(edits.values["issuetype"])

    def _new_issue(self, user: User, project: Project, issue_type: str, edits: Edits) -> Issue:
        state = self.state
        workflow = state.workflows[project.workflows[issue_type]]
        moment = now()
        key = f"{project.key}-{project.next_number}"
        project.next_number += 1
        issue = Issue(
            id=state.next_id(),
            key=key,
            project=project.key,
            issue_type=issue_type,
            status=workflow.initial,
            summary="",
            reporter=user.name,
            creator=user.name,
            created=moment,
            updated=moment,
            priority=state.default_priority,
        )
        for field_id, value in edits.values.items():
            _set(issue, field_id, value)
        state.issues[issue.id] = issue
        state.keys[issue.key] = issue.id
        return issue

    def _initial_values(self, issue: Issue, user: User) -> ChangeHistory:
        """The created webhook's changelog lists the values set at creation (from null); it
        is not part of the issue's change history."""
        fields = ["summary", "description", "priority", "reporter", "assignee", "labels", "status"]
        fields += list(issue.custom)
        items = [change_item(self.state, f, None, _get(issue, f)) for f in fields]
        present = [i for i in items if i is not None and (i.to or i.to_string)]
        return ChangeHistory(self.state.next_id(), user.name, issue.created, present)

    # -- edit -----------------------------------------------------------------------------
    def edit(self, user: User, issue: Issue, body: Any) -> list[Event]:
        fields, update = _fields_and_update(body, require_one=True)
        if not permissions.has(user, self.project(issue), "edit"):
            raise bad_request("You do not have permission to edit issues in this project.")
        self.require_editable(issue)
        project = self.project(issue)
        reader = FieldReader(self.state, project, [*project.edit_screen, "comment"])
        edits = reader.read(fields, update, issue)
        if edits.errors:
            raise field_errors(edits.errors)
        if "assignee" in edits.values and not permissions.has(user, project, "assign"):
            raise field_errors({"assignee": "You do not have permission to assign issues."})
        items = self._apply(issue, edits.values)
        events = []
        comments = [self._add_comment(user, issue, c) for c in edits.comments]
        if items or comments:
            history = self._record(issue, user, items) if items else None
            type_name = _edit_event_type(items, comments)
            events.append(
                Event(
                    "jira:issue_updated",
                    issue,
                    user.name,
                    type_name,
                    history,
                    comments[-1] if comments else None,
                )
            )
            events.extend(Event("comment_created", issue, user.name, comment=c) for c in comments)
        return events

    def _apply(self, issue: Issue, values: dict[str, Any]) -> list[ChangeItem]:
        items = []
        for field_id, value in values.items():
            item = change_item(self.state, field_id, _get(issue, field_id), value)
            if item is not None:
                items.append(item)
                _set(issue, field_id, value)
        return items

    def _record(self, issue: Issue, user: User, items: list[ChangeItem]) -> ChangeHistory:
        history = ChangeHistory(self.state.next_id(), user.name, now(), items)
        issue.changelog.append(history)
        issue.updated = history.created
        return history

    def assign(self, user: User, issue: Issue, name: Any) -> list[Event]:
        # the assignee resource answers 401 for a missing Assign Issues permission
        self.require(user, issue, "assign", "You do not have permission to assign issues.", 401)
        self.require_editable(issue)
        project = self.project(issue)
        reader = FieldReader(self.state, project, ["assignee"])
        edits = reader.read({"assignee": {"name": name}}, {}, issue)
        if edits.errors:
            message = edits.errors["assignee"]
            raise JiraError(404 if "does not exist" in message else 400, errors=edits.errors)
        items = self._apply(issue, edits.values)
        if not items:
            return []
        history = self._record(issue, user, items)
        return [Event("jira:issue_updated", issue, user.name, "issue_assigned", history)]

    def delete(self, user: User, issue: Issue) -> list[Event]:
        self.require(
            user, issue, "admin", "You do not have permission to delete issues in this project."
        )
        del self.state.issues[issue.id]
        self.state.keys.pop(issue.key, None)
        return [Event("jira:issue_deleted", issue, user.name, "issue_deleted")]

    # -- transitions ----------------------------------------------------------------------
    def transitions(self, user: User, issue: Issue) -> list[Transition]:
        if not permissions.has(user, self.project(issue), "transition"):
            return []
        workflow = self.state.workflow_of(issue)
        return [t for t in offered(workflow, issue) if passes_conditions(t, issue, user.name)]

    def transition(self, user: User, issue: Issue, body: Any) -> list[Event]:
        if not isinstance(body, dict) or not isinstance(body.get("transition"), dict):
            raise bad_request("Missing 'transition' identifier")
        raw_id = body["transition"].get("id")
        try:
            action = int(str(raw_id))
        except ValueError:
            raise bad_request("Missing 'transition' identifier") from None
        workflow = self.state.workflow_of(issue)
        transition = workflow.transition(action)
        if transition is None:
            raise bad_request(f"Transition id '{raw_id}' is not valid for this issue.")
        if transition not in self.transitions(user, issue):
            raise invalid_workflow_action(transition.name, issue.key)
        fields, update = _fields_and_update(body, require_one=False)
        project = self.project(issue)
        reader = FieldReader(self.state, project, transition.screen)
        edits = reader.read(fields, update, issue)
        for field_id in transition.required:
            if edits.values.get(field_id) is None and field_id not in edits.errors:
                edits.errors[field_id] = _required_message(self.state, field_id)
        if edits.errors:
            raise field_errors(edits.errors)
        return self._run(user, issue, transition, edits)

    def _run(self, user: User, issue: Issue, transition: Transition, edits: Edits) -> list[Event]:
        values = dict(edits.values)
        values["status"] = transition.to
        if transition.resolution == "clear":
            values["resolution"] = None
        elif transition.resolution == "done":
            values["resolution"] = "10000" if "10000" in self.state.resolutions else None
        before = issue.resolution
        items = self._apply(issue, values)
        if issue.resolution != before:
            issue.resolution_date = now() if issue.resolution else None
        # Jira lists the status change first, the resolution second
        items.sort(key=lambda i: {"status": 0, "resolution": 1}.get(i.field_id, 2))
        history = self._record(issue, user, items)
        comments = [self._add_comment(user, issue, c) for c in edits.comments]
        event = Event(
            "jira:issue_updated",
            issue,
            user.name,
            transition.event,
            history,
            comments[-1] if comments else None,
        )
        return [event, *(Event("comment_created", issue, user.name, comment=c) for c in comments)]

    # -- comments -------------------------------------------------------------------------
    def add_comment(self, user: User, issue: Issue, body: Any) -> tuple[Comment, list[Event]]:
        self.require(
            user, issue, "comment", "You do not have the permission to comment on this issue.", 400
        )
        comment = self._add_comment(user, issue, _comment_body(body))
        return comment, [
            Event("jira:issue_updated", issue, user.name, "issue_commented", comment=comment),
            Event("comment_created", issue, user.name, comment=comment),
        ]

    def _add_comment(self, user: User, issue: Issue, body: dict[str, Any]) -> Comment:
        moment = now()
        visibility = _visibility(body.get("visibility"))
        comment = Comment(
            self.state.next_id(), user.name, body["body"], moment, moment, user.name, visibility
        )
        issue.comments.append(comment)
        issue.updated = moment
        return comment

    def comment(self, issue: Issue, comment_id: str) -> Comment:
        found = next((c for c in issue.comments if c.id == comment_id), None)
        if found is None:
            raise not_found(f"Can not find a comment for the id: {comment_id}.")
        return found

    def edit_comment(
        self, user: User, issue: Issue, comment_id: str, body: Any
    ) -> tuple[Comment, list[Event]]:
        comment = self.comment(issue, comment_id)
        self._require_comment_owner(user, issue, comment, "edit")
        data = _comment_body(body)
        comment.body = data["body"]
        if "visibility" in data:
            comment.visibility = _visibility(data["visibility"])
        comment.updated = now()
        comment.update_author = user.name
        issue.updated = comment.updated
        return comment, [
            Event("jira:issue_updated", issue, user.name, "issue_comment_edited", comment=comment),
            Event("comment_updated", issue, user.name, comment=comment),
        ]

    def delete_comment(self, user: User, issue: Issue, comment_id: str) -> list[Event]:
        comment = self.comment(issue, comment_id)
        self._require_comment_owner(user, issue, comment, "delete")
        issue.comments.remove(comment)
        issue.updated = now()
        return [
            Event("jira:issue_updated", issue, user.name, "issue_comment_deleted"),
            Event("comment_deleted", issue, user.name, comment=comment),
        ]

    def _require_comment_owner(self, user: User, issue: Issue, comment: Comment, verb: str) -> None:
        if comment.author != user.name and not permissions.has(user, self.project(issue), "admin"):
            raise bad_request(f"You do not have the permission to {verb} this comment.")


def _fields_and_update(body: Any, require_one: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(body, dict):
        raise bad_request("one of 'fields' or 'update' required")
    fields, update = body.get("fields"), body.get("update")
    if require_one and fields is None and update is None:
        raise bad_request("one of 'fields' or 'update' required")
    if not isinstance(fields or {}, dict) or not isinstance(update or {}, dict):
        raise bad_request("'fields' and 'update' must be JSON objects")
    return dict(fields or {}), dict(update or {})


def _comment_body(body: Any) -> dict[str, Any]:
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("body"), str)
        or not body["body"].strip()
    ):
        raise field_errors({"comment": "Comment body can not be empty!"})
    return body


def _visibility(raw: Any) -> dict[str, str] | None:
    if raw is None:
        return None
    if (
        not isinstance(raw, dict)
        or raw.get("type") not in ("group", "role")
        or not isinstance(raw.get("value"), str)
    ):
        raise field_errors({"commentLevel": "You are currently not a member of the project role"})
    return {"type": raw["type"], "value": raw["value"]}


def _required_message(state: State, field_id: str) -> str:
    if field_id == "summary":
        return "You must specify a summary of the issue."
    if field_id == "resolution":
        return "Resolution is required."
    custom = state.custom_fields.get(field_id)
    name = custom.name if custom else field_id.capitalize()
    return f"{name} is required."


def _edit_event_type(items: list[ChangeItem], comments: list[Comment]) -> str:
    """An edit fires issue_updated (even for an assignee-only edit, as captured from Server);
    only the assignee resource fires issue_assigned."""
    del comments
    return "issue_updated" if items else "issue_commented"


def _get(issue: Issue, field_id: str) -> Any:
    if field_id.startswith("customfield_"):
        return issue.custom.get(field_id)
    attribute = ATTRIBUTES.get(field_id)
    return getattr(issue, attribute) if attribute else None


def _set(issue: Issue, field_id: str, value: Any) -> None:
    if field_id.startswith("customfield_"):
        issue.custom[field_id] = value
    elif field_id in ATTRIBUTES:
        setattr(issue, ATTRIBUTES[field_id], value)
