"""PagerDuty client against a scripted remote: requests it builds, answers it reads, errors."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from jirasync.connectors.http import RetryOptions
from jirasync.connectors.pagerduty import (
    ApiKeyAuth,
    IncidentUpdate,
    NewIncident,
    OAuthTokenAuth,
    PagerDutyClient,
    PagingCapReached,
)
from jirasync.core.errors import RemoteError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "clients" / "pagerduty"
BOT = "bot@example.com"
FAST = RetryOptions(max_attempts=3, max_wait_s=1.0, base_backoff_s=0.001)


def example(name: str, part: str = "response_200", key: str = "response") -> Any:
    """One example of the PagerDuty OpenAPI document (request or response body)."""
    return json.loads((FIXTURES / f"{name}.json").read_text())[part][key]


Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


class FakePagerDuty:
    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = defaultdict(list)
        self.seen: list[httpx.Request] = []

    def on(self, method: str, path: str, *answers: Answer) -> None:
        """Give these answers in order to `method path`, then repeat the last one."""
        self.answers[f"{method} {path}"].extend(answers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        queue = self.answers.get(f"{request.method} {request.url.path}")
        if not queue:
            return httpx.Response(404, json={"error": {"message": "Not Found", "code": 2100}})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request) if callable(answer) else answer

    @property
    def last(self) -> httpx.Request:
        return self.seen[-1]

    def body(self, index: int = -1) -> Any:
        return json.loads(self.seen[index].content)


@pytest.fixture
def pd() -> FakePagerDuty:
    return FakePagerDuty()


@pytest.fixture
def client(pd: FakePagerDuty) -> PagerDutyClient:
    return PagerDutyClient(
        "https://api.pagerduty.com",
        auth=ApiKeyAuth("k3y"),
        from_email=BOT,
        retry=FAST,
        transport=httpx.MockTransport(pd.handle),
    )


def ok(body: Any = None, status: int = 200, **headers: str) -> httpx.Response:
    return (
        httpx.Response(status, json=body, headers=headers)
        if body is not None
        else (httpx.Response(status, headers=headers))
    )


def last_page(name: str) -> Any:
    """A list example as the only page (the GET /incidents example says `more: true`)."""
    return {**example(name), "more": False}


def query(request: httpx.Request) -> list[tuple[str, str]]:
    return list(request.url.params.multi_items())


# -- transport, auth, headers ------------------------------------------------------------------
async def test_token_auth_accept_and_content_type_on_every_call(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/users/PXPGF42", ok(example("GET_users_id")))
    user = await client.user("PXPGF42")
    assert user["id"] == "PXPGF42"
    headers = pd.last.headers
    assert headers["authorization"] == "Token token=k3y"
    assert headers["accept"] == "application/vnd.pagerduty+json;version=2"
    assert headers["content-type"] == "application/json"
    assert "from" not in headers
    assert client.calls == {"GET /users/{id}": 1}


async def test_oauth_bearer_and_secrets_stay_out_of_reprs(pd: FakePagerDuty) -> None:
    pd.on("GET", "/users/me", ok(example("GET_users_me")))
    client = PagerDutyClient(
        auth=OAuthTokenAuth("s3cret"), transport=httpx.MockTransport(pd.handle), retry=FAST
    )
    await client.me()
    assert pd.last.headers["authorization"] == "Bearer s3cret"
    assert str(pd.last.url).startswith("https://api.pagerduty.com/users/me")
    assert "s3cret" not in repr(OAuthTokenAuth("s3cret"))
    assert "k3y" not in repr(ApiKeyAuth("k3y"))


# -- incidents -----------------------------------------------------------------------------------
async def test_incident_list_sends_filters_and_repeated_array_params(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/incidents", ok(last_page("GET_incidents")))
    found = client.incidents(
        incident_key="OPS-1",
        statuses=["triggered", "acknowledged"],
        service_ids=["PIJ90N7"],
        since=datetime(2026, 11, 1, tzinfo=UTC),
        until="2026-11-23T00:00:00Z",
        sort_by=["created_at:asc", "urgency"],
        include=["priorities"],
    )
    incidents = [i async for i in found]
    assert [i["id"] for i in incidents] == ["PT4KHLK"]
    assert query(pd.last) == [
        ("incident_key", "OPS-1"),
        ("since", "2026-11-01T00:00:00+00:00"),
        ("until", "2026-11-23T00:00:00Z"),
        ("sort_by", "created_at:asc,urgency"),
        ("statuses[]", "triggered"),
        ("statuses[]", "acknowledged"),
        ("service_ids[]", "PIJ90N7"),
        ("include[]", "priorities"),
        ("limit", "100"),
        ("offset", "0"),
    ]


async def test_get_incident_unwraps_and_asks_for_includes(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/incidents/PT4KHLK", ok(example("GET_incidents_id")))
    incident = await client.incident("PT4KHLK", include=["custom_fields"])
    assert incident["incident_number"] == 1234 and incident["type"] == "incident"
    assert query(pd.last) == [("include[]", "custom_fields")]


async def test_create_incident_sends_the_documented_body_with_from(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("POST", "/incidents", ok(example("POST_incidents", "response_201"), 201))
    documented = example("POST_incidents", "request", "request")["incident"]
    new = NewIncident(
        service_id="PWIXJZS",
        title="The server is on fire.",
        incident_key="baf7cf21b1da41b4b0221008339ff357",
        details=documented["body"]["details"],
        priority_id="P53ZZH5",
        urgency="high",
        escalation_policy_id="PT20YPA",
    )
    incident = await client.create_incident(new)
    assert incident["id"] == "PT4KHLK" and incident["status"] == "triggered"
    sent = pd.body()["incident"]
    assert sent == {k: v for k, v in documented.items() if k != "incident_type"}
    assert pd.last.headers["from"] == BOT


async def test_create_incident_assigns_users_and_refuses_assignees_with_a_policy(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("POST", "/incidents", ok(example("POST_incidents", "response_201"), 201))
    await client.create_incident(NewIncident("PWIXJZS", "t", assignee_ids=["PU1"]), "me@x.io")
    assert pd.body()["incident"]["assignments"] == [
        {"assignee": {"id": "PU1", "type": "user_reference"}}
    ]
    assert pd.last.headers["from"] == "me@x.io"
    both = NewIncident("PWIXJZS", "t", assignee_ids=["PU1"], escalation_policy_id="PEP")
    with pytest.raises(ValueError, match="not both"):
        await client.create_incident(both)


async def test_update_incident_sends_only_the_changes(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("PUT", "/incidents/PT4KHLK", ok(example("PUT_incidents_id")))
    incident = await client.update_incident("PT4KHLK", IncidentUpdate(status="acknowledged"))
    assert incident["id"] == "PT4KHLK"
    assert pd.body() == example("PUT_incidents_id", "request", "request")
    assert pd.last.headers["from"] == BOT

    change = IncidentUpdate(
        status="resolved", resolution="Fixed in OPS-7", priority_id="P1", title="New title"
    )
    await client.update_incident("PT4KHLK", change, acting_as="alice@example.com")
    assert pd.body() == {
        "incident": {
            "type": "incident_reference",
            "status": "resolved",
            "title": "New title",
            "resolution": "Fixed in OPS-7",
            "priority": {"id": "P1", "type": "priority_reference"},
        }
    }
    assert pd.last.headers["from"] == "alice@example.com"

    await client.update_incident("PT4KHLK", IncidentUpdate(escalation_policy_id="PEP"))
    assert pd.body()["incident"]["escalation_policy"] == {
        "id": "PEP",
        "type": "escalation_policy_reference",
    }
    with pytest.raises(ValueError, match="not both"):
        both = IncidentUpdate(assignee_ids=["PU1"], escalation_policy_id="PEP")
        await client.update_incident("PT4KHLK", both)


async def test_find_incident_by_key_looks_over_all_dates_on_the_service(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    listed = last_page("GET_incidents")
    pd.on("GET", "/incidents", ok(listed), ok({**listed, "incidents": []}))
    key = "baf7cf21b1da41b4b0221008339ff357"
    found = await client.find_incident_by_key("PIJ90N7", key)
    assert found is not None and found["id"] == "PT4KHLK"
    assert query(pd.last) == [
        ("incident_key", key),
        ("date_range", "all"),
        ("service_ids[]", "PIJ90N7"),
        ("limit", "100"),
        ("offset", "0"),
    ]
    assert await client.find_incident_by_key("PIJ90N7", key) is None


async def test_find_incident_by_key_ignores_other_services(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/incidents", ok(last_page("GET_incidents")))
    assert await client.find_incident_by_key("POTHER", "baf7cf21b1da41b4b0221008339ff357") is None


# -- notes and log entries ------------------------------------------------------------------------
async def test_notes_list_add_edit_delete(pd: FakePagerDuty, client: PagerDutyClient) -> None:
    pd.on("GET", "/incidents/PT4KHLK/notes", ok(example("GET_incidents_id_notes")))
    pd.on("POST", "/incidents/PT4KHLK/notes", ok(example("POST_incidents_id_notes")))
    pd.on("PUT", "/incidents/PT4KHLK/notes/PWL7QXS", ok(example("POST_incidents_id_notes")))
    pd.on("DELETE", "/incidents/PT4KHLK/notes/PWL7QXS", ok(status=204))

    notes = await client.notes("PT4KHLK")
    assert notes and all("content" in n for n in notes)
    assert query(pd.last) == []  # this list has no pagination

    note = await client.add_note("PT4KHLK", "Firefighters are on the scene.")
    assert note["content"] == "Firefighters are on the scene."
    assert pd.body() == example("POST_incidents_id_notes", "request", "request")

    await client.edit_note("PT4KHLK", "PWL7QXS", "edited", acting_as="alice@example.com")
    assert pd.body() == {"note": {"content": "edited"}}
    assert pd.last.headers["from"] == "alice@example.com"

    await client.delete_note("PT4KHLK", "PWL7QXS")
    assert pd.last.method == "DELETE" and "from" not in pd.last.headers


async def test_log_entries_of_the_account_and_of_one_incident(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    entries = example("GET_incidents_id_log_entries")  # the spec example has no `more`
    pd.on("GET", "/log_entries", ok(entries))
    pd.on("GET", "/incidents/PT4KHLK/log_entries", ok(entries))
    since = datetime(2026, 11, 23, 10, 0)  # naive means UTC
    got = [
        e
        async for e in client.log_entries(
            since=since, until="2026-11-23T11:00:00Z", include=["incidents"]
        )
    ]
    assert [e["type"] for e in got] == ["trigger_log_entry"]
    assert query(pd.last) == [
        ("since", "2026-11-23T10:00:00+00:00"),
        ("until", "2026-11-23T11:00:00Z"),
        ("include[]", "incidents"),
        ("limit", "100"),
        ("offset", "0"),
    ]
    one = [e async for e in client.incident_log_entries("PT4KHLK", is_overview=True)]
    assert len(one) == 1 and ("is_overview", "true") in query(pd.last)


# -- directory ---------------------------------------------------------------------------------
async def test_services_priorities_policies_users(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/services", ok(example("GET_services")))
    pd.on("GET", "/services/PIJ90N7", ok(example("GET_services_id")))
    pd.on("GET", "/priorities", ok(example("GET_priorities")))
    pd.on("GET", "/escalation_policies", ok(example("GET_escalation_policies")))
    pd.on("GET", "/users", ok(example("GET_users")))

    services = [s async for s in client.services(query="Mail")]
    assert services[0]["type"] == "service" and ("query", "Mail") in query(pd.last)
    assert (await client.service("PIJ90N7"))["id"] == "PIJ90N7"
    priorities = await client.priorities()
    documented = example("GET_priorities")["priorities"]
    assert [p["name"] for p in priorities] == [p["name"] for p in documented]
    policies = [p async for p in client.escalation_policies()]
    assert policies[0]["type"] == "escalation_policy"
    users = [u async for u in client.users(include=["teams"])]
    assert users and ("include[]", "teams") in query(pd.last)


async def test_find_user_by_email_wants_the_exact_address(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    page = {
        "users": [
            {"id": "P1", "email": "alice.smith@example.com"},
            {"id": "P2", "email": "Alice@Example.com"},
        ],
        "limit": 100,
        "offset": 0,
        "more": False,
    }
    pd.on("GET", "/users", ok(page))
    found = await client.find_user_by_email("alice@example.com")
    assert found is not None and found["id"] == "P2"
    assert ("query", "alice@example.com") in query(pd.last)
    assert await client.find_user_by_email("bob@example.com") is None


ACCOUNT_TOKEN_ERROR = {
    "error": "Because this request was made using an account-level access token, we were "
    "unable to determine the user's identity. Please use a user-level token."
}


async def test_token_kind_tells_account_keys_from_user_keys(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/users/me", ok(ACCOUNT_TOKEN_ERROR, 400), ok(example("GET_users_me")))
    assert await client.token_kind() == "account"
    assert await client.token_kind() == "user"


async def test_token_kind_passes_other_failures_on(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    body = {"error": {"message": "Authentication failed", "code": 2006}}
    pd.on("GET", "/users/me", ok(body, 401))
    with pytest.raises(RemoteError) as caught:
        await client.token_kind()
    assert caught.value.status == 401 and caught.value.message == "Authentication failed"


async def test_me_with_an_account_token_shows_the_string_error(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/users/me", ok(ACCOUNT_TOKEN_ERROR, 400))
    with pytest.raises(RemoteError) as caught:
        await client.me()
    assert caught.value.message == ACCOUNT_TOKEN_ERROR["error"]
    assert not caught.value.transient


# -- webhook subscriptions ---------------------------------------------------------------------
async def test_webhook_subscription_calls(pd: FakePagerDuty, client: PagerDutyClient) -> None:
    created = example("POST_webhook_subscriptions")
    sub_id = created["webhook_subscription"]["id"]
    path = f"/webhook_subscriptions/{sub_id}"
    pd.on("GET", "/webhook_subscriptions", ok(example("GET_webhook_subscriptions")))
    pd.on("POST", "/webhook_subscriptions", ok(created))
    pd.on("GET", path, ok(created))
    pd.on("PUT", path, ok(example("PUT_webhook_subscriptions_id")))
    pd.on("DELETE", path, ok(status=204))
    pd.on("POST", f"{path}/enable", ok(created))
    pd.on("POST", f"{path}/ping", ok(status=202))

    listed = [s async for s in client.webhook_subscriptions("service_reference", "P393ZNQ")]
    assert listed[0]["type"] == "webhook_subscription"
    assert query(pd.last)[:2] == [("filter_type", "service_reference"), ("filter_id", "P393ZNQ")]

    documented = example("POST_webhook_subscriptions", "request", "request")
    wanted = documented["webhook_subscription"]
    subscription = await client.create_webhook_subscription(
        wanted["delivery_method"]["url"],
        wanted["events"],
        filter_type="service_reference",
        filter_id="P393ZNQ",
        description=wanted["description"],
        custom_headers={"header-name": "header-value"},
    )
    assert subscription["id"] == sub_id
    sent = pd.body()["webhook_subscription"]
    assert sent == {**{k: v for k, v in wanted.items() if k != "oauth_client_id"}, "active": True}

    assert (await client.webhook_subscription(sub_id))["id"] == sub_id
    await client.update_webhook_subscription(sub_id, events=["incident.resolved"], active=False)
    assert pd.body() == {"webhook_subscription": {"events": ["incident.resolved"], "active": False}}
    assert (await client.enable_webhook_subscription(sub_id))["id"] == sub_id
    await client.ping_webhook_subscription(sub_id)
    await client.delete_webhook_subscription(sub_id)
    assert [(r.method, r.url.path) for r in pd.seen[-3:]] == [
        ("POST", f"{path}/enable"),
        ("POST", f"{path}/ping"),
        ("DELETE", path),
    ]


# -- custom fields, abilities ----------------------------------------------------------------------
async def test_custom_field_values_get_and_set(pd: FakePagerDuty, client: PagerDutyClient) -> None:
    path = "/incidents/PT4KHLK/custom_fields/values"
    get_example = example("GET_incidents_id_custom_fields_values", key="single_value_example")
    put_example = example(
        "PUT_incidents_id_custom_fields_values", "response_201", "single_value_example"
    )
    pd.on("GET", path, ok(get_example))
    pd.on("PUT", path, ok(put_example, 201))
    values = await client.custom_field_values("PT4KHLK")
    assert values == get_example["custom_fields"]
    await client.set_custom_field_values("PT4KHLK", {"environment": "production"})
    request = example(
        "PUT_incidents_id_custom_fields_values", "request", "example_with_custom_field_name"
    )
    assert pd.body() == request
    assert "from" not in pd.last.headers


async def test_has_ability_reads_204_and_402(pd: FakePagerDuty, client: PagerDutyClient) -> None:
    pd.on("GET", "/abilities/teams", ok(status=204))
    missing = {"error": {"message": "Account does not have the abilities", "code": 2014}}
    pd.on("GET", "/abilities/urgencies", ok(missing, 402))
    assert await client.has_ability("teams") is True
    assert await client.has_ability("urgencies") is False


# -- From on exactly the write calls that record a user ------------------------------------------
async def test_from_goes_only_with_incident_and_note_writes(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    for method, path in [
        ("POST", "/incidents"),
        ("PUT", "/incidents/P1"),
        ("GET", "/incidents/P1"),
        ("POST", "/incidents/P1/notes"),
        ("PUT", "/incidents/P1/notes/N1"),
    ]:
        wrapper = "note" if "notes" in path else "incident"
        pd.on(method, path, ok({wrapper: {"id": "x"}}))
    pd.on("GET", "/incidents/P1/notes", ok({"notes": []}))
    pd.on("DELETE", "/incidents/P1/notes/N1", ok(status=204))
    pd.on("PUT", "/incidents/P1/custom_fields/values", ok({"custom_fields": []}))
    pd.on("POST", "/webhook_subscriptions", ok({"webhook_subscription": {"id": "W"}}))
    pd.on("DELETE", "/webhook_subscriptions/W", ok(status=204))

    await client.create_incident(NewIncident("S", "t"))
    await client.update_incident("P1", IncidentUpdate(status="resolved"))
    await client.incident("P1")
    await client.add_note("P1", "n")
    await client.edit_note("P1", "N1", "n")
    await client.notes("P1")
    await client.delete_note("P1", "N1")
    await client.set_custom_field_values("P1", {"jira": "OPS-1"})
    await client.create_webhook_subscription("https://j/hook", ["incident.triggered"])
    await client.delete_webhook_subscription("W")
    with_from = [f"{r.method} {r.url.path}" for r in pd.seen if "from" in r.headers]
    assert with_from == [
        "POST /incidents",
        "PUT /incidents/P1",
        "POST /incidents/P1/notes",
        "PUT /incidents/P1/notes/N1",
    ]


async def test_no_from_at_all_without_a_configured_email(pd: FakePagerDuty) -> None:
    pd.on("POST", "/incidents/P1/notes", ok({"note": {"id": "N"}}))
    client = PagerDutyClient(auth=ApiKeyAuth("k"), transport=httpx.MockTransport(pd.handle))
    await client.add_note("P1", "n")
    assert "from" not in pd.last.headers


# -- pagination ----------------------------------------------------------------------------------
def users_page(request: httpx.Request, total: int) -> httpx.Response:
    """Users 0..total-1, served by the limit and offset the request asks for."""
    offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
    ids = range(offset, min(offset + limit, total))
    more = offset + limit < total
    body = {"users": [{"id": f"U{i}"} for i in ids], "limit": limit, "offset": offset}
    return httpx.Response(200, json={**body, "more": more, "total": None})


async def test_pages_follow_offset_until_more_is_false(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/users", lambda r: users_page(r, 250))
    users = [u["id"] async for u in client.users(query="a")]
    assert users == [f"U{i}" for i in range(250)]
    assert [(r.url.params["offset"], r.url.params["limit"]) for r in pd.seen] == [
        ("0", "100"),
        ("100", "100"),
        ("200", "100"),
    ]
    assert all(r.url.params["query"] == "a" for r in pd.seen)


async def test_paging_stops_at_the_offset_cap_with_a_permanent_error(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/users", lambda r: users_page(r, 20_000))
    seen = 0
    with pytest.raises(PagingCapReached) as caught:
        async for _ in client.users():
            seen += 1
    assert seen == 10_000 and len(pd.seen) == 100
    assert int(pd.last.url.params["offset"]) + int(pd.last.url.params["limit"]) == 10_000
    assert not caught.value.transient and "10000" in caught.value.message
    assert str(caught.value).startswith("pagerduty GET /users → stopped: PagerDuty lists stop")


async def test_paging_asks_for_a_shorter_last_page_below_the_cap(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    def short_pages(request: httpx.Request) -> httpx.Response:
        # A server that gives fewer than asked: the next offset follows what came back.
        offset = int(request.url.params["offset"])
        items = [{"id": f"U{i}"} for i in range(offset, offset + 7)]
        return httpx.Response(200, json={"users": items, "more": offset < 20})

    pd.on("GET", "/users", short_pages)
    users = [u["id"] async for u in client.users()]
    assert len(users) == 28
    assert [r.url.params["offset"] for r in pd.seen] == ["0", "7", "14", "21"]


# -- errors and rate limits ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "body", "message", "details", "transient"),
    [
        (
            400,
            {
                "error": {
                    "message": "Invalid Input Provided",
                    "code": 2001,
                    "errors": ["Title cannot be empty."],
                }
            },
            "Invalid Input Provided: Title cannot be empty.",
            {"code": "2001"},
            False,
        ),
        (
            400,
            {
                "error": {
                    "message": 'You must specify a user\'s email address in the "From" header '
                    "to perform this action",
                    "code": 2016,
                }
            },
            'You must specify a user\'s email address in the "From" header to perform this action',
            {"code": "2016"},
            False,
        ),
        (
            402,
            {"error": {"message": "Account does not have the abilities", "code": 2014}},
            "Account does not have the abilities",
            {"code": "2014"},
            False,
        ),
        (
            403,
            {"error": {"message": "Access Denied", "code": 2010}},
            "Access Denied",
            {"code": "2010"},
            False,
        ),
        (
            404,
            {"error": {"message": "Incident Not Found", "code": 5001}},
            "Incident Not Found",
            {"code": "5001"},
            False,
        ),
        (404, {"message": "Not Found", "code": 2100}, "Not Found", {"code": "2100"}, False),
        (
            400,
            {"error": {"message": "Invalid", "code": 2001, "errors": {"title": ["is blank"]}}},
            "Invalid",
            {"title": "is blank", "code": "2001"},
            False,
        ),
        (500, {"error": {"message": "Internal", "code": 2000}}, "Internal", {"code": "2000"}, True),
    ],
)
async def test_pagerduty_errors_keep_the_remote_message_and_code(
    pd: FakePagerDuty,
    client: PagerDutyClient,
    status: int,
    body: Any,
    message: str,
    details: dict[str, str],
    transient: bool,
) -> None:
    pd.on("PUT", "/incidents/P1", ok(body, status))
    with pytest.raises(RemoteError) as caught:
        await client.update_incident("P1", IncidentUpdate(title=""))
    error = caught.value
    assert (error.system, error.status, error.path) == ("pagerduty", status, "/incidents/P1")
    assert (error.message, error.details, error.transient) == (message, details, transient)
    assert len(pd.seen) == 1


async def test_non_json_error_body_is_kept_as_text(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/incidents/P1", httpx.Response(502, text="Bad gateway"))
    with pytest.raises(RemoteError) as caught:
        await client.incident("P1")
    assert caught.value.message == "Bad gateway" and caught.value.transient


RATE_LIMITED = {"error": {"message": "Rate Limit Exceeded", "code": 2020}}


async def test_429_waits_retry_after_then_succeeds(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on(
        "POST",
        "/incidents/P1/notes",
        ok(RATE_LIMITED, 429, **{"Retry-After": "0"}),
        ok({"note": {"id": "N"}}),
    )
    assert (await client.add_note("P1", "n"))["id"] == "N"
    assert len(pd.seen) == 2


async def test_429_reads_ratelimit_reset_when_there_is_no_retry_after(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/incidents/P1", ok(RATE_LIMITED, 429, **{"ratelimit-reset": "45"}))
    with pytest.raises(RemoteError) as caught:
        await client.incident("P1")
    # 45 s is beyond what the client waits itself: the engine gets it back, transient.
    assert len(pd.seen) == 1
    error = caught.value
    assert error.transient and error.retry_after == 45
    assert error.message == "Rate Limit Exceeded" and error.details == {"code": "2020"}


async def test_429_without_headers_backs_off_then_hands_back_transient(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/incidents/P1", ok(RATE_LIMITED, 429))
    with pytest.raises(RemoteError) as caught:
        await client.incident("P1")
    assert len(pd.seen) == FAST.max_attempts
    assert caught.value.transient and caught.value.retry_after is None


async def test_a_list_answer_without_its_wrapper_is_a_clear_error(
    pd: FakePagerDuty, client: PagerDutyClient
) -> None:
    pd.on("GET", "/priorities", ok({"items": []}))
    with pytest.raises(RemoteError, match='a list under "priorities"'):
        await client.priorities()
