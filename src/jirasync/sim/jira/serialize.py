"""Jira's JSON beans (users, statuses, projects, issues, comments, fields…) from the state."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import quote

from jirasync.sim.jira.model import (
    STATUS_CATEGORIES,
    Attachment,
    ChangeHistory,
    Comment,
    CustomField,
    Issue,
    IssueType,
    Priority,
    Project,
    RemoteLink,
    Resolution,
    State,
    Status,
    Transition,
    User,
)

CUSTOM_SCHEMAS: dict[str, tuple[dict[str, Any], str]] = {
    # type -> (schema without custom/customId, Jira's custom field type key)
    "text": ({"type": "string"}, "textfield"),
    "number": ({"type": "number"}, "float"),
    "date": ({"type": "date"}, "datepicker"),
    "select": ({"type": "option"}, "select"),
    "multiselect": ({"type": "array", "items": "option"}, "multiselect"),
    "user": ({"type": "user"}, "userpicker"),
    "labels": ({"type": "array", "items": "string"}, "labels"),
}
CUSTOM_PREFIX = "com.atlassian.jira.plugin.system.customfieldtypes:"

# System fields: id -> (name, schema, orderable, navigable, searchable, clause names)
SYSTEM_FIELDS: dict[str, tuple[str, dict[str, Any] | None, bool, bool, bool, list[str]]] = {
    "summary": ("Summary", {"type": "string"}, True, True, True, ["summary"]),
    "description": ("Description", {"type": "string"}, True, True, True, ["description"]),
    "environment": ("Environment", {"type": "string"}, True, True, True, ["environment"]),
    "issuetype": ("Issue Type", {"type": "issuetype"}, True, True, True, ["issuetype", "type"]),
    "project": ("Project", {"type": "project"}, False, True, True, ["project"]),
    "status": ("Status", {"type": "status"}, False, True, True, ["status"]),
    "priority": ("Priority", {"type": "priority"}, True, True, True, ["priority"]),
    "resolution": ("Resolution", {"type": "resolution"}, True, True, True, ["resolution"]),
    "assignee": ("Assignee", {"type": "user"}, True, True, True, ["assignee"]),
    "reporter": ("Reporter", {"type": "user"}, True, True, True, ["reporter"]),
    "creator": ("Creator", {"type": "user"}, False, True, True, ["creator"]),
    "labels": ("Labels", {"type": "array", "items": "string"}, True, True, True, ["labels"]),
    "created": ("Created", {"type": "datetime"}, False, True, True, ["created", "createdDate"]),
    "updated": ("Updated", {"type": "datetime"}, False, True, True, ["updated", "updatedDate"]),
    "resolutiondate": (
        "Resolved",
        {"type": "datetime"},
        False,
        True,
        True,
        ["resolutiondate", "resolved"],
    ),
    "duedate": ("Due Date", {"type": "date"}, True, True, True, ["due", "duedate"]),
    "components": (
        "Component/s",
        {"type": "array", "items": "component"},
        True,
        True,
        True,
        ["component"],
    ),
    "fixVersions": (
        "Fix Version/s",
        {"type": "array", "items": "version"},
        True,
        True,
        True,
        ["fixVersion"],
    ),
    "versions": (
        "Affects Version/s",
        {"type": "array", "items": "version"},
        True,
        True,
        True,
        ["affectedVersion"],
    ),
    "comment": ("Comment", {"type": "comments-page"}, True, False, True, ["comment"]),
    "attachment": (
        "Attachment",
        {"type": "array", "items": "attachment"},
        True,
        True,
        True,
        ["attachments"],
    ),
    "issuelinks": (
        "Linked Issues",
        {"type": "array", "items": "issuelinks"},
        True,
        True,
        False,
        [],
    ),
    "subtasks": (
        "Sub-Tasks",
        {"type": "array", "items": "issuelinks"},
        False,
        True,
        False,
        ["subtasks"],
    ),
    "watches": ("Watchers", {"type": "watches"}, False, True, True, ["watchers"]),
    "votes": ("Votes", {"type": "votes"}, False, True, True, ["votes"]),
    "issuekey": ("Key", None, False, True, False, ["id", "issue", "issuekey", "key"]),
    "statuscategory": ("Status Category", None, False, False, True, ["statusCategory"]),
    "lastViewed": ("Last Viewed", {"type": "datetime"}, False, True, False, ["lastViewed"]),
    "workratio": ("Work Ratio", {"type": "number"}, False, True, True, ["workratio"]),
    "timetracking": ("Time tracking", {"type": "timetracking"}, True, False, True, []),
}
# Fields an issue bean always has (besides custom fields), in the order Jira lists them.
ISSUE_FIELDS = [
    f for f in SYSTEM_FIELDS if f not in ("issuekey", "statuscategory", "comment")
] + ["comment", "worklog", "progress", "aggregateprogress", "timespent", "timeestimate",
     "timeoriginalestimate", "aggregatetimespent", "aggregatetimeestimate",
     "aggregatetimeoriginalestimate"]  # fmt: skip
NAVIGABLE_EXCLUDED = {"comment", "timetracking", "worklog"}


def jira_time(moment: datetime) -> str:
    """`2019-06-04T00:15:17.234+0000`: Jira's timestamp form (no colon in the offset)."""
    # all simulator times are UTC; isoformat is much cheaper than strftime
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "+0000"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def option_id(custom: CustomField, value: str) -> str:
    return str(custom.number * 10 + custom.options.index(value))


