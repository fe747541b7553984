"""Stable delivery ids for Jira changes.

Jira Server sends no delivery id and never retries, so jirasync names each change by what it
is: a changelog history, a comment, an issue's creation. The webhook route and the reconciler
both use these names, so a change that arrived by webhook and is found again by polling is the
same inbox row (a duplicate), and a change that never arrived is stored once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def changelog_delivery(history_id: object) -> str:
    return f"changelog-{history_id}"


def comment_delivery(comment_id: object) -> str:
    # `issue_commented` updates and `comment_created` bodies of one comment are one change.
    return f"comment-{comment_id}"


def comment_edit_delivery(comment_id: object, updated: object) -> str:
    return f"comment-{comment_id}-edited-{updated}"


def issue_created_delivery(issue_id: object) -> str:
    return f"issue-{issue_id}-created"


def delivery_id(body: Mapping[str, Any]) -> str | None:
    """The change a webhook body reports, or None when it names none (the body digest stands in)."""
    name = body.get("webhookEvent")
    changelog = body.get("changelog")
    comment = body.get("comment") if isinstance(body.get("comment"), Mapping) else None
    issue = body.get("issue") if isinstance(body.get("issue"), Mapping) else None
    if isinstance(changelog, Mapping) and changelog.get("id") is not None:
        if name == "jira:issue_created" and issue is not None:
            return issue_created_delivery(issue.get("id"))
        return changelog_delivery(changelog["id"])
    if comment is not None and comment.get("id") is not None:
        kind = body.get("issue_event_type_name")
        if name == "comment_created" or kind == "issue_commented":
            return comment_delivery(comment["id"])
        if name == "comment_updated" or kind == "issue_comment_edited":
            return comment_edit_delivery(comment["id"], comment.get("updated"))
        return None
    if name == "jira:issue_created" and issue is not None and issue.get("id") is not None:
        return issue_created_delivery(issue["id"])
    return None
