"""The reconciler's pieces without a network: the names it gives Jira changes (and that the
webhook route gives the same changes), the bodies it synthesises, its cursor store, and the
PostgreSQL lock that lets one process at a time poll."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jirasync.config import ReconcilerSettings
from jirasync.connectors.jira.delivery import delivery_id
from jirasync.connectors.jira.webhooks import parse_event
from jirasync.core.events import IssueEventKind
from jirasync.crypto import SecretBox, load_or_create_key
from jirasync.engine.inbox import Inbox
from jirasync.store.db import Database
from jirasync.sync.reconciler import Cursors, Reconciler, jira_changes
from jirasync.sync.runtime import SyncRuntime

WEBHOOKS = Path(__file__).parents[1] / "fixtures" / "jira" / "webhooks" / "mattermost-plugin-jira"


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((WEBHOOKS / name).read_text())
    return body


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("webhook-server-issue-updated-resolved.json", "changelog-10414"),
        ("webhook-server-issue-updated-commented-1.json", "comment-10082"),
        # Old Servers send no event type: the same comment gets the same name.
        ("webhook-server-old-issue-updated-no-event-type-commented.json", "comment-10082"),
        (
            "webhook-server-comment-updated.json",
            "comment-10084-edited-2019-06-04T00:53:33.665+0000",
        ),
        ("webhook-server-comment-deleted.json", "comment-10084-deleted"),
    ],
)
def test_real_webhook_bodies_are_named_by_their_change(name: str, expected: str) -> None:
    body = fixture(name)
    assert delivery_id(body, parse_event(body)) == expected


SINCE = 1_700_000_000_000


def stamp(offset_s: int) -> str:
    moment = datetime.fromtimestamp(SINCE / 1000 + offset_s, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def polled_issue() -> dict[str, Any]:
    alice = {"name": "alice", "key": "alice", "displayName": "Alice"}
    status = {"field": "status", "fieldtype": "jira", "from": "1", "to": "3"}
    return {
        "id": "10001",
        "key": "SUP-1",
        "fields": {
            "created": stamp(-600),
            "updated": stamp(30),
            "comment": {
                "comments": [
                    {"id": "1", "body": "old", "created": stamp(-500), "updated": stamp(-500)},
                    {"id": "2", "body": "new", "created": stamp(10), "updated": stamp(10)},
                    {"id": "3", "body": "edited", "created": stamp(-400), "updated": stamp(20)},
                ]
            },
        },
        "changelog": {
            "histories": [
                {"id": "500", "author": alice, "created": stamp(-300), "items": [status]},
                {"id": "501", "author": alice, "created": stamp(5), "items": [status]},
            ]
        },
    }


def test_polled_changes_are_the_bodies_the_route_names_the_same_way() -> None:
    changes = jira_changes(polled_issue(), SINCE)
    assert [name for name, _ in changes] == [
        "changelog-501",
        "comment-2",
        f"comment-3-edited-{stamp(20)}",
    ]
    kinds = []
    for name, body in changes:
        event = parse_event(body)
        assert delivery_id(body, event) == name  # a webhook of this change is a duplicate
        assert "changelog" not in (event.issue or {})
        kinds.append(event.kind)
    assert kinds == [
        IssueEventKind.UPDATED,
        IssueEventKind.COMMENT_CREATED,
        IssueEventKind.COMMENT_UPDATED,
    ]
    assert parse_event(changes[0][1]).changes[0].to_id == "3"


def test_a_field_changed_again_later_is_replayed_only_at_its_latest_value() -> None:
    issue = polled_issue()
    priority = {"field": "priority", "fieldtype": "jira", "from": "3", "to": "1"}
    status = {"field": "status", "fieldtype": "jira", "from": "3", "to": "4"}
    alice = {"name": "alice"}
    issue["changelog"]["histories"] += [
        {"id": "502", "author": alice, "created": stamp(40), "items": [priority]},
        {"id": "503", "author": alice, "created": stamp(50), "items": [status]},
    ]
    changes = dict(jira_changes(issue, SINCE))
    assert "changelog-501" not in changes  # its only item, status, was changed again by 503
    assert [i["field"] for i in changes["changelog-502"]["changelog"]["items"]] == ["priority"]
    assert changes["changelog-503"]["changelog"]["items"] == [status]


def test_an_issue_created_in_the_window_comes_first() -> None:
    issue = polled_issue()
    issue["fields"]["created"] = stamp(1)
    changes = jira_changes(issue, SINCE)
    assert changes[0][0] == "issue-10001-created"
    assert parse_event(changes[0][1]).kind is IssueEventKind.CREATED


async def test_cursors_are_upserted(any_db: Database) -> None:
    await any_db.statement(
        lambda conn: conn.exec_driver_sql(
            "INSERT INTO connections (id, kind, name, base_url, enabled, options,"
            " credentials_encrypted, created_at, updated_at) VALUES"
            " (7, 'jira', 'j', 'http://j', true, '{}', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    )
    cursors = Cursors(any_db)
    assert await cursors.get(7) is None
    await cursors.set(7, "1000")
    await cursors.set(7, "2000")
    assert await cursors.get(7) == "2000"


@pytest.mark.postgres
async def test_one_process_reconciles_at_a_time_on_postgresql(
    pg_db: Database, tmp_path: Path
) -> None:
    secrets = SecretBox(load_or_create_key(None, tmp_path))
    runtime = SyncRuntime(pg_db, secrets)
    settings = ReconcilerSettings()
    first = Reconciler(runtime, Inbox(pg_db), settings)
    second = Reconciler(runtime, Inbox(pg_db), settings)
    try:
        async with first._exclusive() as mine:
            assert mine
            async with second._exclusive() as theirs:
                assert not theirs
        async with second._exclusive() as theirs:
            assert theirs  # released when the first pass ended
    finally:
        await runtime.close()
