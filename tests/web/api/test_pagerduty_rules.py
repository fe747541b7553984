"""The rules API answers as PagerDuty's Jira Server Integration API does: the example rule of
PagerDuty's own document round-trips, and every answer validates against that document
(openapi-core), replayed as if it had gone to PagerDuty's server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from tests.web.api.conftest import Api
from werkzeug.datastructures import Headers, ImmutableMultiDict

from jirasync.web.api import PREFIX

FIXTURES = Path(__file__).parents[2] / "fixtures"
SPEC_FILE = FIXTURES / "pagerduty" / "openapi" / "integration-jira-service.openapiv3.json"
EXAMPLE = FIXTURES / "rules" / "pagerduty_GET_rules_example.json"
SPEC_SERVER = "https://app.pagerduty.com"
SPEC_BASE = "/integration-jira-service"
SIGNATURE = {"x-pagerduty-jira-signature": "eyJ0eXAiOiJK.unused"}
URL = f"{PREFIX}/pagerduty/rules"


@dataclass
class SpecRequest:
    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str = SPEC_SERVER


@dataclass
class SpecResponse:
    data: bytes
    status_code: int
    content_type: str
    headers: Headers = field(default_factory=Headers)


@pytest.fixture(scope="module")
def spec() -> OpenAPI:
    return OpenAPI.from_dict(json.loads(SPEC_FILE.read_text()))


def conforms(spec: OpenAPI, answer: httpx.Response) -> httpx.Response:
    """Validate the answer against PagerDuty's document; return it for further checks."""
    sent = answer.request
    url = urlsplit(str(sent.url))
    request = SpecRequest(
        method=sent.method.lower(),
        path=SPEC_BASE + url.path.removeprefix(f"{PREFIX}/pagerduty"),
        body=sent.content or None,
        content_type=sent.headers.get("content-type", "application/json"),
        parameters=RequestParameters(
            query=ImmutableMultiDict(httpx.QueryParams(url.query).multi_items()),
            header=Headers(sent.headers.items()),
        ),
    )
    response = SpecResponse(
        data=answer.content,
        status_code=answer.status_code,
        content_type=answer.headers.get("content-type", "application/json").split(";")[0],
        headers=Headers(answer.headers.items()),
    )
    spec.validate_response(request, response)  # type: ignore[arg-type]
    return answer


def example_rule() -> dict[str, Any]:
    rule: dict[str, Any] = json.loads(EXAMPLE.read_text())["rules"][0]
    return rule


def connections(api: Api, pagerduty: int = 1) -> None:
    bodies = [{"name": "jira", "kind": "jira", "credentials": {"username": "u", "password": "p"}}]
    bodies += [
        {"name": f"pd{i}", "kind": "pagerduty", "credentials": {"api_key": "k"}}
        for i in range(pagerduty)
    ]
    for body in bodies:
        made = api.client.post(
            f"{PREFIX}/connections",
            json={**body, "base_url": "http://127.0.0.1:9"},
            headers=api.as_admin(),
        )
        assert made.status_code == 201


def headers(api: Api) -> dict[str, str]:
    return {**api.as_admin(), **SIGNATURE}


def test_pagerdutys_example_rule_round_trips(api: Api, spec: OpenAPI) -> None:
    connections(api)
    sent = example_rule()
    created = conforms(spec, api.client.post(URL, json={"rule": sent}, headers=headers(api)))
    assert created.status_code == 200  # PagerDuty answers 200, not 201
    rule = created.json()["rule"]
    assert {k: v for k, v in rule.items() if k in sent and k != "created_at"} == {
        k: v for k, v in sent.items() if k != "created_at"
    }
    assert rule["id"] and rule["created_at"].endswith("Z")
    got = conforms(spec, api.client.get(f"{URL}/{rule['id']}", headers=headers(api)))
    assert got.json()["rule"] == rule
    # A rule sent back as it came (with its read-only keys) is accepted.
    changed = {**rule, "name": "Renamed", "enabled": False}
    put = conforms(
        spec, api.client.put(f"{URL}/{rule['id']}", json={"rule": changed}, headers=headers(api))
    )
    assert put.json()["rule"]["name"] == "Renamed" and put.json()["rule"]["enabled"] is False
    assert put.json()["rule"]["config"] == sent["config"]
    deleted = conforms(spec, api.client.delete(f"{URL}/{rule['id']}", headers=headers(api)))
    assert deleted.status_code == 204
    gone = conforms(spec, api.client.get(f"{URL}/{rule['id']}", headers=headers(api)))
    assert gone.status_code == 404
    assert gone.json() == {"error": {"message": "Record not found"}}


