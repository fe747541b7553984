"""How jirasync signs in to the PagerDuty REST API: an API key (account or user) or an OAuth
access token. The secret lives only inside the auth object and never shows in its repr.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx


class ApiKeyAuth(httpx.Auth):
    """`Authorization: Token token=<key>`; any other spelling gets a 401."""

    def __init__(self, api_key: str) -> None:
        self._header = f"Token token={api_key}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "ApiKeyAuth(<redacted>)"


class OAuthTokenAuth(httpx.Auth):
    """`Authorization: Bearer <token>` for app or user OAuth tokens."""

    def __init__(self, access_token: str) -> None:
        self._header = f"Bearer {access_token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "OAuthTokenAuth(<redacted>)"
