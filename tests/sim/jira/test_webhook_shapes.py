"""Webhook bodies match the real Server captures (mattermost-plugin-jira testdata) key for key.

Skipped by name: the `cloud-*` captures (Cloud users carry accountId, Cloud comment events
carry the issue) and the `*-old-*-no-event-type-*` captures (Servers older than the one we
simulate sent no `issue_event_type_name`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from jirasync.serving import ServerThread

HOOKS = Path(__file__).parents[2] / "fixtures" / "jira" / "webhooks" / "mattermost-plugin-jira"

UPDATED = "jira:issue_updated"
S = "webhook-server-issue-updated-"
W = "webhook-server-"
SITUATIONS = {
    W + "comment-created.json": ("comment_created", None),
    W + "comment-updated.json": ("comment_updated", None),
    W + "comment-deleted.json": ("comment_deleted", None),
    S + "closed.json": (UPDATED, "issue_closed"),
    S + "in-progress.json": (UPDATED, "issue_work_started"),
    S + "reopened.json": (UPDATED, "issue_reopened"),
    S + "resolved.json": (UPDATED, "issue_resolved"),
    S + "comment-deleted.json": (UPDATED, "issue_comment_deleted"),
    S + "comment-edited.json": (UPDATED, "issue_comment_edited"),
    S + "commented-1.json": (UPDATED, "issue_commented"),
    S + "commented-2.json": (UPDATED, "issue_commented"),
    S + "commented-3.json": (UPDATED, "issue_commented"),
    S + "commented-mention-user.json": (UPDATED, "issue_commented"),
    "webhook-issue-comment-created-indentation.json": (UPDATED, "issue_commented"),
    "webhook-issue-updated-assigned-on-server.json": (UPDATED, "issue_updated"),
    S + "many-fields.json": (UPDATED, "issue_updated"),
    W + "updated-custom-field.json": (UPDATED, "issue_updated"),
}  # fmt: skip
# Keys that depend on data, not on the body shape: `avatarId` only for issue types with avatar
# icons; time-tracking values only once work is logged (worklogs are not simulated);
# `projectTypeKey` is in the newer captures only (the older 7.x ones lack it).
SITUATIONAL = {
    "avatarId", "projectTypeKey", "percent", "remainingEstimate", "remainingEstimateSeconds",
    "timeSpent", "timeSpentSeconds",
}  # fmt: skip
SKIPPED = {
    "cloud-webhook-cloud-comment-created.json": "Cloud: accountId users, issue in comment events",
    "cloud-webhook-issue-created.json": "Cloud: accountId users",
    "cloud-webhook-issue-deleted.json": "Cloud: accountId users",
    "webhook-server-old-issue-updated-no-event-type-comment-deleted.json": "pre-7 Server",
    "webhook-server-old-issue-updated-no-event-type-comment-edited.json": "pre-7 Server",
    "webhook-server-old-issue-updated-no-event-type-commented.json": "pre-7 Server",
}


def act(jira: httpx.Client) -> None:
    """Drive OPS-1 through every situation the captures show."""
    issue = "/rest/api/2/issue/OPS-1"
    comment = jira.post(issue + "/comment", json={"body": "hello [~bob]"}).json()
    jira.put(f"{issue}/comment/{comment['id']}", json={"body": "edited"}).raise_for_status()
    jira.delete(f"{issue}/comment/{comment['id']}").raise_for_status()
    jira.put(issue, json={"fields": {"assignee": {"name": "admin"}}}).raise_for_status()
    jira.put(issue, json={"update": {"labels": [{"add": "x"}]}}).raise_for_status()
    jira.put(issue, json={"fields": {"customfield_10102": 3}}).raise_for_status()
    for tid, fields in [(4, {}), (5, {"resolution": {"name": "Fixed"}}), (701, {}), (3, {})]:
        response = jira.post(
            issue + "/transitions", json={"transition": {"id": tid}, "fields": fields}
        )
        assert response.status_code == 204, response.text


@pytest.fixture(scope="module")
def bodies(jira_server: ServerThread, receiver_server: Any) -> list[dict[str, Any]]:
    """Every situation is produced once for the module, on a freshly reset simulator."""
    _, receiver = receiver_server
    receiver.calls.clear()
    events = ["jira:issue_updated", "comment_created", "comment_updated", "comment_deleted"]
    hook = {"name": "all", "url": receiver.url + "/hook", "events": events}
    with httpx.Client(base_url=jira_server.url, auth=("admin", "admin")) as jira:
        jira.post("/_sim/reset").raise_for_status()
        jira.post("/rest/webhooks/1.0/webhook", json=hook).raise_for_status()
        act(jira)
        jira.post("/_sim/webhooks/drain", params={"timeout": 5}).raise_for_status()
        jira.post("/_sim/reset").raise_for_status()
    return [c["body"] for c in receiver.calls]


@pytest.mark.parametrize("name", sorted(SITUATIONS))
def test_webhook_body_shape(bodies: list[dict[str, Any]], name: str, shape_diff: Any) -> None:
    event, type_name = SITUATIONS[name]
    produced = next(
        b for b in bodies
        if b["webhookEvent"] == event and b.get("issue_event_type_name") == type_name
    )  # fmt: skip
    fixture = json.loads((HOOKS / name).read_text())
    assert set(produced) == set(fixture)
    assert shape_diff(fixture, produced, SITUATIONAL) == []


def test_every_capture_is_compared_or_skipped() -> None:
    names = {p.name for p in HOOKS.glob("*.json")}
    assert names == set(SITUATIONS) | set(SKIPPED)
