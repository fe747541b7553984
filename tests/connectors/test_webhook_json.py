"""Bodies that `json.loads` refuses with something other than JSONDecodeError, or accepts but
nothing downstream can store: every webhook parser answers MalformedEvent (found by fuzzing)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jirasync.connectors.hackerone.webhooks import parse_webhook as parse_hackerone
from jirasync.connectors.jira.webhooks import parse_webhook as parse_jira
from jirasync.connectors.pagerduty.webhooks import parse_webhook as parse_pagerduty
from jirasync.core.events import MalformedEvent

PARSERS: dict[str, Callable[[bytes], object]] = {
    "jira": parse_jira,
    "pagerduty": parse_pagerduty,
    "hackerone": lambda raw: parse_hackerone(raw, "report_triaged"),
}


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"id": ' + b"9" * 5000 + b"}", "not JSON.*digits"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b'{"issue": {"id": "\\ud800"}}', "surrogate"),
        (b'{"a": ["x", {"\\udfff": 1}]}', "surrogate"),
        (b'{"a": "\xed\xa0\x80"}', "not JSON|surrogate"),
        (b'{"a": "\\uDBFF"}', "surrogate"),
        ('{"a": "\ud800"}'.encode("utf-16-le", "surrogatepass"), "not JSON|surrogate"),
    ],
)
def test_bodies_json_cannot_read_are_malformed(parser: str, raw: bytes, message: str) -> None:
    with pytest.raises(MalformedEvent, match=message):
        PARSERS[parser](raw)


def test_a_surrogate_pair_is_text() -> None:
    event = parse_jira(b'{"webhookEvent": "jira:issue_created", "issue": {"id": "\\ud83d\\ude00"}}')
    assert event.issue_id == "😀"
