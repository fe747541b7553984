"""Client input never causes a 500: random JSON bodies and query strings (hypothesis) against
the write endpoints and the incident list, in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from jirasync.sim.common import SimConfig
from jirasync.sim.pagerduty import DEFAULT_SEED, create_app

HEADERS = {"Authorization": "Token token=pdsim-account-key-0001", "From": "alice@example.com"}
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 300)
    | st.text(max_size=8)
    | st.sampled_from(
        [
            "P1",
            "PPRI001",
            "PUSER01",
            "PSVC001",
            "PEPOL01",
            "resolved",
            "acknowledged",
            "triggered",
            "incident",
            "incident_reference",
            "user_reference",
            "service_reference",
            "high",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "type", "name", "value", "assignee", "content"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=8,
)
INCIDENT_FIELDS = [
    "type",
    "title",
    "status",
    "priority",
    "assignments",
    "escalation_level",
    "escalation_policy",
    "urgency",
    "resolution",
    "service",
    "incident_key",
    "body",
    "incident_type",
    "conference_bridge",
    "id",
]
incident_bodies = st.dictionaries(st.sampled_from(INCIDENT_FIELDS), json_values, max_size=6)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    seed = json.loads(json.dumps(DEFAULT_SEED))
    seed["webhook_subscriptions"] = []
    with TestClient(create_app(SimConfig(base_url="http://pd.test", seed=seed))) as tc:
        yield tc


def _ok(response: Any) -> None:
    assert response.status_code < 500, response.text
    response.json() if response.content else None  # always JSON when there is a body


@SETTINGS
@given(body=incident_bodies, wrap=st.booleans())
def test_update_incident(client: TestClient, body: dict[str, Any], wrap: bool) -> None:
    incident_id = client.get("/incidents", params={"date_range": "all"}, headers=HEADERS).json()[
        "incidents"
    ][0]["id"]
    payload = {"incident": body} if wrap else body
    _ok(client.put(f"/incidents/{incident_id}", json=payload, headers=HEADERS))
    _ok(
        client.put("/incidents", json={"incidents": [{**body, "id": incident_id}]}, headers=HEADERS)
    )


@SETTINGS
@given(body=incident_bodies)
def test_create_incident(client: TestClient, body: dict[str, Any]) -> None:
    _ok(client.post("/incidents", json={"incident": body}, headers=HEADERS))


@SETTINGS
@given(
    value=json_values,
    path=st.sampled_from(
        [
            "/incidents/1/notes",
            "/incidents/1/custom_fields/values",
            "/incidents/1/status_updates",
            "/incidents/1/responder_requests",
            "/incidents/1/snooze",
            "/webhook_subscriptions",
            "/v2/enqueue",
        ]
    ),
)
def test_other_writes(client: TestClient, value: Any, path: str) -> None:
    method = "PUT" if path.endswith("values") else "POST"
    for payload in (
        value,
        {"note": value},
        {"webhook_subscription": value},
        {"duration": value},
        {"custom_fields": value},
        {
            "routing_key": "a0c4e0f5d6b74f1c9e8d7c6b5a493827",
            "event_action": "trigger",
            "payload": value,
        },
    ):
        _ok(client.request(method, path, json=payload, headers=HEADERS))


@SETTINGS
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "limit",
                "offset",
                "total",
                "since",
                "until",
                "date_range",
                "sort_by",
                "statuses[]",
                "include[]",
                "incident_key",
                "service_ids[]",
                "is_overview",
                "urgencies[]",
                "query",
            ]
        ),
        st.text(max_size=12)
        | st.sampled_from(["2026-01-01T00:00:00Z", "all", "true", "-1", "100"]),
        max_size=5,
    )
)
def test_list_queries(client: TestClient, params: dict[str, str]) -> None:
    for path in ("/incidents", "/log_entries", "/users", "/services", "/incidents/1/log_entries"):
        _ok(client.get(path, params=params, headers=HEADERS))
