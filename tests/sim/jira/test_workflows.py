"""Workflow, screen and permission errors carry Jira's messages and status codes."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

from jirasync.sim.jira.seed import default_seed

WORKFLOW_OPERATION = (
    "It seems that you have tried to perform a workflow operation ({name}) that is not valid "
    "for the current state of this issue ({key}). The likely cause is that somebody has changed "
    "the issue recently, please look at the issue history for details."
)
NOT_ON_SCREEN = "Field '{field}' cannot be set. It is not on the appropriate screen, or unknown."


def create(jira: httpx.Client, project: str = "OPS", **fields: object) -> str:
    body = {"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": "w", **fields}
    response = jira.post("/rest/api/2/issue", json={"fields": body})
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def transition(jira: httpx.Client, key: str, tid: int, **extra: object) -> httpx.Response:
    return jira.post(
        f"/rest/api/2/issue/{key}/transitions", json={"transition": {"id": tid}, **extra}
    )


def test_start_progress_only_for_the_assignee(jira: httpx.Client, login: Any) -> None:
    key = create(jira, assignee={"name": "bob"})
    offered = jira.get(f"/rest/api/2/issue/{key}/transitions").json()["transitions"]
    assert "4" not in [t["id"] for t in offered]
    response = transition(jira, key, 4)
    assert response.status_code == 400
    assert response.json() == {
        "errorMessages": [WORKFLOW_OPERATION.format(name="Start Progress", key=key)],
        "errors": {},
    }
    assert transition(login("bob"), key, 4).status_code == 204


def test_resolve_requires_a_resolution(jira: httpx.Client) -> None:
    key = create(jira)
    response = transition(jira, key, 5)
    assert response.status_code == 400
    assert response.json()["errors"] == {"resolution": "Resolution is required."}
    meta = jira.get(
        f"/rest/api/2/issue/{key}/transitions",
        params={"expand": "transitions.fields", "transitionId": 5},
    ).json()["transitions"][0]["fields"]
    assert meta["resolution"]["required"] is True


def test_field_not_on_the_transition_screen(jira: httpx.Client) -> None:
    key = create(jira, assignee={"name": "admin"})
    response = transition(jira, key, 4, fields={"resolution": {"name": "Fixed"}})
    assert response.status_code == 400
    assert response.json()["errors"] == {"resolution": NOT_ON_SCREEN.format(field="resolution")}


def test_field_not_on_the_create_screen(jira: httpx.Client) -> None:
    response = jira.post(
        "/rest/api/2/issue",
        json={"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Bug"}, "summary": "x",
                         "customfield_10999": "nope"}},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "customfield_10999": NOT_ON_SCREEN.format(field="customfield_10999")
    }


def test_user_not_assignable(jira: httpx.Client) -> None:
    response = jira.put("/rest/api/2/issue/OPS-1/assignee", json={"name": "carol"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"assignee": "User 'carol' cannot be assigned issues."}
    missing = jira.put("/rest/api/2/issue/OPS-1/assignee", json={"name": "nobody"})
    assert missing.status_code == 404


def test_closed_issue_is_not_editable(jira: httpx.Client) -> None:
    key = create(jira)
    assert transition(jira, key, 2, fields={"resolution": {"name": "Fixed"}}).status_code == 204
    response = jira.put(f"/rest/api/2/issue/{key}", json={"fields": {"summary": "again"}})
    assert response.status_code == 400
    assert response.json()["errorMessages"] == [
        "You do not have permission to edit issues in this project."
    ]
    assert jira.get(f"/rest/api/2/issue/{key}/editmeta").json() == {"fields": {}}
    assert transition(jira, key, 3).status_code == 204  # Reopen clears the resolution
    assert jira.get(f"/rest/api/2/issue/{key}").json()["fields"]["resolution"] is None


def test_to_do_to_done_where_the_workflow_does_not_allow_it(jira: httpx.Client) -> None:
    seed = default_seed()
    seed["workflows"] = {
        "strict": {
            "initial": "To Do",
            "transitions": [
                {"id": 11, "name": "Start", "from": ["To Do"], "to": "In Progress"},
                {"id": 21, "name": "Finish", "from": ["In Progress"], "to": "Done",
                 "resolution": "done"},
            ],
        }
    }  # fmt: skip
    seed["projects"].append({"key": "STR", "name": "Strict", "workflow": "strict"})
    jira.post("/_sim/seed", content=yaml.safe_dump(seed)).raise_for_status()
    key = create(jira, "STR")
    response = transition(jira, key, 21)
    assert response.json()["errorMessages"] == [WORKFLOW_OPERATION.format(name="Finish", key=key)]
    assert transition(jira, key, 11).status_code == 204
    assert transition(jira, key, 21).status_code == 204


def test_global_transition_to_the_current_status_is_not_offered(jira: httpx.Client) -> None:
    key = create(jira, "SUP")
    ids = [t["id"] for t in jira.get(f"/rest/api/2/issue/{key}/transitions").json()["transitions"]]
    assert ids == ["21", "31"]


def test_permissions(jira: httpx.Client, login: Any) -> None:
    carol = login("carol")
    if carol:
        denied = carol.post(
            "/rest/api/2/issue",
            json={
                "fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Bug"}, "summary": "x"}
            },
        )
        assert denied.status_code == 400
        assert "permission" in denied.json()["errors"]["project"]
        assert carol.get("/rest/api/2/issue/OPS-1/transitions").json()["transitions"] == []
        assert carol.get("/rest/webhooks/1.0/webhook").status_code == 403
    missing = jira.get("/rest/api/2/issue/OPS-999")
    assert missing.status_code == 404
    assert missing.json() == {"errorMessages": ["Issue Does Not Exist"], "errors": {}}


def test_bad_input_is_a_4xx_never_a_500(jira: httpx.Client) -> None:
    bodies = [b"{", b"[]", b'"x"', b'{"fields": 3}', b'{"fields": {"summary": 5}}']
    for body in bodies:
        for method, path in [("POST", "/rest/api/2/issue"), ("PUT", "/rest/api/2/issue/OPS-1"),
                             ("POST", "/rest/api/2/issue/OPS-1/transitions"),
                             ("POST", "/rest/api/2/issue/OPS-1/comment"),
                             ("POST", "/rest/api/2/search")]:  # fmt: skip
            response = jira.request(method, path, content=body)
            assert 400 <= response.status_code < 500, (method, path, body, response.text)
    assert jira.get("/rest/api/2/search", params={"maxResults": "many"}).status_code == 400


def test_permission_status_codes_per_resource(jira: httpx.Client, login: Any) -> None:
    carol = login("carol")
    assert carol.put("/rest/api/2/issue/OPS-1/assignee", json={"name": "bob"}).status_code == 401
    edit = carol.put("/rest/api/2/issue/OPS-1", json={"fields": {"summary": "x"}})
    assert edit.status_code == 400
    assert carol.delete("/rest/api/2/issue/OPS-1").status_code == 403
    comment = jira.post("/rest/api/2/issue/OPS-1/comment", json={"body": "mine"}).json()
    other = carol.put(f"/rest/api/2/issue/OPS-1/comment/{comment['id']}", json={"body": "no"})
    assert other.status_code == 400
    assert carol.post("/rest/api/2/issue/OPS-1/comment", json={"body": "ok"}).status_code == 201


def test_restricted_comments_are_hidden_from_non_members(jira: httpx.Client, login: Any) -> None:
    restricted = {"body": "internal", "visibility": {"type": "group", "value": "jira-developers"}}
    made = jira.post("/rest/api/2/issue/SUP-1/comment", json=restricted).json()
    carol, alice = login("carol"), login("alice")
    assert [
        c["body"] for c in carol.get("/rest/api/2/issue/SUP-1/comment").json()["comments"]
    ] == []
    assert carol.get(f"/rest/api/2/issue/SUP-1/comment/{made['id']}").status_code == 404
    assert carol.get("/rest/api/2/issue/SUP-1").json()["fields"]["comment"]["total"] == 0
    assert alice.get("/rest/api/2/issue/SUP-1").json()["fields"]["comment"]["total"] == 1
