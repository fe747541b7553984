"""The public `pagerduty` client (python-pagerduty 7), unmodified, against the simulator.

Transport decision: the client refuses non-https base URLs, so it talks to the simulator
in-process: `base_url="https://pd.test"` (the simulator is configured with that base URL so
every `self` link is under it) and `transport=httpx2.WSGITransport(app=a2wsgi.ASGIMiddleware(
app))`. This runs the simulator's real ASGI stack (middleware, routing, serialisation) without
a socket; the socket-level tests in this folder use plain HTTP with httpx.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import a2wsgi
import httpx2
import pagerduty
import pytest

from jirasync.sim.common import SimConfig
from jirasync.sim.pagerduty import DEFAULT_SEED, create_app

BASE = "https://pd.test"


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    seed = json.loads(json.dumps(DEFAULT_SEED))
    seed["webhook_subscriptions"] = []  # no receiver here
    asgi = create_app(SimConfig(base_url=BASE, seed=seed))
    wsgi = a2wsgi.ASGIMiddleware(asgi)  # type: ignore[arg-type]
    yield wsgi


def client(app: Any, key: str = "pdsim-account-key-0001", **kw: Any) -> pagerduty.RestApiV2Client:
    return pagerduty.RestApiV2Client(
        key, base_url=BASE, transport=httpx2.WSGITransport(app=app), **kw
    )


def test_create_update_note_and_iterate(app: Any) -> None:
    pd = client(app, default_from="jirasync@example.com")
    service = {"id": "PSVC001", "type": "service_reference"}
    created = [
        pd.rpost(
            "/incidents", json={"type": "incident", "title": f"client {n}", "service": service}
        )
        for n in range(130)
    ]
    assert created[0]["self"].startswith(BASE)
    updated = pd.rput(created[0], json={"type": "incident_reference", "status": "acknowledged"})
    assert updated["status"] == "acknowledged"
    note = pd.rpost(f"/incidents/{created[0]['id']}/notes", json={"content": "from the client"})
    assert note["content"] == "from the client"
    notes = list(pd.iter_incident_notes(created[0]["id"]))
    assert [n["channel"]["content"] for n in notes] == ["from the client"]
    titles = [i["title"] for i in pd.iter_all("/incidents")]  # two pages of 100
    assert len(titles) == 131 and titles.count("client 129") == 1
    assert pd.get_total("/incidents") == 131


def test_api_key_access(app: Any) -> None:
    assert client(app).api_key_access == "account"
    assert client(app, "pdsim-user-key-alice01").api_key_access == "user"


def test_find_user_by_email_and_abilities(app: Any) -> None:
    pd = client(app)
    user = pd.find("users", "bob@example.com", attribute="email")
    assert user is not None and user["id"] == "PUSER02"
    assert pd.account_has_ability("teams")
    assert not pd.account_has_ability("sso")
    assert pd.rget("/users/PUSER01")["email"] == "alice@example.com"


def test_errors_surface_as_client_errors(app: Any) -> None:
    pd = client(app)  # no default_from: PagerDuty requires From on incident writes
    with pytest.raises(pagerduty.HttpError) as excinfo:
        pd.rpost(
            "/incidents",
            json={
                "type": "incident",
                "title": "x",
                "service": {"id": "PSVC001", "type": "service_reference"},
            },
        )
    assert excinfo.value.response.status_code == 400
