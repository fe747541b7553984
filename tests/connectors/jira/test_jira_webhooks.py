"""Every real Jira webhook body we have parses into the event it describes (one row each)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jirasync.connectors.jira.webhooks import parse_webhook
from jirasync.core.events import IssueEventKind, MalformedEvent, UnsupportedEvent

FIXTURES = Path(__file__).parents[2] / "fixtures" / "webhooks" / "jira"
K = IssueEventKind

# file → (kind, issue id, issue key, actor name, comment id, first change (field, from, to))
CASES = {
    "cloud-webhook-cloud-comment-created.json": (K.COMMENT_CREATED, "10040", "TES-41", "admin", "10019", None),
    "cloud-webhook-issue-created.json": (K.CREATED, "10040", "TES-41", "admin", None, ("description", None, None)),
    "cloud-webhook-issue-deleted.json": (K.DELETED, "10303", "IDT-19", "admin", None, None),
    "webhook-issue-comment-created-indentation.json": (K.COMMENT_CREATED, "10101", "TEST-4", "test", "10503", None),
    "webhook-issue-updated-assigned-on-server.json": (K.UPDATED, "10226", "PRJA-37", "admin", None, ("assignee", None, "admin")),
    "webhook-server-comment-created.json": (K.COMMENT_CREATED, "10013", None, "levbrouk", "10082", None),
    "webhook-server-comment-deleted.json": (K.COMMENT_DELETED, "10013", None, "levbrouk", "10084", None),
    "webhook-server-comment-updated.json": (K.COMMENT_UPDATED, "10013", None, "levbrouk", "10084", None),
    "webhook-server-issue-updated-closed.json": (K.UPDATED, "10300", "TES-4", "admin", None, ("status", "5", "6")),
    "webhook-server-issue-updated-comment-deleted.json": (K.COMMENT_DELETED, "10013", "PRJX-14", "levbrouk", None, None),
    "webhook-server-issue-updated-comment-edited.json": (K.COMMENT_UPDATED, "10013", "PRJX-14", "levbrouk", "10084", None),
    "webhook-server-issue-updated-commented-1.json": (K.COMMENT_CREATED, "10013", "PRJX-14", "levbrouk", "10082", None),
    "webhook-server-issue-updated-commented-2.json": (K.COMMENT_CREATED, "10231", "PRJA-42", "TestUser", "10118", None),
    "webhook-server-issue-updated-commented-3.json": (K.COMMENT_CREATED, "10231", "PRJA-42", "TestUser", "10118", None),
    "webhook-server-issue-updated-commented-mention-user.json": (K.COMMENT_CREATED, "10013", "PRJX-14", "levbrouk", "10082", None),
    "webhook-server-issue-updated-in-progress.json": (K.UPDATED, "10300", "TES-4", "admin", None, ("status", "4", "3")),
    "webhook-server-issue-updated-many-fields.json": (K.UPDATED, "10400", "HEY-15", "mickmister", None, ("labels", None, None)),
    "webhook-server-issue-updated-reopened.json": (K.UPDATED, "10300", "TES-4", "admin", None, ("resolution", "10000", None)),
    "webhook-server-issue-updated-resolved.json": (K.UPDATED, "10300", "TES-4", "admin", None, ("status", "3", "5")),
    # An old Server says nothing about what changed: an update with no changes (the worker re-reads).
    "webhook-server-old-issue-updated-no-event-type-comment-deleted.json": (K.UPDATED, "10013", "PRJX-14", "levbrouk", None, None),
    "webhook-server-old-issue-updated-no-event-type-comment-edited.json": (K.COMMENT_UPDATED, "10013", "PRJX-14", "levbrouk", "10084", None),
    "webhook-server-old-issue-updated-no-event-type-commented.json": (K.COMMENT_CREATED, "10013", "PRJX-14", "levbrouk", "10082", None),
    "webhook-server-updated-custom-field.json": (K.UPDATED, "10106", "TES-8", "test", None, ("numfield", None, None)),
}  # fmt: skip


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_parses_into_its_event(name: str) -> None:
    kind, issue_id, key, actor, comment_id, first_change = CASES[name]
    event = parse_webhook((FIXTURES / name).read_bytes())
    assert (event.kind, event.issue_id, event.issue_key) == (kind, issue_id, key)
    assert event.actor is not None and event.actor.name == actor
    assert event.comment_id == comment_id
    if first_change is None:
        assert event.changes == () or kind is K.CREATED
    else:
        change = event.changes[0]
        assert (change.field, change.from_id, change.to_id) == first_change
    assert isinstance(event.timestamp_ms, int)


def test_resolve_carries_status_and_resolution_names() -> None:
    event = parse_webhook((FIXTURES / "webhook-server-issue-updated-resolved.json").read_bytes())
    status = event.change_of("status")
    resolution = event.change_of("resolution")
    assert status is not None and resolution is not None
    assert (status.from_text, status.to_text) == ("In Progress", "Resolved")
    assert resolution.to_text == "Done"


def test_comment_and_changelog_in_one_body_is_an_update_with_the_comment() -> None:
    body = json.loads((FIXTURES / "webhook-server-issue-updated-commented-1.json").read_bytes())
    body["changelog"] = {
        "id": "10102",
        "items": [
            {
                "field": "status",
                "fieldtype": "jira",
                "from": "1",
                "fromString": "Open",
                "to": "3",
                "toString": "In Progress",
            }
        ],
    }
    event = parse_webhook(json.dumps(body).encode())
    assert event.kind is K.UPDATED and event.comment_id == "10082"
    assert event.change_of("status") is not None


def test_post_function_body_without_webhook_event_is_an_update() -> None:
    body = json.loads((FIXTURES / "webhook-server-issue-updated-closed.json").read_bytes())
    event = parse_webhook(json.dumps({"issue": body["issue"]}).encode())
    assert event.kind is K.UPDATED and event.issue_id == "10300" and event.actor is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "not JSON"),
        (b"{truncated", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"webhookEvent": 3}', "webhookEvent"),
        (b'{"webhookEvent": "jira:issue_updated"}', "issue"),
        (b'{"webhookEvent": "jira:issue_updated", "issue": {"key": "A-1"}}', "issue.id"),
        (
            b'{"webhookEvent": "comment_created", "comment": {"id": "1", "self": "x"}}',
            "comment.self",
        ),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_malformed_bodies_say_what_is_wrong(raw: bytes, message: str) -> None:
    with pytest.raises(MalformedEvent, match=message):
        parse_webhook(raw)


def test_events_we_do_not_sync_are_unsupported_not_malformed() -> None:
    with pytest.raises(UnsupportedEvent, match="worklog_created"):
        parse_webhook(b'{"webhookEvent": "worklog_created", "worklog": {}}')


@pytest.mark.parametrize("stamp", ["²", "١٢٣", "1_000", " 12", "9" * 5000])
def test_a_timestamp_that_is_not_plain_digits_is_absent(stamp: str) -> None:
    body = {"webhookEvent": "jira:issue_created", "issue": {"id": "1"}, "timestamp": stamp}
    assert parse_webhook(json.dumps(body).encode()).timestamp_ms is None
