"""Stable delivery ids for Jira changes.

Jira Server sends no delivery id and never retries, so jirasync names each change by what it
is: a changelog history, a comment, an issue's creation. The webhook route and the reconciler
both use these names, so a change that arrived by webhook and is found again by polling is the
same inbox row (a duplicate), and a change that never arrived is stored once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jirasync.core.events import IssueEvent, IssueEventKind


def changelog_delivery(history_id: object) -> str:
    return f"changelog-{history_id}"


def comment_delivery(comment_id: object) -> str:
    # `issue_commented` updates and `comment_created` bodies of one comment are one change.
    return f"comment-{comment_id}"


def comment_edit_delivery(comment_id: object, updated: object) -> str:
    return f"comment-{comment_id}-edited-{updated}"


def issue_created_delivery(issue_id: object) -> str:
    return f"issue-{issue_id}-created"


def comment_deleted_delivery(comment_id: object) -> str:
    return f"comment-{comment_id}-deleted"


def delivery_id(body: Mapping[str, Any], event: IssueEvent) -> str | None:
    """The change a parsed webhook reports, or None when it names none (its digest stands in).

    Works from the parsed event so old Server bodies (no `issue_event_type_name`) are named
    like new ones; the changelog id is read from the body, the event does not keep it.
    """
    changelog = body.get("changelog")
    if event.kind is IssueEventKind.CREATED:
        return issue_created_delivery(event.issue_id)
    if isinstance(changelog, Mapping) and changelog.get("id") is not None and event.changes:
        return changelog_delivery(changelog["id"])
    comment = event.comment
    if comment is None:
        return None
    if event.kind is IssueEventKind.COMMENT_CREATED:
        return comment_delivery(comment.id)
    if event.kind is IssueEventKind.COMMENT_UPDATED:
        return comment_edit_delivery(comment.id, comment.updated)
    if event.kind is IssueEventKind.COMMENT_DELETED:
        return comment_deleted_delivery(comment.id)
    return None
