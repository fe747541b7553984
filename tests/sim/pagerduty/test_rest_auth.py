"""Authorization, Accept, read-only keys, From, /users/me and rate limits."""

from __future__ import annotations

import httpx
from pd_sim_helpers import ACCOUNT_KEY, ALICE_KEY, CHECKOUT, Api

NEW = {
    "incident": {
        "type": "incident",
        "title": "t",
        "service": {"id": CHECKOUT, "type": "service_reference"},
    }
}


def test_missing_or_unknown_credentials_are_401(api: Api) -> None:
    for auth in (None, "Token token=nope", f"Token {ACCOUNT_KEY}", "Bearer nope"):
        headers = {"Authorization": auth} if auth else {}
        response = httpx.get(f"{api.base_url}/incidents", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"error": {"message": "Authentication failed", "code": 2006}}


def test_oauth_bearer_token_acts_as_its_user(api: Api) -> None:
    response = api.get("/users/me", headers={"Authorization": "Bearer pdsim-oauth-token-alice"})
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "alice@example.com"


def test_other_api_versions_are_refused(api: Api) -> None:
    response = api.get("/incidents", headers={"Accept": "application/vnd.pagerduty+json;version=1"})
    assert response.status_code == 400


def test_read_only_key_cannot_write(api: Api) -> None:
    headers = {"Authorization": "Token token=pdsim-readonly-key-01", "From": "alice@example.com"}
    assert api.get("/incidents", headers=headers).status_code == 200
    response = api.post("/incidents", json=NEW, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == 2010


def test_from_is_required_with_an_account_key_on_declared_writes(api: Api) -> None:
    response = api.post("/incidents", json=NEW)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 2016
    assert '"From" header' in error["message"]
    incident_id = api.create()["id"]
    for method, path, body in [
        ("PUT", f"/incidents/{incident_id}", {"incident": {"type": "incident_reference"}}),
        ("PUT", "/incidents", {"incidents": []}),
        ("POST", f"/incidents/{incident_id}/notes", {"note": {"content": "x"}}),
        ("POST", f"/incidents/{incident_id}/status_updates", {"message": "x"}),
        ("POST", f"/incidents/{incident_id}/snooze", {"duration": 60}),
        ("PUT", f"/incidents/{incident_id}/merge", {"source_incidents": []}),
    ]:
        assert api.request(method, path, json=body).status_code == 400, path


def test_from_must_name_a_user(api: Api) -> None:
    unknown = api.post("/incidents", json=NEW, headers={"From": "nobody@example.com"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == 1008
    malformed = api.post("/incidents", json=NEW, headers={"From": "not-an-email"})
    assert malformed.json()["error"]["code"] == 1028


def test_user_key_needs_no_from_and_is_the_actor(api: Api) -> None:
    response = api.post(
        "/incidents", json=NEW, headers={"Authorization": f"Token token={ALICE_KEY}"}
    )
    assert response.status_code == 201
    assert response.json()["incident"]["last_status_change_by"]["id"] == "PUSER01"


def test_users_me_with_an_account_key_is_a_string_error(api: Api) -> None:
    response = api.get("/users/me")
    assert response.status_code == 400
    assert "account-level access token" in response.json()["error"]
    mine = api.get("/users/me", headers={"Authorization": f"Token token={ALICE_KEY}"})
    assert mine.json()["user"]["id"] == "PUSER01"


def test_rate_limit_when_configured(api: Api) -> None:
    assert "ratelimit-limit" not in api.get("/priorities").headers  # off by default
    api.put("/_sim/pagerduty/rate_limit", json={"per_window": 2, "window_s": 60}).raise_for_status()
    try:
        first = api.get("/priorities")
        assert first.headers["ratelimit-limit"] == "2"
        assert first.headers["ratelimit-remaining"] == "1"
        assert int(first.headers["ratelimit-reset"]) > 0
        api.get("/priorities")
        limited = api.get("/priorities")
        assert limited.status_code == 429
        assert limited.json() == {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
        # per key: another key has its own budget; a user's key and token share the user's
        alice_key = {"Authorization": f"Token token={ALICE_KEY}"}
        alice_token = {"Authorization": "Bearer pdsim-oauth-token-alice"}
        assert api.get("/priorities", headers=alice_key).status_code == 200
        assert api.get("/priorities", headers=alice_token).status_code == 200
        assert api.get("/priorities", headers=alice_key).status_code == 429
    finally:
        api.put("/_sim/pagerduty/rate_limit", json={"per_window": None})


def test_injected_fault_uses_pagerduty_error_shape(api: Api) -> None:
    api.post(
        "/_sim/faults", json={"method": "GET", "path": "/incidents", "status": 429, "count": 1}
    ).raise_for_status()
    response = api.get("/incidents")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == 2020
    assert api.get("/incidents").status_code == 200


def test_unknown_paths_and_methods_are_json_404(api: Api) -> None:
    for method, path in [("GET", "/nope"), ("DELETE", "/incidents"), ("PATCH", "/users/PUSER01")]:
        response = api.request(method, path)
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Not Found", "code": 2100}}
