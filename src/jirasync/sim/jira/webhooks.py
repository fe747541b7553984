"""Outgoing Jira webhooks: which registered webhooks an event goes to, the Server body shapes,
URL variables, `user_id`/`user_key` query params and the optional DC 10 signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from jirasync.sim.common import WebhookDeliverer
from jirasync.sim.jira import jql_support
from jirasync.sim.jira.errors import JiraError
from jirasync.sim.jira.issues import Event
from jirasync.sim.jira.model import State, Webhook
from jirasync.sim.jira.serialize import Serializer, epoch_ms

ISSUE_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")
COMMENT_EVENTS = ("comment_created", "comment_updated", "comment_deleted")


class WebhookDispatcher:
    def __init__(
        self,
        state: Callable[[], State],
        serializer: Callable[[], Serializer],
        deliverer: WebhookDeliverer,
    ) -> None:
        self._state = state
        self._serializer = serializer
        self.deliverer = deliverer

    def dispatch(self, events: list[Event]) -> None:
        """Send each event to every enabled webhook that subscribes to it and whose JQL
        filter matches the issue (evaluated now, as Jira does, synchronously)."""
        state = self._state()
        hooks = [w for w in state.webhooks.values() if w.enabled]
        if not hooks or not events:
            return
        serializer = self._serializer()
        for event in events:
            issue_json: dict[str, Any] | None = None
            for hook in hooks:
                if event.name not in hook.events:
                    continue
                if issue_json is None:
                    issue_json = serializer.issue(event.issue)
                    issue_json.pop("expand")  # webhook issues carry no expand key
                if not self._filter_matches(state, serializer, hook, issue_json, event.user):
                    continue
                self._send(state, serializer, hook, event, issue_json)

    def _filter_matches(
        self,
        state: State,
        serializer: Serializer,
        hook: Webhook,
        issue_json: dict[str, Any],
        user: str,
    ) -> bool:
        if not hook.jql.strip():
            return True
        try:
            ctx = jql_support.context(state, serializer.fields(), user)
            search = jql_support.prepare(state, hook.jql, ctx, validate=False)
            return jql_support.run(search, issue_json)
        except JiraError:
            return False  # a broken filter matches nothing, like Jira logging and skipping

    def _send(
        self,
        state: State,
        serializer: Serializer,
        hook: Webhook,
        event: Event,
        issue_json: dict[str, Any],
    ) -> None:
        body = (
            b""
            if hook.exclude_body
            else json.dumps(build_body(serializer, event, issue_json)).encode()
        )
        headers = {
            "Content-Type": "application/json; charset=UTF-8",
            "User-Agent": "Atlassian HttpClient",
        }
        if hook.secret and state.options.webhook_signatures:
            digest = hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        url = target_url(state, hook, event)
        self.deliverer.submit(
            url, event.name, body, headers, key=f"webhook-{hook.id}", delivery_id=str(uuid.uuid4())
        )


def build_body(serializer: Serializer, event: Event, issue_json: dict[str, Any]) -> dict[str, Any]:
    """The exact top-level keys Jira Server sends per event (reference/jira.md §2.2)."""
    body: dict[str, Any] = {"timestamp": epoch_ms(_event_time(event)), "webhookEvent": event.name}
    user = serializer.user_named(event.user)
    if event.name in ISSUE_EVENTS:
        if event.type_name and event.name != "jira:issue_deleted":
            body["issue_event_type_name"] = event.type_name
        body["user"] = user
        body["issue"] = issue_json
        if event.history is not None:
            body["changelog"] = {
                "id": event.history.id,
                "items": serializer.history(event.history)["items"],
            }
        if event.comment is not None:
            body["comment"] = serializer.comment(event.issue, event.comment)
        return body
    if event.name != "comment_created":
        body["user"] = user
    if event.comment is not None:
        body["comment"] = serializer.comment(event.issue, event.comment)
    return body


def _event_time(event: Event) -> Any:
    if event.history is not None:
        return event.history.created
    if event.comment is not None and event.name != "comment_deleted":
        return event.comment.updated
    return event.issue.updated


def target_url(state: State, hook: Webhook, event: Event) -> str:
    """Substitute `${issue.key}`-style variables and append `user_id`/`user_key`."""
    project = state.projects.get(event.issue.project)
    user = state.user(event.user)
    variables = {
        "issue.id": event.issue.id,
        "issue.key": event.issue.key,
        "project.id": project.id if project else "",
        "project.key": event.issue.project,
        "comment.id": event.comment.id if event.comment else "",
        "modifiedUser.name": user.name if user else "",
        "modifiedUser.key": user.key if user else "",
    }
    url = hook.url
    for name, value in variables.items():
        url = url.replace("${" + name + "}", quote(value, safe=""))
    if user is not None:
        separator = "&" if "?" in url else "?"
        url += separator + urlencode({"user_id": user.name, "user_key": user.key})
    return url


def webhook_bean(serializer: Serializer, state: State, hook: Webhook) -> dict[str, Any]:
    user = state.user(hook.last_updated_user)
    return {
        "name": hook.name,
        "url": hook.url,
        "excludeBody": hook.exclude_body,
        "filters": {"issue-related-events-section": hook.jql},
        "events": list(hook.events),
        "enabled": hook.enabled,
        "self": f"{serializer.base}/rest/webhooks/1.0/webhook/{hook.id}",
        "lastUpdatedUser": user.key if user else hook.last_updated_user,
        "lastUpdatedDisplayName": user.display_name if user else hook.last_updated_user,
        "lastUpdated": hook.last_updated,
    }
