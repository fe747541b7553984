"""Inputs for the fuzz suite: random bytes, random JSON, and real webhook bodies with a few
random changes, plus the example budget (small in CI, large with JIRASYNC_FUZZ_EXAMPLES)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).parents[1] / "fixtures"
JIRA_BODIES = sorted((FIXTURES / "webhooks" / "jira").glob("*.json"))
PAGERDUTY_BODIES = sorted((FIXTURES / "webhooks" / "pagerduty").glob("*.json"))
H1_EVENTS = [
    "report_created",
    "report_triaged",
    "report_comment_created",
    "report_resolved",
    "report_bounty_awarded",
    "report_closed_as_duplicate",
    "program_hacker_joined",
]


def examples(default: int) -> settings:
    """`default` examples per test; JIRASYNC_FUZZ_EXAMPLES=N runs N each (a long run)."""
    wanted = int(os.environ.get("JIRASYNC_FUZZ_EXAMPLES") or default)
    return settings(
        max_examples=wanted,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def load(path: Path) -> Any:
    return json.loads(path.read_text())


def hackerone_bodies() -> list[dict[str, Any]]:
    """`{"data": {"activity", "report"}}` for every recorded activity, as HackerOne posts it."""
    report = load(FIXTURES / "reports" / "report_322474.json")
    activities = sorted((FIXTURES / "hackerone" / "h1-python-objects").glob("activity-*.json"))
    activities += sorted((FIXTURES / "reports").glob("activity-*.json"))
    return [{"data": {"activity": load(path), "report": report}} for path in activities]


# Names the parsers look for, so random objects often reach deep code paths.
KEYS = (
    "webhookEvent issue_event_type_name issue id key self fields comment changelog items "
    "field fieldtype from to fromString toString user author name emailAddress accountId "
    "displayName body created updated timestamp visibility event event_type data type "
    "incident incident_note content agent service messages log_entries channel summary "
    "occurred_at created_on activity report attributes relationships actor program handle "
    "username internal message"
).split()

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "",
            "²",
            "10001",
            "jira:issue_updated",
            "jira:issue_created",
            "comment_created",
            "issue_commented",
            "incident.triggered",
            "incident.annotate",
            "incident",
            "incident_note",
            "http://jira/rest/api/2/issue/10/comment/7",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=20,
)
json_objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)

# Bodies that are JSON but that no strategy above makes: number and nesting limits.
EDGE_BODIES = [
    b"1" * 5000,
    b'{"timestamp": ' + b"9" * 5000 + b"}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b"NaN",
    b'"\\ud800"',
    b'{"webhookEvent": "jira:issue_created", "issue": {"id": "\\udfff"}}',
    b"\xef\xbb\xbf{}",
    b"",
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replace(doc: Any, path: tuple[Any, ...], change: Callable[[Any], Any]) -> Any:
    if not path:
        return change(doc)
    head, rest = path[0], path[1:]
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[head] = _replace(doc[head], rest, change)
    return copy


_DELETE = object()


def _drop_deleted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_deleted(v) for k, v in value.items() if v is not _DELETE}
    if isinstance(value, list):
        return [_drop_deleted(v) for v in value if v is not _DELETE]
    return value


@st.composite
def mutated(draw: st.DrawFn, doc: Any) -> Any:
    """`doc` with one to three values replaced by random JSON, deleted, or wrapped."""
    paths = _paths(doc)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["replace", "delete", "wrap", "stringify"]))
        if how == "replace":
            new = draw(json_values)
            doc = _replace(doc, path, lambda _old, new=new: new)
        elif how == "delete" and path:
            doc = _replace(doc, path, lambda _old: _DELETE)
        elif how == "wrap":
            doc = _replace(doc, path, lambda old: [old])
        else:
            doc = _replace(doc, path, json.dumps)
        doc = _drop_deleted(doc)
        paths = _paths(doc)
    return doc


@st.composite
def byte_flipped(draw: st.DrawFn, raw: bytes) -> bytes:
    """`raw` with a few bytes overwritten, inserted or cut out."""
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        how = draw(st.sampled_from(["set", "insert", "cut"]))
        if how == "set" and data:
            data[at] = draw(st.integers(0, 255))
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[at : at + draw(st.integers(1, 16))]
    return bytes(data)


def bodies(real: list[Any]) -> st.SearchStrategy[bytes]:
    """Any body: random bytes, random JSON, an edge case, or a changed real body."""
    as_bytes = st.sampled_from(real).map(lambda doc: json.dumps(doc).encode())
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        json_objects.map(lambda v: json.dumps(v).encode()),
        st.sampled_from(EDGE_BODIES),
        st.sampled_from(real).flatmap(mutated).map(lambda v: json.dumps(v).encode()),
        as_bytes.flatmap(byte_flipped),
        as_bytes,
    )
