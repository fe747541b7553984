"""Every real PagerDuty webhook body we have parses into the event it describes; signatures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jirasync.connectors.pagerduty.webhooks import parse_webhook, sign, signature_valid
from jirasync.core.events import MalformedEvent, UnsupportedEvent

FIXTURES = Path(__file__).parents[2] / "fixtures" / "webhooks" / "pagerduty"

# file → (event type, incident id, agent id, service id)
CASES = {
    "pd-docs_incident.acknowledge.json": ("incident.acknowledged", "PRORDTY", "P553OPV", "PN49J75"),
    "pd-docs_incident.assign.json": ("incident.reassigned", "PRORDTY", "P553OPV", "PN49J75"),
    "pd-docs_incident.priority_updated.json": (
        "incident.priority_updated",
        "PGR0VU2",
        "PLH1HKV",
        "PF9KMXH",
    ),
    "pd-docs_incident.resolve.json": ("incident.resolved", "PRORDTY", "P553OPV", "PN49J75"),
    "pd-docs_incident.trigger.json": ("incident.triggered", "PRORDTY", "P553OPV", "PN49J75"),
    "zulip_acknowledged_v3.json": ("incident.acknowledged", "PQ1K5C8", "PJ0LVEB", "PA2P440"),
    "zulip_annotated_v3.json": ("incident.annotated", "Q3B15VLMF3ASBD", "PXRUEF2", None),
    "zulip_delegated_v3.json": ("incident.delegated", "Q3B15VLMF3ASBD", "PXRUEF2", "PLVTM9H"),
    "zulip_escalate_v3.json": ("incident.escalated", "Q3B15VLMF3ASBD", "PXRUEF2", "PLVTM9H"),
    "zulip_priority_updated_v3.json": (
        "incident.priority_updated",
        "Q3B15VLMF3ASBD",
        "PXRUEF2",
        "PLVTM9H",
    ),
    "zulip_reassigned_v3.json": ("incident.reassigned", "PIQUG8X", "PJ0LVEB", "PA2P440"),
    "zulip_reopened_v3.json": ("incident.reopened", "Q05XJA8GDXGOB3", "PXRUEF2", "PLVTM9H"),
    "zulip_resolved_v3.json": ("incident.resolved", "PCPZE64", "PJ0LVEB", "PA2P440"),
    "zulip_responder_added.json": ("incident.responder.added", "Q3B15VLMF3ASBD", "PXRUEF2", None),
    "zulip_status_updated_v3.json": (
        "incident.status_update_published",
        "Q3B15VLMF3ASBD",
        "PXRUEF2",
        None,
    ),
    "zulip_triggered_v3.json": ("incident.triggered", "PFQZPSY", "PJ0LVEB", "PA2P440"),
    "zulip_unacknowledged_v3.json": ("incident.unacknowledged", "PQ1K5C8", "PJ0LVEB", "PA2P440"),
}
NOT_SYNCED = {
    "pd-docs_service.updated.json": "service.updated",
    "pd-kb_pagey.ping.json": "pagey.ping",
}


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted([*CASES, *NOT_SYNCED])


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_parses_into_its_event(name: str) -> None:
    kind, incident_id, agent_id, service_id = CASES[name]
    [event] = parse_webhook((FIXTURES / name).read_bytes())
    assert (event.kind, event.incident_id, event.service_id) == (kind, incident_id, service_id)
    assert event.actor is not None and event.actor.id == agent_id
    assert event.event_id and event.occurred_at


def test_note_event_carries_the_note() -> None:
    [event] = parse_webhook((FIXTURES / "zulip_annotated_v3.json").read_bytes())
    assert event.note is not None and event.note.id == "PEMJB6G"
    assert event.note.content.startswith("Running KILL on long-running queries")


def test_priority_event_carries_the_new_priority() -> None:
    [event] = parse_webhook((FIXTURES / "zulip_priority_updated_v3.json").read_bytes())
    assert event.incident["priority"]["summary"]


@pytest.mark.parametrize("name", sorted(NOT_SYNCED))
def test_other_resources_and_pings_are_unsupported(name: str) -> None:
    with pytest.raises(UnsupportedEvent, match=re.escape(NOT_SYNCED[name])):
        parse_webhook((FIXTURES / name).read_bytes())


def test_captured_ping_with_headers() -> None:
    capture = json.loads(
        (FIXTURES / "other" / "n8n-readme_pagey.ping_request_with_headers.json").read_bytes()
    )
    headers = {k.lower(): v for k, v in capture["headers"].items()}
    assert headers["user-agent"].startswith("PagerDuty-Webhook/V3")
    with pytest.raises(UnsupportedEvent, match=r"pagey\.ping"):
        parse_webhook(json.dumps(capture["body"]).encode())


def test_v2_message_list_gives_one_event_per_message() -> None:
    one = json.loads((FIXTURES / "pd-docs_incident.trigger.json").read_bytes())
    two = json.loads((FIXTURES / "pd-docs_incident.resolve.json").read_bytes())
    body = {"messages": one["messages"] + two["messages"]}
    events = parse_webhook(json.dumps(body).encode())
    assert [e.kind for e in events] == ["incident.triggered", "incident.resolved"]


def test_signature_vector_from_go_pagerduty() -> None:
    vector = json.loads((FIXTURES / "other" / "signature-vector.json").read_bytes())
    body = (FIXTURES / "other" / "signature-body.json").read_bytes()
    secret = vector["secret"]
    assert sign(body, secret) == vector["valid_header"]
    assert signature_valid(body, vector["valid_header"], [secret])
    assert not signature_valid(body, vector["mismatch_header"], [secret])
    # Rotation: two signatures in the header; one secret matches one of them.
    assert signature_valid(body, vector["rotation_header_example"], ["old-secret", secret])
    assert not signature_valid(body + b" ", vector["valid_header"], [secret])
    assert not signature_valid(body, None, [secret])
    assert not signature_valid(body, vector["valid_header"], [""])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "not JSON"),
        (b"null", "JSON object"),
        (b'{"hello": 1}', "neither"),
        (b'{"event": {"id": "E1", "event_type": "incident.triggered"}}', "event.data"),
        (
            b'{"event": {"id": "E1", "event_type": "incident.triggered", "data": {"type": "incident"}}}',
            "incident id",
        ),
        (
            b'{"event": {"event_type": "incident.triggered", "data": {"type": "incident", "id": "P1"}}}',
            "event.id",
        ),
        (
            b'{"event": {"id": "E1", "event_type": "incident.annotated", "data": {"type": "incident_note"}}}',
            "no incident reference",
        ),
        (b'{"messages": [3]}', r"messages\[0\]"),
        (b'{"messages": [{"event": "incident.trigger", "id": "M1"}]}', r"messages\[0\].incident"),
    ],
)
def test_malformed_bodies_say_what_is_wrong(raw: bytes, message: str) -> None:
    with pytest.raises(MalformedEvent, match=message):
        parse_webhook(raw)
