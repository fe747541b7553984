"""Single sign-on with OpenID Connect: jirasync's app (in-process) talks over real HTTP to a
tiny provider (tests/web/ui/oidc_provider.py); the test plays the browser between the two."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import select
from tests.web.api.conftest import _HASHES, ADMIN_PASSWORD, settings
from tests.web.ui.conftest import Ui, sign_in
from tests.web.ui.oidc_provider import CLIENT_ID, CLIENT_SECRET, Person, Provider, new_key

from jirasync.access import accounts
from jirasync.access.oidc import NO_PASSWORD
from jirasync.config import OidcSettings, Settings
from jirasync.engine.service import Service
from jirasync.serving import ServerThread, bind_socket, socket_url
from jirasync.store.models import Account
from jirasync.web.app import create_app

CALLBACK = "http://jirasync.test/login/oidc/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    key = new_key()
    holder: list[Provider] = []

    def make(url: str) -> object:
        holder.append(Provider(url, key))
        return holder[0].app

    with ServerThread(make):  # type: ignore[arg-type]
        yield holder[0]


def _oidc(issuer: str) -> OidcSettings:
    return OidcSettings(
        enabled=True,
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        admin_groups=["jirasync-admins"],
        viewer_groups=["jirasync-viewers", "sre"],
        display_name="Testy SSO",
    )


@pytest.fixture
def client(tmp_path: Path, provider: Provider) -> Iterator[TestClient]:
    provider.reset()
    configured = settings(tmp_path).model_copy(update={"oidc": _oidc(provider.url)})
    service = Service(configured)
    with TestClient(create_app(service, run_worker=False), base_url="http://jirasync.test") as c:

        async def seed() -> None:
            async with service.db.sessions() as session, session.begin():
                for name, hashed in _HASHES.items():
                    session.add(Account(username=name, password_hash=hashed, role=name))

        assert c.portal is not None
        c.portal.call(seed)
        yield c


def _to_provider(client: TestClient, next_path: str | None = None) -> str:
    """The browser asks to sign on; returns where the provider sends it back."""
    query = {"next": next_path} if next_path else {}
    go = client.get("/login/oidc", params=query, follow_redirects=False)
    assert go.status_code == 302, go.text
    at_provider = httpx.get(go.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    back: str = at_provider.headers["location"]
    assert back.startswith(CALLBACK + "?")
    return back


def _sign_on(client: TestClient, next_path: str | None = None) -> httpx.Response:
    return client.get(_to_provider(client, next_path), follow_redirects=False)


def _accounts(client: TestClient) -> list[Account]:
    service: Service = client.app.state.service  # type: ignore[attr-defined]

    async def rows() -> list[Account]:
        async with service.db.sessions() as session:
            return list((await session.scalars(select(Account).order_by(Account.id))).all())

    assert client.portal is not None
    return client.portal.call(rows)


def _signed_in(client: TestClient) -> bool:
    return client.get("/", follow_redirects=False).status_code == 200


def test_the_login_page_offers_the_provider_and_an_admin_group_makes_an_admin(
    client: TestClient, provider: Provider
) -> None:
    login = client.get("/login?next=/rules/new")
    assert "Sign in with Testy SSO" in login.text
    assert 'href="/login/oidc?next=/rules/new"' in login.text
    answer = _sign_on(client, "/rules/new")
    assert answer.status_code == 303 and answer.headers["location"] == "/rules/new"
    assert client.get("/rules/new").status_code == 200
    made = _accounts(client)[-1]
    assert (made.username, made.role) == ("alice", "admin")
    assert (made.oidc_issuer, made.oidc_subject) == (provider.url, "00u-alice-1")


def test_a_viewer_group_makes_a_viewer_who_cannot_change(
    client: TestClient, provider: Provider
) -> None:
    provider.person = Person(groups=["other", "sre"])
    assert _sign_on(client, "//evil.example/x").headers["location"] == "/"  # never off-site
    assert client.get("/").status_code == 200
    assert client.get("/rules/new").status_code == 403


def test_a_role_change_at_the_provider_applies_at_the_next_sign_in(
    client: TestClient, provider: Provider
) -> None:
    _sign_on(client)
    provider.person = Person(groups=["jirasync-viewers"])
    client.cookies.clear()
    _sign_on(client)
    assert client.get("/rules/new").status_code == 403
    assert [a.role for a in _accounts(client) if a.username == "alice"] == ["viewer"]


def test_someone_in_neither_group_is_refused(client: TestClient, provider: Provider) -> None:
    provider.person = Person(groups=["marketing"])
    answer = _sign_on(client)
    assert answer.status_code == 403
    assert "your account is not in the admin or viewer group of jirasync" in answer.text
    assert not _signed_in(client)
    assert [a.username for a in _accounts(client)] == ["admin", "viewer"]


def test_a_disabled_account_stays_refused(client: TestClient, provider: Provider) -> None:
    _sign_on(client)
    service: Service = client.app.state.service  # type: ignore[attr-defined]

    async def disable() -> None:
        async with service.db.sessions() as session, session.begin():
            row = await session.scalar(select(Account).where(Account.username == "alice"))
            assert row is not None
            row.enabled = False

    assert client.portal is not None
    client.portal.call(disable)
    assert not _signed_in(client)
    answer = _sign_on(client)
    assert answer.status_code == 403 and "is disabled" in answer.text
    assert not _signed_in(client)


def test_a_password_account_of_the_same_name_is_not_taken_over(
    client: TestClient, provider: Provider
) -> None:
    provider.person = Person(sub="00u-mallory", preferred_username="admin")
    answer = _sign_on(client)
    assert answer.status_code == 403
    assert "named &#39;admin&#39; exists already" in answer.text
    assert not _signed_in(client)


def test_an_account_made_by_sign_on_has_no_password(client: TestClient) -> None:
    _sign_on(client)
    client.cookies.clear()
    for password in ("", "!oidc", "anything-at-all"):
        token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        answer = client.post(
            "/login", data={"username": "alice", "password": password, "csrf_token": token}
        )
        assert answer.status_code in (400, 401)
    assert not _signed_in(client)


def test_the_password_form_still_works(client: TestClient) -> None:
    sign_in(client, "admin", ADMIN_PASSWORD)
    assert client.get("/rules/new").status_code == 200


def test_a_provider_error_is_shown_in_its_words(client: TestClient, provider: Provider) -> None:
    provider.deny = "access_denied"
    answer = _sign_on(client)
    assert answer.status_code == 401
    assert "Testy SSO did not sign you in: access_denied: The user said no" in answer.text
    assert 'name="password"' in answer.text


def test_bad_missing_and_replayed_callbacks_are_4xx_pages(
    client: TestClient, provider: Provider
) -> None:
    back = _to_provider(client)
    code = back.split("code=")[1].split("&")[0]
    forged_state = client.get(f"{CALLBACK}?code={code}&state=forged")
    assert forged_state.status_code == 400
    assert "used already or belongs to another browser" in forged_state.text
    assert client.get(CALLBACK).status_code == 400
    assert client.get(f"{CALLBACK}?state=x").status_code == 400
    good = client.get(back, follow_redirects=False)
    assert good.status_code == 303
    replayed = client.get(back)
    assert replayed.status_code == 400
    assert provider.tokens_issued == 1


def test_a_stolen_code_does_not_work_in_another_browser(
    client: TestClient, provider: Provider
) -> None:
    back = _to_provider(client)
    client.cookies.clear()
    assert client.get(back).status_code == 400
    assert not _signed_in(client)
    assert provider.tokens_issued == 0


def test_an_id_token_signed_with_another_key_is_refused(
    client: TestClient, provider: Provider
) -> None:
    provider.signing_key = new_key()
    answer = _sign_on(client)
    assert answer.status_code == 401
    assert "failed its checks" in answer.text and "signature" in answer.text
    assert not _signed_in(client)


def test_an_id_token_with_another_nonce_is_refused(client: TestClient, provider: Provider) -> None:
    provider.nonce = "not-the-one-asked-for"
    answer = _sign_on(client)
    assert answer.status_code == 401
    assert "failed its checks" in answer.text and "nonce" in answer.text
    assert not _signed_in(client)


def test_an_issuer_other_than_the_configured_one_is_refused(
    client: TestClient, provider: Provider
) -> None:
    provider.issuer = "https://idp.evil.example"  # in discovery and the id_token alike
    answer = _sign_on(client)
    assert answer.status_code == 401
    assert "failed its checks" in answer.text and "iss" in answer.text
    assert not _signed_in(client)


def test_the_client_secret_is_never_logged_nor_shown(
    client: TestClient,
    provider: Provider,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    pages = [client.get("/login").text, _sign_on(client).text, client.get("/").text]
    client.cookies.clear()
    provider.signing_key = new_key()
    pages.append(_sign_on(client).text)
    captured = capsys.readouterr()
    assert "oidc" in caplog.text or "oidc" in captured.out + captured.err  # logging was seen
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    for text in (*pages, caplog.text, captured.out, captured.err):
        assert CLIENT_SECRET not in text and basic not in text


def test_an_unreachable_provider_is_a_clear_page(tmp_path: Path) -> None:
    sock = bind_socket()
    issuer = socket_url(sock)
    sock.close()  # nothing answers there now
    configured = settings(tmp_path).model_copy(update={"oidc": _oidc(issuer)})
    with TestClient(create_app(Service(configured), run_worker=False)) as c:
        answer = c.get("/login/oidc")
    assert answer.status_code == 502
    assert "Testy SSO cannot be reached now" in answer.text


def test_without_oidc_there_is_no_button_and_no_route(ui: Ui) -> None:
    assert "Sign in with" not in ui.client.get("/login").text
    assert ui.client.get("/login/oidc").status_code == 404
    assert ui.client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_enabled_but_incomplete_settings_say_what_is_missing() -> None:
    with pytest.raises(ValidationError) as refused:
        OidcSettings(enabled=True, issuer="https://idp.example", client_id="x")
    message = str(refused.value)
    assert "JIRASYNC_OIDC__CLIENT_SECRET" in message
    assert "JIRASYNC_OIDC__ADMIN_GROUPS or JIRASYNC_OIDC__VIEWER_GROUPS" in message
    assert "JIRASYNC_OIDC__ISSUER" not in message
    assert OidcSettings().enabled is False


def test_the_documented_environment_turns_sign_on_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "JIRASYNC_OIDC__ENABLED": "true",
        "JIRASYNC_OIDC__ISSUER": "https://keycloak.example.com/realms/ops",
        "JIRASYNC_OIDC__CLIENT_ID": "jirasync",
        "JIRASYNC_OIDC__CLIENT_SECRET": CLIENT_SECRET,
        "JIRASYNC_OIDC__ADMIN_GROUPS": "jirasync-admins",
        "JIRASYNC_OIDC__VIEWER_GROUPS": "jirasync-viewers, sre",
        "JIRASYNC_OIDC__SCOPES": '["openid", "groups"]',
    }.items():
        monkeypatch.setenv(name, value)
    oidc = Settings().oidc
    assert oidc.viewer_groups == ["jirasync-viewers", "sre"]
    assert oidc.scopes == ["openid", "groups"]
    assert CLIENT_SECRET not in repr(oidc)


def test_a_password_check_on_an_account_without_password_costs_a_full_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks: list[str] = []
    real = accounts._hasher

    class Counted:
        def verify(self, hashed: str, password: str) -> bool:
            checks.append(hashed)
            return real.verify(hashed, password)

    monkeypatch.setattr(accounts, "_hasher", Counted())
    assert not accounts.password_matches(NO_PASSWORD, SecretStr("anything-at-all"))
    assert checks == [NO_PASSWORD, accounts._DUMMY_HASH]
