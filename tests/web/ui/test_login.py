"""Signing in and out of the UI: the login form, its CSRF token, the rate limit, and pages
that send a stranger to the login page."""

from __future__ import annotations

from tests.web.api.conftest import ADMIN_PASSWORD
from tests.web.ui.conftest import Ui, as_admin, as_viewer, csrf_of


def test_a_page_sends_a_stranger_to_the_login_page(ui: Ui) -> None:
    answer = ui.client.get("/activity?status=dead", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/activity%3Fstatus%3Ddead"


def test_sign_in_then_out(ui: Ui) -> None:
    token = as_admin(ui.client)
    home = ui.client.get("/")
    assert home.status_code == 200
    assert "admin" in home.text and 'aria-label="Main"' in home.text
    out = ui.client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert ui.client.get("/", follow_redirects=False).status_code == 303


def test_logout_needs_the_csrf_token(ui: Ui) -> None:
    as_viewer(ui.client)
    refused = ui.client.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert ui.client.get("/", follow_redirects=False).status_code == 200


def test_the_login_form_needs_its_csrf_token(ui: Ui) -> None:
    answer = ui.client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert answer.status_code == 403
    assert "expired" in answer.text
    assert ui.client.get("/", follow_redirects=False).status_code == 303


def test_a_wrong_password_says_so_and_the_limit_is_a_clear_message(ui: Ui) -> None:
    for _ in range(5):
        token = csrf_of(ui.client.get("/login").text)
        wrong = ui.client.post(
            "/login", data={"username": "admin", "password": "nope-nope", "csrf_token": token}
        )
        assert wrong.status_code == 401
        assert "Wrong username or password." in wrong.text
    token = csrf_of(ui.client.get("/login").text)
    limited = ui.client.post(
        "/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token}
    )
    assert limited.status_code == 429
    assert "Too many failed logins for admin" in limited.text
    assert "try again in 5 minutes" in limited.text
    # The API's login shares the limit.
    api = ui.client.post(
        "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert api.status_code == 429


def test_next_goes_back_to_the_page_asked_for_but_never_off_site(ui: Ui) -> None:
    for asked, landed in (
        ("/queue", "/queue"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
    ):
        token = csrf_of(ui.client.get("/login").text)
        answer = ui.client.post(
            "/login",
            data={
                "username": "admin",
                "password": ADMIN_PASSWORD,
                "csrf_token": token,
                "next": asked,
            },
            follow_redirects=False,
        )
        assert answer.headers["location"] == landed
        ui.client.cookies.clear()


def test_a_login_link_signs_in_once_and_not_after_it_expires(ui: Ui) -> None:
    from datetime import timedelta

    from jirasync.access.login_links import create_login_link

    fresh = ui.run(create_login_link(ui.service.db, 1, timedelta(minutes=5)))
    stale = ui.run(create_login_link(ui.service.db, 1, timedelta(minutes=-1)))
    used = ui.client.get(f"/login/link/{fresh}", follow_redirects=False)
    assert used.status_code == 303 and used.headers["location"] == "/"
    assert ui.client.get("/", follow_redirects=False).status_code == 200
    ui.client.cookies.clear()
    for token in (fresh, stale, "not-a-token"):
        again = ui.client.get(f"/login/link/{token}")
        assert again.status_code == 403
        assert "used already or has expired" in again.text
    assert ui.client.get("/", follow_redirects=False).status_code == 303
