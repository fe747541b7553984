"""HackerOne webhook deliveries: the signature, the envelope, and what is malformed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jirasync.connectors.hackerone.webhooks import parse_webhook, sign, signature_valid
from jirasync.core.events import MalformedEvent, UnsupportedEvent

FIXTURES = Path(__file__).parents[2] / "fixtures" / "reports"
REPORT = json.loads((FIXTURES / "report_322474.json").read_text())


def delivery(activity_file: str) -> bytes:
    activity = json.loads((FIXTURES / activity_file).read_text())
    return json.dumps({"data": {"activity": activity, "report": REPORT}}).encode()


@pytest.mark.parametrize(
    ("event", "activity_file", "activity_type", "actor", "message"),
    [
        (
            "report_comment_created",
            "activity-comment.json",
            "activity-comment",
            "api-example",
            "Comment!",
        ),
        (
            "report_triaged",
            "activity-bug-triaged.json",
            "activity-bug-triaged",
            "api-example",
            "Bug Triaged!",
        ),
        (
            "report_bounty_awarded",
            "activity-bounty-awarded.json",
            "activity-bounty-awarded",
            "security",
            "Bounty Awarded!",
        ),
        (
            "report_closed_as_duplicate",
            "activity-bug-duplicate.json",
            "activity-bug-duplicate",
            "api-example",
            "Bug Duplicate!",
        ),
    ],
)
def test_deliveries_parse(
    event: str, activity_file: str, activity_type: str, actor: str, message: str
) -> None:
    parsed = parse_webhook(delivery(activity_file), event, "d-1")
    assert (parsed.event, parsed.activity_type, parsed.report_id) == (
        event,
        activity_type,
        "322474",
    )
    assert parsed.actor is not None and parsed.actor.name == actor
    assert parsed.message == message and parsed.delivery_id == "d-1"
    assert parsed.program_handle == "candiedcode_v2"
    assert parsed.internal is False


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = delivery("activity-comment.json")
    header = sign(body, "s3cret")
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert signature_valid(body, header, "s3cret")
    assert not signature_valid(body, header, "other")
    assert not signature_valid(body + b" ", header, "s3cret")
    assert not signature_valid(body, None, "s3cret")
    # No secret configured: HackerOne signs with the empty key.
    assert signature_valid(body, sign(body, ""), "")


@pytest.mark.parametrize(
    ("raw", "event", "message"),
    [
        (b"{}", None, "X-H1-Event"),
        (b"nope", "report_triaged", "not JSON"),
        (b'{"data": 1}', "report_triaged", "'data' object"),
        (b'{"data": {"report": {"id": "1"}}}', "report_triaged", "data.activity"),
        (b'{"data": {"activity": {}}}', "report_triaged", "data.report"),
        (b'{"data": {"activity": {}, "report": {}}}', "report_triaged", "data.report.id"),
    ],
)
def test_malformed_deliveries(raw: bytes, event: str | None, message: str) -> None:
    with pytest.raises(MalformedEvent, match=message):
        parse_webhook(raw, event)


def test_program_events_are_unsupported() -> None:
    with pytest.raises(UnsupportedEvent, match="program_hacker_joined"):
        parse_webhook(b"{}", "program_hacker_joined")


@pytest.mark.parametrize(
    "activity",
    [
        {"attributes": ["internal"]},
        {"relationships": [1]},
        {"relationships": {"actor": "x"}},
        {"relationships": {"actor": {"data": {"id": 7, "attributes": [1]}}}},
    ],
)
def test_optional_parts_of_the_wrong_shape_are_absent(activity: dict[str, object]) -> None:
    report = {"id": "1", "relationships": {"program": {"data": ["acme"]}}}
    body = json.dumps({"data": {"activity": activity, "report": report}}).encode()
    event = parse_webhook(body, "report_triaged")
    assert (event.report_id, event.message, event.internal) == ("1", "", False)
    assert event.program_handle is None
    assert event.actor is None or (event.actor.id, event.actor.name) == ("7", None)
