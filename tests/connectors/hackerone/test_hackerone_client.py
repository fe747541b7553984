"""HackerOne client against recorded exchanges with the real API: each call must send what the
recording sent and read what came back; errors keep HackerOne's words."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from jirasync.connectors.hackerone import (
    ApiTokenAuth,
    HackerOneClient,
    attribute,
    related,
    related_list,
)
from jirasync.connectors.http import RetryOptions
from jirasync.core.errors import RemoteError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "clients" / "hackerone"
FAST = RetryOptions(max_attempts=3, max_wait_s=1.0, base_backoff_s=0.001)


def recording(name: str) -> dict[str, Any]:
    """One recorded request/response pair."""
    exchange: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return exchange


def answer_of(name: str) -> httpx.Response:
    response = recording(name)["response"]
    return httpx.Response(response["status"], json=response["body"])


def page_file(name: str) -> httpx.Response:
    return httpx.Response(200, json=json.loads((FIXTURES / f"{name}.json").read_text()))


class FakeHackerOne:
    def __init__(self) -> None:
        self.answers: dict[str, list[httpx.Response]] = defaultdict(list)
        self.seen: list[httpx.Request] = []

    def on(self, method: str, path: str, *answers: httpx.Response) -> None:
        """Give these answers in order to `method path`, then repeat the last one."""
        self.answers[f"{method} {path}"].extend(answers)

    def replay(self, *names: str) -> None:
        """Serve the recorded answers at the recorded paths."""
        for name in names:
            request = recording(name)["request"]
            self.on(request["method"], request["path"], answer_of(name))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        queue = self.answers.get(f"{request.method} {request.url.path}")
        if not queue:
            return httpx.Response(404, json={"errors": [{"status": 404}]})
        return queue.pop(0) if len(queue) > 1 else queue[0]

    @property
    def last(self) -> httpx.Request:
        return self.seen[-1]

    def body(self) -> Any:
        return json.loads(self.last.content)


@pytest.fixture
def h1() -> FakeHackerOne:
    return FakeHackerOne()


@pytest.fixture
def client(h1: FakeHackerOne) -> HackerOneClient:
    return HackerOneClient(
        "https://api.hackerone.com",
        auth=ApiTokenAuth("jirasync", "t0ken"),
        retry=FAST,
        transport=httpx.MockTransport(h1.handle),
    )


def sent_as_recorded(h1: FakeHackerOne, name: str) -> None:
    request = recording(name)["request"]
    assert (h1.last.method, h1.last.url.path) == (request["method"], request["path"])
    assert h1.body() == request["body"]


# -- auth and reading a report ---------------------------------------------------------------------
async def test_basic_auth_with_identifier_and_token_and_no_secret_in_repr(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    h1.replay("report")
    await client.report("200")
    expected = "Basic " + base64.b64encode(b"jirasync:t0ken").decode()
    assert h1.last.headers["authorization"] == expected
    assert h1.last.headers["accept"] == "application/json"
    assert "t0ken" not in repr(ApiTokenAuth("jirasync", "t0ken"))
    assert client.calls == {"GET /v1/reports/{id}": 1}


async def test_report_with_embedded_relationships(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    h1.replay("report")
    report = await client.report("200")
    assert report["id"] == "200" and attribute(report, "title") == "Sweet Vuln"
    assert attribute(report, "state") == "triaged"
    program = related(report, "program")
    assert program is not None and attribute(program, "handle") == "github"
    assert related_list(report, "activities")
    assert related(report, "no-such-relationship") is None
    assert related_list(report, "program") == []


# -- writes that match the recordings -------------------------------------------------------------
async def test_internal_and_public_comments(h1: FakeHackerOne, client: HackerOneClient) -> None:
    h1.replay("add_comment")
    activity = await client.add_comment("200", "I am an internal comment", internal=True)
    assert activity["type"] == "activity-comment" and attribute(activity, "internal") is True
    sent_as_recorded(h1, "add_comment")
    assert h1.last.headers["content-type"] == "application/json"

    await client.add_comment("200", "I am not an internal comment", internal=False)
    sent_as_recorded(h1, "add_public_comment")

    await client.add_comment("200", "see {F12}", internal=True, attachment_ids=["12"])
    assert h1.body()["data"]["attributes"]["attachment_ids"] == ["12"]


async def test_state_changes_including_duplicate(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    h1.replay("stage_change")
    report = await client.change_state("200", "triaged", "This is has been triaged internally.")
    assert attribute(report, "state") == "triaged"
    sent_as_recorded(h1, "stage_change")

    h1.answers.clear()
    h1.replay("dup__1")
    report = await client.change_state(
        "200", "duplicate", "totally a dup", original_report_id="302"
    )
    assert attribute(report, "state") == "duplicate"
    sent_as_recorded(h1, "dup__1")


async def test_issue_tracker_reference_reads_the_odd_answer_shape(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    h1.replay("add_report_reference")
    report = await client.set_issue_tracker_reference("200", "fooooo")
    assert report["id"] == "200" and report["type"] == "report"
    sent_as_recorded(h1, "add_report_reference")

    await client.set_issue_tracker_reference("200", "OPS-7", "Jira issue OPS-7 created")
    attrs = h1.body()["data"]["attributes"]
    assert attrs == {"reference": "OPS-7", "message": "Jira issue OPS-7 created"}


async def test_assignee_user_group_nobody(h1: FakeHackerOne, client: HackerOneClient) -> None:
    h1.replay("assign_report_to_user__2")
    report = await client.assign_to_user("200", "147515")
    assert report["id"] == "200"
    sent_as_recorded(h1, "assign_report_to_user__2")
    await client.assign_to_group("200", "23578")
    sent_as_recorded(h1, "assign_report_to_group__2")
    await client.unassign("200")
    sent_as_recorded(h1, "assign_report_to_nobody")
    await client.assign_to_user("200", "147515", message="on call")
    assert h1.body() == {
        "data": {"type": "user", "id": "147515", "attributes": {"message": "on call"}}
    }


async def test_bounty_suggestion_swag_severity_close_comments(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    h1.replay(
        "award_a_bounty", "suggest_a_bounty", "award_swag", "update_severity", "lock_report__1"
    )
    bounty = await client.award_bounty("200", "Thanks for the great report!", 1330, Decimal(7))
    assert attribute(bounty, "amount") == "1330.00"
    sent_as_recorded(h1, "award_a_bounty")

    message = "This report is great, I think we should award a high bounty."
    suggestion = await client.suggest_bounty("200", message, 5000, 2500)
    assert suggestion["type"] == "activity-bounty-suggested"
    sent_as_recorded(h1, "suggest_a_bounty")

    swag = await client.award_swag("200", "Enjoy this cool swag!")
    assert swag["type"] == "swag"
    sent_as_recorded(h1, "award_swag")

    severity = await client.update_severity("200", "high")
    assert attribute(severity, "rating") == "high"
    sent_as_recorded(h1, "update_severity")

    closed = await client.close_comments("200")
    assert closed["type"] == "activity-comments-closed"
    sent_as_recorded(h1, "lock_report__1")


async def test_title_weakness_and_cvss_severity_bodies(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    report = answer_of("report")
    h1.on("PUT", "/v1/reports/200/title", report)
    h1.on("PUT", "/v1/reports/200/weakness", report)
    h1.on("POST", "/v1/reports/200/severities", answer_of("update_severity"))
    await client.update_title("200", "SQL injection in search")
    assert h1.body() == {
        "data": {"type": "report-title", "attributes": {"title": "SQL injection in search"}}
    }
    await client.update_weakness("200", 67)
    assert h1.body() == {"data": {"type": "report-weakness", "attributes": {"weakness_id": 67}}}
    metrics = {"attack_vector": "network", "calculation_method": "cvss_3_1"}
    await client.update_severity("200", message="from Jira", metrics=metrics)
    assert h1.body()["data"]["attributes"] == {**metrics, "message": "from Jira"}


async def test_upload_attachments_is_multipart(h1: FakeHackerOne, client: HackerOneClient) -> None:
    attachment = {"id": "1337", "type": "attachment", "attributes": {"file_name": "a.txt"}}
    h1.on("POST", "/v1/reports/attachments", httpx.Response(201, json={"data": [attachment]}))
    uploaded = await client.upload_attachments([("a.txt", b"hello", "text/plain")])
    assert uploaded == [attachment]
    assert h1.last.headers["content-type"].startswith("multipart/form-data")
    assert b'name="files[]"; filename="a.txt"' in h1.last.content


# -- lists and paging ------------------------------------------------------------------------------
async def test_report_list_filters(h1: FakeHackerOne, client: HackerOneClient) -> None:
    h1.replay("report_list")
    since = datetime(2017, 2, 12, 2, 0, 44, tzinfo=UTC)
    found = client.reports(
        ["github"],
        states=["new"],
        filters={"created_at__gt": since, "issue_tracker_reference_id__null": True},
        sort="-reports.last_activity_at",
    )
    reports = [r async for r in found]
    assert [r["id"] for r in reports] == ["207385", reports[1]["id"]] and len(reports) == 2
    assert list(h1.last.url.params.multi_items()) == [
        ("filter[program][]", "github"),
        ("filter[state][]", "new"),
        ("filter[created_at__gt]", "2017-02-12T02:00:44.000Z"),
        ("filter[issue_tracker_reference_id__null]", "true"),
        ("sort", "-reports.last_activity_at"),
        ("page[size]", "100"),
    ]


async def test_report_pages_follow_links_next_on_our_own_host(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    first = page_file("reports_list_page_with_links")
    h1.on("GET", "/v1/reports", first, page_file("reports_list_last_page_bounty_scope"))
    reports = [r async for r in client.reports(["something_h1b"])]
    assert len(reports) == 2 and len(h1.seen) == 2
    next_link = httpx.URL(first.json()["links"]["next"])
    assert h1.seen[1].url.params == next_link.params
    assert h1.seen[1].url.host == "api.hackerone.com"
    assert client.calls == {"GET /v1/reports": 2}


async def test_paging_stops_when_next_repeats_the_same_query(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    body = json.loads((FIXTURES / "reports_list_page_with_links.json").read_text())
    body["links"]["next"] = (
        "https://api.hackerone.com/v1/reports?filter%5Bprogram%5D%5B%5D=x&page%5Bsize%5D=100"
    )
    h1.on("GET", "/v1/reports", httpx.Response(200, json=body))
    assert len([r async for r in client.reports(["x"])]) == 1
    assert len(h1.seen) == 1


async def test_empty_report_list(h1: FakeHackerOne, client: HackerOneClient) -> None:
    h1.replay("empty_report_list")
    assert [r async for r in client.reports(["github"])] == []


def test_reports_need_a_program_or_an_inbox(client: HackerOneClient) -> None:
    with pytest.raises(ValueError, match="programs or inboxes"):
        client.reports()


async def test_incremental_activities_pages_and_cursor(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    first = recording("traverse_through_all_activities__0")["response"]["body"]
    # The 2017 recordings predate page links; today's answers carry `links.next`.
    first = {
        **first,
        "links": {
            "next": "https://api.hackerone.com/v1/incremental/activities?handle=github&page%5Bnumber%5D=2&page%5Bsize%5D=100"
        },
    }
    h1.on(
        "GET",
        "/v1/incremental/activities",
        httpx.Response(200, json=first),
        answer_of("traverse_through_all_activities__1"),
    )
    pages = [p async for p in client.activity_pages("github")]
    assert [len(p.activities) for p in pages] == [25, 2]
    assert [p.max_updated_at for p in pages] == [
        "2017-12-04T15:38:00.017Z",
        "2017-12-05T16:16:27.757Z",
    ]
    assert list(h1.seen[0].url.params.multi_items()) == [
        ("handle", "github"),
        ("page[size]", "100"),
    ]
    assert h1.seen[1].url.params["page[number]"] == "2"


async def test_activities_since_keeps_the_cursor_on_an_empty_page(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    h1.replay("traverse_through_all_activities__2")
    batch = await client.activities_since("github", "2017-12-05T16:16:27.757Z")
    assert batch.activities == [] and batch.max_updated_at == "2017-12-05T16:16:27.757Z"
    assert h1.last.url.params["updated_at_after"] == "2017-12-05T16:16:27.757Z"

    h1.answers.clear()
    h1.replay("traverse_through_all_activities__1")
    since = datetime(2017, 12, 4, 15, 38, 0, 17000, tzinfo=UTC)
    batch = await client.activities_since("github", since)
    assert len(batch.activities) == 2 and batch.max_updated_at == "2017-12-05T16:16:27.757Z"
    assert h1.last.url.params["updated_at_after"] == "2017-12-04T15:38:00.017Z"


async def test_programs_groups_members_and_users(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    h1.replay("programs", "assign_report_to_group__1", "user_find_fransrosen")
    programs = [p async for p in client.my_programs()]
    assert [attribute(p, "handle") for p in programs] == ["github"]
    program = await client.program("18969")
    groups = {attribute(g, "name"): g["id"] for g in related_list(program, "groups")}
    assert groups == {"Standard": "23579", "Admin": "23578"}
    members = related_list(program, "members")
    usernames = [attribute(related(m, "user") or {}, "username") for m in members]
    assert "esjee" in usernames
    user = await client.user("fransrosen")
    assert attribute(user, "username") == "fransrosen"


# -- errors and rate limits -----------------------------------------------------------------------
async def test_unknown_or_invisible_report_is_a_permanent_403(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    h1.replay("missing_report__0")
    with pytest.raises(RemoteError) as caught:
        await client.report("404")
    error = caught.value
    assert (error.system, error.status, error.path) == ("hackerone", 403, "/v1/reports/404")
    assert "unknown report also answers 403" in error.message and not error.transient


async def test_no_permission_on_assignee_is_403(h1: FakeHackerOne, client: HackerOneClient) -> None:
    h1.replay("assign_report_to_group_no_permission__2")
    with pytest.raises(RemoteError) as caught:
        await client.assign_to_group("200", "23578")
    assert caught.value.status == 403 and "lack this permission" in caught.value.message


@pytest.mark.parametrize(
    ("name", "parameter"),
    [("missing_report__1", "report_id"), ("missing_report__2", "report_id")],
)
async def test_invalid_parameter_400_keeps_title_detail_and_parameter(
    h1: FakeHackerOne, client: HackerOneClient, name: str, parameter: str
) -> None:
    h1.replay(name)
    with pytest.raises(RemoteError) as caught:
        if "reference" in recording(name)["request"]["path"]:
            await client.set_issue_tracker_reference("4040000000000000", "fooooo")
        else:
            await client.change_state("4040000000000000", "triaged", "triaged")
    error = caught.value
    assert error.status == 400 and not error.transient
    assert error.message == "Invalid Parameter: The parameter 'report_id' is invalid."
    assert error.details == {"parameter": parameter}


async def test_create_report_style_400_names_the_parameter(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    h1.on("POST", "/v1/reports/200/severities", answer_of("create_report_invalid"))
    with pytest.raises(RemoteError) as caught:
        await client.update_severity("200", "invalid_severity")
    assert caught.value.details == {"parameter": "severity_rating"}
    assert "'severity_rating' is invalid" in caught.value.message


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("server_error_when_assigning_report_to_user__2", "HackerOne internal error"),
        ("server_error", "fail"),  # the hand-written odd body of the gem's tests
    ],
)
async def test_500_is_transient_with_a_readable_message(
    h1: FakeHackerOne, client: HackerOneClient, name: str, message: str
) -> None:
    request = recording(name)["request"]
    h1.on("GET", "/v1/reports/200", answer_of(name))
    h1.on("PUT", "/v1/reports/200/assignee", answer_of(name))
    with pytest.raises(RemoteError) as caught:
        if request["method"] == "PUT":
            await client.assign_to_user("200", "160844")
        else:
            await client.report("200")
    assert caught.value.status == 500 and caught.value.transient
    assert caught.value.message == message
    assert len(h1.seen) == 1  # 5xx goes back to the engine, it is not repeated here


async def test_429_without_headers_backs_off_and_then_succeeds(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    limited = httpx.Response(429, json={"errors": [{"status": 429}]})
    h1.on("POST", "/v1/reports/200/activities", limited, limited, answer_of("add_comment"))
    activity = await client.add_comment("200", "hi", internal=True)
    assert activity["id"] == "1854710" and len(h1.seen) == 3


async def test_429_that_persists_goes_back_to_the_engine_as_transient(
    h1: FakeHackerOne, client: HackerOneClient
) -> None:
    h1.on("GET", "/v1/reports/200", httpx.Response(429, text=""))
    with pytest.raises(RemoteError) as caught:
        await client.report("200")
    error = caught.value
    assert len(h1.seen) == FAST.max_attempts
    assert error.transient and error.retry_after is None and "rate limit" in error.message


def test_default_backoff_is_bounded(h1: FakeHackerOne) -> None:
    retry = HackerOneClient(auth=None, transport=httpx.MockTransport(h1.handle)).retry
    worst = sum(retry.base_backoff_s * 2**n for n in range(retry.max_attempts - 1))
    assert worst <= retry.max_wait_s and retry.max_attempts >= 3