def test_lists_page_as_pagerduty_does(api: Api, spec: OpenAPI) -> None:
    connections(api)
    for i in range(3):
        rule = {**example_rule(), "name": f"Rule {i}"}
        conforms(spec, api.client.post(URL, json={"rule": rule}, headers=headers(api)))
    first = conforms(spec, api.client.get(URL, params={"limit": 2}, headers=headers(api))).json()
    assert [r["name"] for r in first["rules"]] == ["Rule 0", "Rule 1"]
    assert (first["offset"], first["limit"], first["more"], first["total"]) == (0, 2, True, None)
    rest = conforms(
        spec,
        api.client.get(
            URL, params={"limit": 2, "offset": 2, "total": "true"}, headers=headers(api)
        ),
    ).json()
    assert [r["name"] for r in rest["rules"]] == ["Rule 2"]
    assert (rest["more"], rest["total"]) == (False, 3)
    too_many = api.client.get(URL, params={"limit": 101}, headers=headers(api))
    assert too_many.status_code == 400


def test_errors_have_pagerdutys_shape(api: Api, spec: OpenAPI) -> None:
    connections(api)
    malformed = api.client.post(
        URL, content=b'{"rule": ', headers={**headers(api), "Content-Type": "application/json"}
    )
    conforms(spec, malformed)
    assert malformed.status_code == 400
    assert malformed.json() == {"error": {"message": "Malformed json"}}
    nameless = {k: v for k, v in example_rule().items() if k != "name"}
    invalid = conforms(spec, api.client.post(URL, json={"rule": nameless}, headers=headers(api)))
    assert invalid.status_code == 400
    assert invalid.json()["error"] == {
        "message": "Invalid Input Provided",
        "errors": ["rule.name: Field required"],
    }
    no_services = example_rule()
    no_services["config"]["services"] = []
    empty = api.client.post(URL, json={"rule": no_services}, headers=headers(api))
    assert empty.json()["error"]["errors"] == [
        "rule.config.services: List should have at least 1 item after validation, not 0"
    ]
    viewer = conforms(
        spec,
        api.client.post(
            URL, json={"rule": example_rule()}, headers={**api.as_viewer(), **SIGNATURE}
        ),
    )
    assert viewer.status_code == 403
    assert viewer.json()["error"]["message"].startswith("Authorization error")


def test_which_connections_a_rule_joins(api: Api) -> None:
    connections(api, pagerduty=2)
    ambiguous = api.client.post(URL, json={"rule": example_rule()}, headers=headers(api))
    assert ambiguous.status_code == 400
    assert "pagerduty_connection_id" in ambiguous.json()["error"]["errors"][0]
    assert "pd0" in ambiguous.json()["error"]["errors"][0]
    chosen = api.client.post(
        URL,
        params={"pagerduty_connection_id": 3},
        json={"rule": example_rule()},
        headers=headers(api),
    )
    assert chosen.json()["rule"]["pagerduty_connection_id"] == 3
    listed = api.client.get(URL, params={"pagerduty_connection_id": 2}, headers=headers(api))
    assert listed.json()["rules"] == []
    unknown = api.client.post(
        URL, params={"jira_connection_id": 3}, json={"rule": example_rule()}, headers=headers(api)
    )
    assert unknown.status_code == 400


def test_rules_move_in_the_evaluation_order(api: Api) -> None:
    connections(api)
    made = []
    for name in ("first", "second", "third"):
        rule = example_rule() | {"name": name}
        made.append(api.client.post(URL, json={"rule": rule}, headers=headers(api)).json())

    def order() -> list[str]:
        listed = api.client.get(URL, headers=headers(api)).json()["rules"]
        return [r["name"] for r in listed]

    third = made[2]["rule"]["id"]
    moved = api.client.post(f"{URL}/{third}/move", json={"by": -2}, headers=headers(api))
    assert moved.status_code == 200, moved.text
    assert moved.json()["rule"]["name"] == "third"
    assert order() == ["third", "first", "second"]
    # Past either end it stops there.
    api.client.post(f"{URL}/{third}/move", json={"by": 99}, headers=headers(api))
    assert order() == ["first", "second", "third"]
    unknown = api.client.post(f"{URL}/999/move", json={"by": 1}, headers=headers(api))
    assert unknown.status_code == 404
    wrong = api.client.post(f"{URL}/{third}/move", json={"by": "up"}, headers=headers(api))
    assert wrong.status_code == 400
