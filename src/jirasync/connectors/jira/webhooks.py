"""Jira Server / DC webhook bodies → IssueEvent.

Accepts every Server variant seen in the wild (reference/jira.md §2.2 and §8): comment_* bodies
without `issue`, old bodies without `issue_event_type_name`, a changelog and a comment in one
body, string or number changelog ids, users without `key`. Bodies of events jirasync does not
act on raise UnsupportedEvent; anything else that is not a Jira webhook raises MalformedEvent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jirasync.connectors.webhook_json import load_json
from jirasync.core.events import (
    Actor,
    Comment,
    FieldChange,
    IssueEvent,
    IssueEventKind,
    MalformedEvent,
    Source,
    UnsupportedEvent,
)

_ISSUE_EVENTS = {
    "jira:issue_created": IssueEventKind.CREATED,
    "jira:issue_updated": IssueEventKind.UPDATED,
    "jira:issue_deleted": IssueEventKind.DELETED,
}
_COMMENT_EVENTS = {
    "comment_created": IssueEventKind.COMMENT_CREATED,
    "comment_updated": IssueEventKind.COMMENT_UPDATED,
    "comment_deleted": IssueEventKind.COMMENT_DELETED,
}
_COMMENT_TYPES = {
    "issue_commented": IssueEventKind.COMMENT_CREATED,
    "issue_comment_edited": IssueEventKind.COMMENT_UPDATED,
    "issue_comment_deleted": IssueEventKind.COMMENT_DELETED,
}
_ISSUE_ID_IN_SELF = re.compile(r"/issue/(\d+)/comment/")
_MILLIS = re.compile(r"[0-9]{1,19}")


def parse_body(raw: bytes) -> dict[str, Any]:
    body = load_json(raw)
    if not isinstance(body, dict):
        raise MalformedEvent("body must be a JSON object")
    return body


def parse_webhook(raw: bytes) -> IssueEvent:
    return parse_event(parse_body(raw))


def parse_event(body: Mapping[str, Any]) -> IssueEvent:
    name = body.get("webhookEvent")
    if name is None and isinstance(body.get("issue"), Mapping):
        name = "jira:issue_updated"  # old workflow post-function bodies carry only the issue
    if not isinstance(name, str):
        raise MalformedEvent("webhookEvent: missing or not a string")
    if name in _COMMENT_EVENTS:
        return _comment_event(body, _COMMENT_EVENTS[name], name)
    if name in _ISSUE_EVENTS:
        return _issue_event(body, _ISSUE_EVENTS[name])
    raise UnsupportedEvent(f"Jira event {name!r} is not synced")


def _issue_event(body: Mapping[str, Any], kind: IssueEventKind) -> IssueEvent:
    issue = _mapping(body, "issue")
    issue_id = _text(issue.get("id"), "issue.id")
    event_type = body.get("issue_event_type_name")
    comment = _comment(body.get("comment"))
    changes = _changes(body.get("changelog"))
    if kind is IssueEventKind.UPDATED:
        kind = _updated_kind(event_type, comment, changes)
    return IssueEvent(
        kind=kind,
        issue_id=issue_id,
        issue_key=_optional_text(issue.get("key")),
        issue=issue,
        actor=_actor(body.get("user")),
        timestamp_ms=_timestamp(body.get("timestamp")),
        changes=changes,
        comment=comment,
        comment_id=comment.id if comment else None,
        jira_event_type=event_type if isinstance(event_type, str) else None,
    )


def _updated_kind(
    event_type: object, comment: Comment | None, changes: tuple[FieldChange, ...]
) -> IssueEventKind:
    """A comment body is a comment event unless it also changes fields (both happen)."""
    if changes:
        return IssueEventKind.UPDATED
    if isinstance(event_type, str) and event_type in _COMMENT_TYPES:
        return _COMMENT_TYPES[event_type]
    if comment is not None and event_type is None:
        # Old Servers: same created/updated stamps mean a new comment.
        if comment.created == comment.updated:
            return IssueEventKind.COMMENT_CREATED
        return IssueEventKind.COMMENT_UPDATED
    return IssueEventKind.UPDATED


def _comment_event(body: Mapping[str, Any], kind: IssueEventKind, name: str) -> IssueEvent:
    raw_comment = _mapping(body, "comment")
    comment = _comment(raw_comment)
    assert comment is not None
    issue = body.get("issue") if isinstance(body.get("issue"), Mapping) else None
    issue_id = _optional_text(issue.get("id")) if issue else None
    if issue_id is None:
        # Server comment_* bodies carry no issue: its id is in comment.self.
        match = _ISSUE_ID_IN_SELF.search(str(raw_comment.get("self", "")))
        if match is None:
            raise MalformedEvent(f"{name}: comment.self does not name the issue")
        issue_id = match.group(1)
    return IssueEvent(
        kind=kind,
        issue_id=issue_id,
        issue_key=_optional_text(issue.get("key")) if issue else None,
        issue=issue,
        actor=_actor(body.get("user")) or comment.author,
        timestamp_ms=_timestamp(body.get("timestamp")),
        comment=comment,
        comment_id=comment.id,
        jira_event_type=name,
    )


def _changes(changelog: object) -> tuple[FieldChange, ...]:
    if not isinstance(changelog, Mapping):
        return ()
    items = changelog.get("items")
    if not isinstance(items, list):
        return ()
    return tuple(
        FieldChange(
            field=str(item.get("field", "")),
            field_type=str(item.get("fieldtype", "jira")),
            from_id=_optional_text(item.get("from")),
            to_id=_optional_text(item.get("to")),
            from_text=_optional_text(item.get("fromString")),
            to_text=_optional_text(item.get("toString")),
            field_id=_optional_text(item.get("fieldId")),
        )
        for item in items
        if isinstance(item, Mapping)
    )


def _comment(raw: object) -> Comment | None:
    if not isinstance(raw, Mapping):
        return None
    return Comment(
        id=_text(raw.get("id"), "comment.id"),
        body=str(raw.get("body") or ""),
        author=_actor(raw.get("author")),
        created=_optional_text(raw.get("created")),
        updated=_optional_text(raw.get("updated")),
        visibility=raw.get("visibility") if isinstance(raw.get("visibility"), Mapping) else None,
    )


def _actor(raw: object) -> Actor | None:
    if not isinstance(raw, Mapping):
        return None
    return Actor(
        system=Source.JIRA,
        id=_optional_text(raw.get("key") or raw.get("name") or raw.get("accountId")),
        name=_optional_text(raw.get("name")),
        email=_optional_text(raw.get("emailAddress")),
        display_name=_optional_text(raw.get("displayName")),
    )


def _mapping(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    if not isinstance(value, Mapping):
        raise MalformedEvent(f"{key}: missing or not an object")
    return value


def _text(value: object, where: str) -> str:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
        return str(value)
    raise MalformedEvent(f"{where}: missing or not a string")


def _optional_text(value: object) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    return str(value)


def _timestamp(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # isdigit() alone also accepts "²" and other digits int() refuses.
    if isinstance(value, str) and _MILLIS.fullmatch(value):
        return int(value)
    return None
