"""The OAuth 1.0a three-legged dance of an application link (`/plugins/servlet/oauth/…`)
and `/_sim/jira/…` helpers to register a consumer and approve a request token headlessly."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from jirasync.sim.jira.auth import authenticate, oauth_problem, token_for, verify_oauth
from jirasync.sim.jira.errors import JiraError
from jirasync.sim.jira.model import OAuthConsumer, OAuthToken, State

if TYPE_CHECKING:
    from jirasync.sim.jira.simulator import JiraSimulator

SERVLET = "/plugins/servlet/oauth"


def _form_response(values: dict[str, str]) -> Response:
    return PlainTextResponse(urlencode(values), media_type="application/x-www-form-urlencoded")


def _problem(exc: JiraError) -> Response:
    problem = exc.headers.get("WWW-Authenticate", "").rpartition('oauth_problem="')[2].rstrip('"')
    return PlainTextResponse(
        urlencode({"oauth_problem": problem or "unknown"}), exc.status, headers=exc.headers
    )


async def _signed(request: Request, state: State) -> dict[str, str]:
    form = None
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    params = verify_oauth(state, request.method, str(request.url), request.headers, form)
    for key, value in form or []:
        params.setdefault(key, value)
    return params


def approve(state: State, token: str, user: str) -> str:
    """Authorize a request token for `user`; returns the verifier."""
    found = state.oauth_tokens.get(token)
    if found is None or found.kind != "request":
        raise oauth_problem("token_rejected")
    if user not in state.users:
        raise JiraError(400, [f"User '{user}' does not exist."])
    found.user = user
    found.verifier = secrets.token_urlsafe(8)
    return found.verifier


def oauth_routes(sim: JiraSimulator) -> list[BaseRoute]:
    async def request_token(request: Request) -> Response:
        try:
            params = await _signed(request, sim.state)
        except JiraError as exc:
            return _problem(exc)
        token = OAuthToken(
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(24),
            params["oauth_consumer_key"],
            None,
            "request",
            callback=params.get("oauth_callback"),
        )
        sim.state.oauth_tokens[token.token] = token
        return _form_response(
            {"oauth_token": token.token, "oauth_token_secret": token.secret,
             "oauth_callback_confirmed": "true"}
        )  # fmt: skip

    async def authorize(request: Request) -> Response:
        token = request.query_params.get("oauth_token", "")
        try:
            user = authenticate(sim.state, request.method, str(request.url), request.headers)
            if user is None:
                return PlainTextResponse(
                    "Log in to approve this application link.",
                    401,
                    headers={"WWW-Authenticate": 'Basic realm="jira"'},
                )
            verifier = approve(sim.state, token, user.name)
        except JiraError as exc:
            return _problem(exc)
        callback = sim.state.oauth_tokens[token].callback
        if callback and callback != "oob":
            separator = "&" if "?" in callback else "?"
            query = urlencode({"oauth_token": token, "oauth_verifier": verifier})
            return RedirectResponse(callback + separator + query, 302)
        return PlainTextResponse(f"Access approved. Verification code: {verifier}")

    async def access_token(request: Request) -> Response:
        try:
            params = await _signed(request, sim.state)
            pending = token_for(sim.state, params, "request")
            if pending.user is None:
                raise oauth_problem("permission_unknown")
            if (
                pending.callback not in (None, "oob")
                and params.get("oauth_verifier") != pending.verifier
            ):
                raise oauth_problem("token_rejected")
        except JiraError as exc:
            return _problem(exc)
        del sim.state.oauth_tokens[pending.token]
        access = OAuthToken(
            secrets.token_urlsafe(24), secrets.token_urlsafe(24), pending.consumer,
            pending.user, "access",
        )  # fmt: skip
        sim.state.oauth_tokens[access.token] = access
        sim.persist()
        return _form_response({"oauth_token": access.token, "oauth_token_secret": access.secret})

    async def control_applink(request: Request) -> Response:
        body: Any = await request.json()
        if not isinstance(body, dict) or not body.get("consumerKey") or not body.get("publicKey"):
            return JSONResponse({"error": "consumerKey and publicKey are required"}, 400)
        key = str(body["consumerKey"])
        sim.state.consumers[key] = OAuthConsumer(
            key, str(body.get("name", key)), str(body["publicKey"])
        )
        return JSONResponse({"consumerKey": key}, 201)

    async def control_approve(request: Request) -> Response:
        body: Any = await request.json()
        if not isinstance(body, dict):
            return JSONResponse({"error": "expected {token, user}"}, 400)
        try:
            verifier = approve(sim.state, str(body.get("token")), str(body.get("user", "admin")))
        except JiraError as exc:
            return JSONResponse({"error": "; ".join(exc.messages)}, 400)
        return JSONResponse({"verifier": verifier})

    ctx = sim.context_path
    return [
        Route(ctx + SERVLET + "/request-token", request_token, methods=["POST"]),
        Route(ctx + SERVLET + "/authorize", authorize, methods=["GET", "POST"]),
        Route(ctx + SERVLET + "/access-token", access_token, methods=["POST"]),
        Route("/_sim/jira/applinks", control_applink, methods=["POST"]),
        Route("/_sim/jira/oauth/approve", control_approve, methods=["POST"]),
    ]
