"""Any input to a webhook parser or the JQL parser gives a parsed result or the parser's own
error (MalformedEvent / UnsupportedEvent / JqlError), never another exception; and what a
parser returns can be stored (ids are non-empty text the database accepts)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz.strategies import (
    FIXTURES,
    H1_EVENTS,
    JIRA_BODIES,
    PAGERDUTY_BODIES,
    bodies,
    examples,
    hackerone_bodies,
    load,
)

from jirasync.connectors.hackerone.webhooks import parse_webhook as parse_hackerone
from jirasync.connectors.jira.delivery import delivery_id
from jirasync.connectors.jira.webhooks import parse_body, parse_event
from jirasync.connectors.pagerduty.webhooks import parse_webhook as parse_pagerduty
from jirasync.core.events import MalformedEvent, UnsupportedEvent
from jirasync.jql import JqlError, parse

PARSE_ERRORS = (MalformedEvent, UnsupportedEvent)


def storable(text: str | None) -> bool:
    """Non-empty text that encodes as UTF-8 (a lone surrogate would fail the inbox insert)."""
    if not text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


@examples(300)
@given(bodies([load(p) for p in JIRA_BODIES]))
def test_jira_webhook_parser(raw: bytes) -> None:
    try:
        body = parse_body(raw)
        event = parse_event(body)
        delivery = delivery_id(body, event)  # the route names the change right after parsing
    except PARSE_ERRORS:
        return
    assert storable(event.issue_id), event.issue_id
    assert delivery is None or storable(delivery), delivery


@examples(300)
@given(bodies([load(p) for p in PAGERDUTY_BODIES]))
def test_pagerduty_webhook_parser(raw: bytes) -> None:
    try:
        events = parse_pagerduty(raw)
    except PARSE_ERRORS:
        return
    for event in events:
        assert storable(event.event_id) and storable(event.incident_id), event


@examples(300)
@given(
    bodies(hackerone_bodies()),
    st.sampled_from(H1_EVENTS) | st.none() | st.text(max_size=10),
)
def test_hackerone_webhook_parser(raw: bytes, name: str | None) -> None:
    try:
        event = parse_hackerone(raw, name, "delivery-1")
    except PARSE_ERRORS:
        return
    assert storable(event.report_id), event.report_id


_QUERIES = load(FIXTURES / "jql" / "atlaskit" / "query.json")
REAL_QUERIES = [*_QUERIES["valid"], *_QUERIES["invalid"]]
JQL_PIECES = st.sampled_from(
    [
        "(",
        ")",
        '"',
        "'",
        "\\",
        ",",
        "=",
        "~",
        "!",
        "<=",
        " AND ",
        " OR ",
        " NOT ",
        " in ",
        " is ",
        " was ",
        " changed ",
        " ORDER BY ",
        "cf[",
        "]",
        "()",
        "empty",
        "-1d",
        "\x00",
        "\n",
        "𝕁",
        "9" * 30,
    ]
)


@st.composite
def edited_queries(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(REAL_QUERIES))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(JQL_PIECES | st.text(max_size=3)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
    return text


@examples(400)
@given(st.text(max_size=60) | edited_queries() | st.sampled_from(REAL_QUERIES))
def test_jql_parser(text: str) -> None:
    try:
        parse(text)
    except JqlError:
        pass


def test_deep_nesting_is_a_jql_error_or_a_query() -> None:
    for depth in (50, 500, 5000):
        try:
            parse("(" * depth + "a = 1" + ")" * depth)
        except JqlError:
            pass
