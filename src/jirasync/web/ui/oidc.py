"""Signing in with an OpenID Connect provider (single sign-on), when `oidc.enabled`.

Authlib runs the authorization code flow: PKCE (S256), state and nonce kept in the signed
session cookie, discovery from the issuer, and the id_token's signature checked against the
provider's JWKS with its iss, aud, exp and nonce. Everything the browser brings back to the
callback is untrusted: whatever is wrong with it ends on the login page with a 4xx, never a 500.
"""

from __future__ import annotations

from typing import Any

import httpx2
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from joserfc.errors import JoseError

from jirasync.access.accounts import session_fingerprint
from jirasync.access.oidc import SignOnRefused, account_for, identity_of
from jirasync.config import OidcSettings
from jirasync.log import get_logger
from jirasync.web.security import ensure_csrf, start_session
from jirasync.web.ui.access import safe_next, service_of
from jirasync.web.ui.render import page

log = get_logger(__name__)

router = APIRouter()

START_PATH = "/login/oidc"
CALLBACK_PATH = "/login/oidc/callback"
_NEXT_KEY = "oidc_next"
_MAX_PROVIDER_WORDS = 300
# What an unreachable or misbehaving provider raises: bad HTTP, bad JSON, missing metadata.
# Authlib talks through httpx2 (a dependency of ours so that it never falls back to httpx).
_PROVIDER_DOWN = (httpx2.HTTPError, ValueError, KeyError, RuntimeError)


def install_oidc(app: FastAPI, settings: OidcSettings) -> None:
    """The sign-on routes and the login page's button, only when sign-on is on: off, the
    routes do not exist."""
    app.state.oidc = None
    app.state.oidc_button = None
    if not settings.enabled:
        return
    assert settings.issuer and settings.client_secret  # checked by OidcSettings
    oauth = OAuth()
    app.state.oidc = oauth.register(
        "oidc",
        client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        server_metadata_url=settings.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": " ".join(settings.scopes),
            "code_challenge_method": "S256",
            "timeout": 10.0,
        },
    )
    app.state.oidc_button = settings.display_name
    app.include_router(router, include_in_schema=False)


def _provider(request: Request) -> Any:
    return request.app.state.oidc


def _settings(request: Request) -> OidcSettings:
    return service_of(request).settings.oidc


def _issuers(request: Request) -> list[str]:
    # The configured issuer, not just the discovery document's: OIDC Discovery 1.0 says they
    # must be the same. A trailing slash is tolerated either way (Entra ID v1 ends with one).
    issuer = _settings(request).issuer or ""
    return [issuer.rstrip("/"), issuer.rstrip("/") + "/"]


def _on_login_page(request: Request, status: int, problem: str) -> Response:
    ensure_csrf(request)
    next_path = safe_next(request.session.get(_NEXT_KEY))
    return page(request, "login.html", status, next=next_path, error=problem)


@router.get(START_PATH)
async def start(request: Request, next: str | None = None) -> Response:
    """Off to the provider's sign-in page, to come back to the callback."""
    provider = _provider(request)
    request.session[_NEXT_KEY] = safe_next(next)
    callback = service_of(request).settings.callback_url + CALLBACK_PATH
    try:
        redirect: Response = await provider.authorize_redirect(request, callback)
    except _PROVIDER_DOWN as exc:
        log.warning("oidc.discovery_failed", error=type(exc).__name__)
        return _unreachable(request)
    return redirect


def _unreachable(request: Request) -> Response:
    name = _settings(request).display_name
    return _on_login_page(
        request, 502, f"{name} cannot be reached now: try again later, or use a password."
    )


@router.get(CALLBACK_PATH)
async def callback(request: Request) -> Response:
    """The provider sends the browser back here with a code (or an error) and the state."""
    provider = _provider(request)
    name = _settings(request).display_name
    params = request.query_params
    if "error" in params:
        words = _provider_words(params.get("error"), params.get("error_description"))
        return _on_login_page(request, 401, f"{name} did not sign you in: {words}")
    if not params.get("code") or not params.get("state"):
        return _on_login_page(
            request, 400, f"This answer from {name} has no code or state: sign in again."
        )
    try:
        token = await provider.authorize_access_token(
            request, claims_options={"iss": {"essential": True, "values": _issuers(request)}}
        )
    except MismatchingStateError:
        return _on_login_page(
            request,
            400,
            f"This answer from {name} was used already or belongs to another browser: "
            "sign in again.",
        )
    except OAuthError as exc:
        words = _provider_words(exc.error, exc.description)
        log.warning("oidc.token_refused", error=exc.error)
        return _on_login_page(request, 401, f"{name} did not sign you in: {words}")
    except JoseError as exc:
        log.warning("oidc.id_token_rejected", error=type(exc).__name__)
        return _on_login_page(
            request,
            401,
            f"The identity token from {name} failed its checks: {exc.description or exc.error}.",
        )
    except _PROVIDER_DOWN as exc:
        log.warning("oidc.token_failed", error=type(exc).__name__)
        return _unreachable(request)
    claims = token.get("userinfo")
    if not claims:
        return _on_login_page(request, 401, f"{name} sent no identity token.")
    return await _sign_on(request, claims)


async def _sign_on(request: Request, claims: dict[str, object]) -> Response:
    next_path = safe_next(request.session.pop(_NEXT_KEY, None))
    try:
        identity = identity_of(claims, _settings(request))
        account = await account_for(service_of(request).db, identity)
    except SignOnRefused as refused:
        log.info("oidc.refused", subject=claims.get("sub"), reason=str(refused))
        request.session[_NEXT_KEY] = next_path
        return _on_login_page(request, 403, f"You cannot sign in to jirasync: {refused}.")
    start_session(request, account.id, session_fingerprint(account))
    log.info("oidc.signed_in", username=account.username, role=account.role)
    return RedirectResponse(next_path, status_code=303)


def _provider_words(error: str | None, description: str | None) -> str:
    words = f"{error or 'error'}{': ' + description if description else ''}"
    return words[:_MAX_PROVIDER_WORDS]