class Serializer:
    """Builds beans with absolute `self` URLs under the simulator's base URL."""

    def __init__(self, state: State, base_url: str) -> None:
        self.state = state
        self.base = base_url.rstrip("/")
        self.api = self.base + "/rest/api/2"
        # Catalogue and user beans never change while this serializer lives (the simulator
        # builds a new one with each new state), so build each once. Callers must copy a bean
        # before changing it.
        self._memo: dict[tuple[str, str], Any] = {}

    def _once(self, kind: str, ref: str, build: Any) -> Any:
        key = (kind, ref)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = build()
        return found

    # -- users ----------------------------------------------------------------------------
    def avatar_urls(self, seed: str, kind: str = "user") -> dict[str, str]:
        digest = hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest()
        if kind == "user":
            url = f"{self.base}/secure/useravatar?ownerId={quote(seed)}&avatarId=10122"
            return {f"{n}x{n}": f"{url}&size={n}" for n in (48, 24, 16, 32)}
        url = f"{self.base}/secure/projectavatar?avatarId=10324&pid={digest[:6]}"
        return {f"{n}x{n}": f"{url}&size={n}" for n in (48, 24, 16, 32)}

    def user(self, user: User | None, full: bool = False) -> dict[str, Any] | None:
        if user is None:
            return None
        bean: dict[str, Any] = {
            "self": f"{self.api}/user?username={quote(user.name)}",
            "name": user.name,
            "key": user.key,
            "emailAddress": user.email,
            "avatarUrls": self.avatar_urls(user.key),
            "displayName": user.display_name,
            "active": user.active,
            "timeZone": user.time_zone,
        }
        if full:
            groups = sorted(user.groups)
            bean["locale"] = "en_US"
            bean["groups"] = {"size": len(groups), "items": [{"name": g} for g in groups]}
            bean["applicationRoles"] = {"size": 1, "items": []}
            bean["expand"] = "groups,applicationRoles"
        return bean

    def user_named(self, name: str | None) -> dict[str, Any] | None:
        if name is None:
            return None
        bean: dict[str, Any] | None = self._once(
            "user", name, lambda: self.user(self.state.user(name))
        )
        return bean

    # -- catalogues -----------------------------------------------------------------------
    def status_category(self, key: str) -> dict[str, Any]:
        c = STATUS_CATEGORIES[key]
        return {
            "self": f"{self.api}/statuscategory/{c.id}",
            "id": c.id,
            "key": c.key,
            "colorName": c.color,
            "name": c.name,
        }

    def status(self, status: Status) -> dict[str, Any]:
        result: dict[str, Any] = self._once("status", status.id, lambda: self._build_status(status))
        return result

    def _build_status(self, status: Status) -> dict[str, Any]:
        return {
            "self": f"{self.api}/status/{status.id}",
            "description": status.description,
            "iconUrl": f"{self.base}/images/icons/statuses/{status.icon}",
            "name": status.name,
            "id": status.id,
            "statusCategory": self.status_category(status.category),
        }

    def priority(self, priority: Priority) -> dict[str, Any]:
        return {
            "self": f"{self.api}/priority/{priority.id}",
            "statusColor": priority.color,
            "description": priority.description,
            "iconUrl": f"{self.base}/images/icons/priorities/{priority.name.lower()}.svg",
            "name": priority.name,
            "id": priority.id,
        }

    def priority_ref(self, priority: Priority) -> dict[str, Any]:
        result: dict[str, Any] = self._once(
            "priority", priority.id, lambda: self._build_priority_ref(priority)
        )
        return result

    def _build_priority_ref(self, priority: Priority) -> dict[str, Any]:
        """The short priority bean issues carry (no colour, no description)."""
        bean = self.priority(priority)
        return {k: bean[k] for k in ("self", "iconUrl", "name", "id")}

    def resolution(self, resolution: Resolution) -> dict[str, Any]:
        return {
            "self": f"{self.api}/resolution/{resolution.id}",
            "id": resolution.id,
            "description": resolution.description,
            "iconUrl": "",
            "name": resolution.name,
        }

    def issue_type(self, issue_type: IssueType) -> dict[str, Any]:
        result: dict[str, Any] = self._once(
            "issuetype", issue_type.id, lambda: self._build_issue_type(issue_type)
        )
        return result

    def _build_issue_type(self, issue_type: IssueType) -> dict[str, Any]:
        return {
            "self": f"{self.api}/issuetype/{issue_type.id}",
            "id": issue_type.id,
            "description": issue_type.description,
            "iconUrl": f"{self.base}/secure/viewavatar?size=xsmall&avatarId=10303"
            "&avatarType=issuetype",
            "name": issue_type.name,
            "subtask": issue_type.subtask,
            "avatarId": 10303,
        }

    def project_ref(self, project: Project) -> dict[str, Any]:
        result: dict[str, Any] = self._once(
            "project", project.id, lambda: self._build_project_ref(project)
        )
        return result

    def _build_project_ref(self, project: Project) -> dict[str, Any]:
        return {
            "self": f"{self.api}/project/{project.id}",
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
            "avatarUrls": self.avatar_urls(project.key, "project"),
        }

    def project(self, project: Project, expand: set[str]) -> dict[str, Any]:
        bean = {
            "expand": "description,lead,url,projectKeys",
            **self.project_ref(project),
            "description": project.description,
            "lead": self.user_named(project.lead),
            "components": [],
            "issueTypes": [self.issue_type(self.state.issue_types[t]) for t in project.issue_types],
            "assigneeType": "UNASSIGNED",
            "versions": [],
            "roles": {
                role: f"{self.api}/project/{project.key}/role/{10000 + n}"
                for n, role in enumerate(("Administrators", "Developers", "Users"))
            },
            "projectKeys": [project.key],
        }
        del expand  # issue types are always small enough to include
        return bean

    def field(self, field_id: str) -> dict[str, Any]:
        custom = self.state.custom_fields.get(field_id)
        if custom is not None:
            return self.custom_field(custom)
        name, schema, orderable, navigable, searchable, clauses = SYSTEM_FIELDS[field_id]
        bean: dict[str, Any] = {
            "id": field_id,
            "name": name,
            "custom": False,
            "orderable": orderable,
            "navigable": navigable,
            "searchable": searchable,
            "clauseNames": clauses,
        }
        if schema is not None:
            bean["schema"] = {**schema, "system": field_id}
        return bean

    def custom_field(self, custom: CustomField) -> dict[str, Any]:
        schema, type_key = CUSTOM_SCHEMAS[custom.type]
        return {
            "id": custom.id,
            "name": custom.name,
            "custom": True,
            "orderable": True,
            "navigable": True,
            "searchable": True,
            "clauseNames": [f"cf[{custom.number}]", custom.name],
            "schema": {**schema, "custom": CUSTOM_PREFIX + type_key, "customId": custom.number},
        }

    def fields(self) -> list[dict[str, Any]]:
        return [self.field(f) for f in [*SYSTEM_FIELDS, *self.state.custom_fields]]

    def field_schema(self, field_id: str) -> dict[str, Any]:
        bean = self.field(field_id)
        return dict(bean.get("schema") or {"type": "any"})

    # -- issues ---------------------------------------------------------------------------
    def issue_ref(self, issue: Issue) -> dict[str, Any]:
        return {"id": issue.id, "key": issue.key, "self": f"{self.api}/issue/{issue.id}"}

    def issue(
        self,
        issue: Issue,
        wanted: set[str] | None = None,
        expand: frozenset[str] = frozenset(),
        viewer: User | None = None,
    ) -> dict[str, Any]:
        """An issue bean; `wanted` None means every field (`*all`). With a `viewer`, comments
        restricted to a group or role the viewer is not in are left out, as Jira does."""
        bean: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,"
            "versionedRepresentations",
            **self.issue_ref(issue),
            "fields": self.issue_fields(issue, wanted),
        }
        if viewer is not None and "comment" in bean["fields"]:
            shown = visible_comments(issue, viewer)
            bean["fields"]["comment"] = self.comment_page(issue, shown, 0, len(shown))
        if "renderedFields" in expand:
            bean["renderedFields"] = self.rendered_fields(issue)
        if "names" in expand:
            bean["names"] = {f: self.field(f)["name"] for f in bean["fields"] if self._known(f)}
        if "schema" in expand:
            bean["schema"] = {f: self.field_schema(f) for f in bean["fields"] if self._known(f)}
        if "changelog" in expand:
            histories = [self.history(h) for h in issue.changelog]
            bean["changelog"] = {
                "startAt": 0,
                "maxResults": len(histories),
                "total": len(histories),
                "histories": histories,
            }
        return bean

    def _known(self, field_id: str) -> bool:
        return field_id in SYSTEM_FIELDS or field_id in self.state.custom_fields

    def issue_fields(self, issue: Issue, wanted: set[str] | None) -> dict[str, Any]:
        fields = {
            name: self.system_value(issue, name)
            for name in ISSUE_FIELDS
            if wanted is None or name in wanted
        }
        for field_id, custom in self.state.custom_fields.items():
            if wanted is None or field_id in wanted:
                fields[field_id] = self.custom_value(custom, issue.custom.get(field_id))
        return fields

    def system_value(self, issue: Issue, name: str) -> Any:
        render = _SYSTEM_RENDERERS.get(name)
        if render is not None:
            return render(self, issue)
        return _CONSTANT_FIELDS.get(name)

    def resolution_ref(self, issue: Issue) -> dict[str, Any] | None:
        """Issues carry the resolution without an icon."""
        if issue.resolution is None:
            return None
        bean = self.resolution(self.state.resolutions[issue.resolution])
        return {k: v for k, v in bean.items() if k != "iconUrl"}

    def watches(self, issue: Issue) -> dict[str, Any]:
        return {
            "self": f"{self.api}/issue/{issue.key}/watchers",
            "watchCount": len(issue.watchers),
            "isWatching": False,
        }

    def custom_value(self, custom: CustomField, value: Any) -> Any:
        if value is None or value == []:
            return None
        if custom.type == "select":
            return self.option(custom, str(value))
        if custom.type == "multiselect":
            return [self.option(custom, str(v)) for v in value]
        if custom.type == "user":
            return self.user_named(str(value))
        return value

    def option(self, custom: CustomField, value: str) -> dict[str, Any]:
        oid = option_id(custom, value)
        return {"self": f"{self.api}/customFieldOption/{oid}", "value": value, "id": oid}

    def rendered_fields(self, issue: Issue) -> dict[str, Any]:
        def html(text: str | None) -> str | None:
            return None if text is None else render_wiki(text)

        return {
            "description": html(issue.description),
            "environment": html(issue.environment),
            "created": issue.created.strftime("%d/%b/%y %I:%M %p"),
            "updated": issue.updated.strftime("%d/%b/%y %I:%M %p"),
            "comment": {
                "comments": [
                    {**self.comment(issue, c), "body": html(c.body)} for c in issue.comments
                ],
                "maxResults": len(issue.comments),
                "total": len(issue.comments),
                "startAt": 0,
            },
        }

    def history(self, history: ChangeHistory) -> dict[str, Any]:
        return {
            "id": history.id,
            "author": self.user_named(history.author),
            "created": jira_time(history.created),
            "items": [
                {
                    "field": i.field,
                    "fieldtype": i.fieldtype,
                    "from": i.from_,
                    "fromString": i.from_string,
                    "to": i.to,
                    "toString": i.to_string,
                }
                for i in history.items
            ],
        }

    # -- comments, links, attachments, transitions ----------------------------------------
    def comment(self, issue: Issue, comment: Comment) -> dict[str, Any]:
        bean: dict[str, Any] = {
            "self": f"{self.api}/issue/{issue.id}/comment/{comment.id}",
            "id": comment.id,
            "author": self.user_named(comment.author),
            "body": comment.body,
            "updateAuthor": self.user_named(comment.update_author),
            "created": jira_time(comment.created),
            "updated": jira_time(comment.updated),
        }
        if comment.visibility:
            bean["visibility"] = dict(comment.visibility)
        return bean

    def comment_page(
        self, issue: Issue, comments: list[Comment], start: int, limit: int
    ) -> dict[str, Any]:
        page = comments[start : start + limit]
        return {
            "comments": [self.comment(issue, c) for c in page],
            "maxResults": limit,
            "total": len(comments),
            "startAt": start,
        }

    def remote_link(self, issue: Issue, link: RemoteLink) -> dict[str, Any]:
        bean: dict[str, Any] = {
            "id": link.id,
            "self": f"{self.api}/issue/{issue.key}/remotelink/{link.id}",
        }
        if link.global_id is not None:
            bean["globalId"] = link.global_id
        for key in ("application", "relationship", "object"):
            if key in link.data:
                bean[key] = link.data[key]
        return bean

    def attachment(self, issue: Issue, attachment: Attachment) -> dict[str, Any]:
        del issue
        bean = {
            "self": f"{self.api}/attachment/{attachment.id}",
            "id": attachment.id,
            "filename": attachment.filename,
            "author": self.user_named(attachment.author),
            "created": jira_time(attachment.created),
            "size": len(attachment.content),
            "mimeType": attachment.mime_type,
            "properties": {},
            "content": f"{self.base}/secure/attachment/{attachment.id}/"
            + quote(attachment.filename),
        }
        if attachment.mime_type.startswith("image/"):
            bean["thumbnail"] = (
                f"{self.base}/secure/thumbnail/{attachment.id}/_thumb_{attachment.id}.png"
            )
        return bean

    def transition(
        self, transition: Transition, with_fields: bool, field_meta: dict[str, Any]
    ) -> dict[str, Any]:
        bean: dict[str, Any] = {
            "id": str(transition.id),
            "name": transition.name,
            "to": self.status(self.state.statuses[transition.to]),
        }
        if with_fields:
            bean["fields"] = field_meta
        return bean


