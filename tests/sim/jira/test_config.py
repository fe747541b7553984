"""Seed validation, versions, rate limiting, persistence, context path, counting, faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from jira import JIRA

from jirasync.serving import ServerThread
from jirasync.sim.common import SeedError, SimConfig
from jirasync.sim.jira import create_app
from jirasync.sim.jira.seed import build_state, default_seed


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ({"users": [{"name": "a"}, {"name": "a"}]}, "users[1]: duplicate user name 'a'"),
        ({"users": [{"name": "a", "groups": ["nope"]}]}, "users[0]: unknown group(s) nope"),
        ({"projects": [{"key": "X", "lead": "ghost"}]}, "projects[0]: lead 'ghost' is not a user"),
        ({"projects": [{"key": "X", "workflow": "w"}]}, "projects[0]: unknown workflow 'w'"),
        ({"issues": [{"project": "NOPE", "summary": "s"}]}, "issues[0]: unknown project 'NOPE'"),
        ({"customFields": [{"name": "c", "type": "color"}]}, "customFields[0]: type must be"),
        ({"customFields": [{"name": "c", "type": "select"}]}, "a select field needs options"),
        ({"jira": {"version": "nine"}}, "jira.version: 'nine' is not a version"),
        ({"projcts": []}, "unknown top-level seed key(s): projcts"),
        ({"users": "admin"}, "users: expected list, got str"),
    ],
)
def test_seed_errors_are_clear(seed: dict[str, Any], message: str) -> None:
    base = {"users": [{"name": "admin", "groups": ["jira-administrators"]}]}
    with pytest.raises(SeedError) as failed:
        build_state({**base, **seed})
    assert message in str(failed.value)


def test_seed_route_answers_400_for_a_bad_seed(jira: httpx.Client) -> None:
    response = jira.post("/_sim/seed", content=b"projects: [{key: X, lead: ghost}]")
    assert response.status_code == 400
    assert "lead 'ghost' is not a user" in response.json()["error"]


def test_default_seed_credentials(jira: httpx.Client) -> None:
    creds = jira.get("/_sim/credentials").json()
    assert creds["admin"] == {"username": "admin", "password": "admin"}
    admin = next(u for u in creds["users"] if u["name"] == "admin")
    assert admin["admin"] is True and admin["tokens"]
    assert {u["email"] for u in creds["users"]} >= {"alice@example.com", "bob@example.com"}


def test_versions_gate_the_old_createmeta(jira: httpx.Client) -> None:
    assert jira.get("/rest/api/2/issue/createmeta").status_code == 404
    seed = default_seed()
    seed["jira"] = {"version": "8.20.1"}
    jira.post("/_sim/seed", json=seed).raise_for_status()
    info = jira.get("/rest/api/2/serverInfo").json()
    assert info["versionNumbers"] == [8, 20, 1]
    old = jira.get("/rest/api/2/issue/createmeta", params={"projectKeys": "OPS",
                   "expand": "projects.issuetypes.fields"}).json()  # fmt: skip
    fields = old["projects"][0]["issuetypes"][0]["fields"]
    assert fields["summary"]["required"] is True


def test_rate_limit_token_bucket(jira: httpx.Client) -> None:
    seed = default_seed()
    seed["jira"] = {"rateLimit": {"capacity": 3, "fillRate": 1, "intervalSeconds": 60}}
    jira.post("/_sim/seed", json=seed).raise_for_status()
    statuses = [jira.get("/rest/api/2/myself") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    limited = statuses[-1]
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["Retry-After"]) >= 1
    assert statuses[0].headers["X-RateLimit-Remaining"] == "2"


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "jira.state"

    def start() -> ServerThread:
        return ServerThread(lambda url: create_app(SimConfig(base_url=url, state_file=state_file)))

    with start() as server:
        client = JIRA(server.url, basic_auth=("admin", "admin"))
        key = client.create_issue(
            project="OPS", summary="persist me", issuetype={"name": "Bug"}
        ).key
    with start() as server:
        client = JIRA(server.url, basic_auth=("admin", "admin"))
        assert client.issue(key).fields.summary == "persist me"


def test_context_path_and_latest_alias() -> None:
    with ServerThread(lambda url: create_app(SimConfig(base_url=url + "/jira"))) as server:
        client = JIRA(server.url + "/jira", basic_auth=("admin", "admin"))
        issue = client.issue("OPS-1")
        assert issue.self.startswith(server.url + "/jira/rest/api/2/issue/")
        assert client.assign_issue(issue, "bob")  # PUT /rest/api/latest/...


def test_requests_are_counted_by_route_template_and_faults_apply(jira: httpx.Client) -> None:
    jira.delete("/_sim/requests")
    jira.get("/rest/api/2/issue/OPS-1")
    jira.get("/rest/api/2/issue/OPS-2")
    counts = jira.get("/_sim/requests").json()["counts"]
    assert counts["GET /rest/api/2/issue/{issueIdOrKey}"] == 2
    fault = {"method": "GET", "path": "/rest/api/2/issue/{issueIdOrKey}", "status": 503, "count": 1}
    jira.post("/_sim/faults", json=fault).raise_for_status()
    failed = jira.get("/rest/api/2/issue/OPS-1")
    assert failed.status_code == 503
    assert failed.json() == {"errorMessages": ["Injected fault: HTTP 503"], "errors": {}}
    assert jira.get("/rest/api/2/issue/OPS-1").status_code == 200


def test_attachment_upload_needs_the_xsrf_header(jira: httpx.Client) -> None:
    files = {"file": ("log.txt", b"boom", "text/plain")}
    blocked = jira.post("/rest/api/2/issue/OPS-1/attachments", files=files)
    assert blocked.status_code == 403
    ok = jira.post(
        "/rest/api/2/issue/OPS-1/attachments",
        files=files,
        headers={"X-Atlassian-Token": "no-check"},
    )
    assert ok.status_code == 200
    assert ok.json()[0]["filename"] == "log.txt"


def test_personal_access_tokens_need_jira_8_14(jira: httpx.Client) -> None:
    token = {"Authorization": "Bearer admin-pat-0123456789abcdef"}
    assert httpx.get(str(jira.base_url) + "/rest/api/2/myself", headers=token).status_code == 200
    seed = default_seed()
    seed["jira"] = {"version": "8.13.0"}
    jira.post("/_sim/seed", json=seed).raise_for_status()
    assert httpx.get(str(jira.base_url) + "/rest/api/2/myself", headers=token).status_code == 401


def test_captcha_after_failed_logins(jira: httpx.Client, jira_server: ServerThread) -> None:
    seed = default_seed()
    seed["jira"] = {"captchaAfterFailedLogins": 2}
    jira.post("/_sim/seed", json=seed).raise_for_status()
    url = jira_server.url + "/rest/api/2/myself"
    assert [httpx.get(url, auth=("bob", "bad")).status_code for _ in range(2)] == [401, 401]
    blocked = httpx.get(url, auth=("bob", "bob"))
    assert blocked.status_code == 403
    assert blocked.headers["X-Authentication-Denied-Reason"].startswith("CAPTCHA_CHALLENGE")
    with pytest.raises(Exception, match="CAPTCHA"):
        JIRA(jira_server.url, basic_auth=("bob", "bob"), max_retries=0)


def test_jira_client_validate_uses_the_session_resource(
    jira: httpx.Client, jira_server: ServerThread
) -> None:
    client = JIRA(jira_server.url, basic_auth=("admin", "admin"), validate=True)
    assert client.current_user() == "admin"