ROLE_GROUPS = {"administrators": "jira-administrators", "developers": "jira-developers",
               "users": "jira-users"}  # fmt: skip


def can_see(comment: Comment, viewer: User) -> bool:
    """Group visibility needs membership; the default project roles map to the default groups
    (administrators see everything)."""
    if comment.visibility is None or "jira-administrators" in viewer.groups:
        return True
    value = comment.visibility["value"]
    if comment.visibility["type"] == "role":
        value = ROLE_GROUPS.get(value.lower(), "jira-administrators")
    return value in viewer.groups or comment.author == viewer.name


def visible_comments(issue: Issue, viewer: User) -> list[Comment]:
    return [c for c in issue.comments if can_see(c, viewer)]


def _time_or_none(moment: datetime | None) -> str | None:
    return jira_time(moment) if moment is not None else None


# Field values that are the same for every simulated issue (no versions, links, time tracking).
_CONSTANT_FIELDS: dict[str, Any] = {
    "lastViewed": None,
    "workratio": -1,
    "timespent": None,
    "timeestimate": None,
    "timeoriginalestimate": None,
    "aggregatetimespent": None,
    "aggregatetimeestimate": None,
    "aggregatetimeoriginalestimate": None,
}
_SYSTEM_RENDERERS: dict[str, Any] = {
    "summary": lambda s, i: i.summary,
    "description": lambda s, i: i.description,
    "environment": lambda s, i: i.environment,
    "labels": lambda s, i: list(i.labels),
    "duedate": lambda s, i: i.due_date,
    "created": lambda s, i: jira_time(i.created),
    "updated": lambda s, i: jira_time(i.updated),
    "resolutiondate": lambda s, i: _time_or_none(i.resolution_date),
    "components": lambda s, i: [],
    "fixVersions": lambda s, i: [],
    "versions": lambda s, i: [],
    "issuelinks": lambda s, i: [],
    "subtasks": lambda s, i: [],
    "timetracking": lambda s, i: {},
    "progress": lambda s, i: {"progress": 0, "total": 0},
    "aggregateprogress": lambda s, i: {"progress": 0, "total": 0},
    "issuetype": lambda s, i: s.issue_type(s.state.issue_types[i.issue_type]),
    "project": lambda s, i: s.project_ref(s.state.projects[i.project]),
    "status": lambda s, i: s.status(s.state.statuses[i.status]),
    "priority": lambda s, i: s.priority_ref(s.state.priorities[i.priority]) if i.priority else None,
    "resolution": lambda s, i: s.resolution_ref(i),
    "assignee": lambda s, i: s.user_named(i.assignee),
    "reporter": lambda s, i: s.user_named(i.reporter),
    "creator": lambda s, i: s.user_named(i.creator),
    "comment": lambda s, i: s.comment_page(i, i.comments, 0, len(i.comments)),
    "attachment": lambda s, i: [s.attachment(i, a) for a in i.attachments],
    "watches": lambda s, i: s.watches(i),
    "votes": lambda s, i: {"self": f"{s.api}/issue/{i.key}/votes", "votes": 0, "hasVoted": False},
    "worklog": lambda s, i: {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
}


def render_wiki(text: str) -> str:
    """Wiki markup as HTML, roughly: escaped paragraphs (enough for clients that show it)."""
    return "<p>" + _escape(text) + "</p>"


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )
