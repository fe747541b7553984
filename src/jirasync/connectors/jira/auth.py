"""The three ways jirasync signs in to Jira Server / DC: basic, personal access token (8.14+),
and OAuth 1.0a with RSA-SHA1 through an application link (what HackerOne's integration uses).
"""

from __future__ import annotations

from collections.abc import Generator

import httpx
from oauthlib.oauth1 import SIGNATURE_RSA, Client

FORM = "application/x-www-form-urlencoded"


def basic_auth(username: str, password: str) -> httpx.Auth:
    return httpx.BasicAuth(username, password)


class BearerAuth(httpx.Auth):
    """Personal access token: `Authorization: Bearer <token>`."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class OAuth1RsaAuth(httpx.Auth):
    """OAuth 1.0a, RSA-SHA1, signing every request with the application link's private key."""

    requires_request_body = True

    def __init__(
        self, consumer_key: str, private_key_pem: str, access_token: str, token_secret: str = ""
    ) -> None:
        self._client = Client(
            consumer_key,
            rsa_key=private_key_pem,
            signature_method=SIGNATURE_RSA,
            resource_owner_key=access_token,
            resource_owner_secret=token_secret,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        content_type = request.headers.get("content-type", "")
        # Only form bodies take part in an OAuth 1.0a signature; JSON bodies do not.
        body = request.content.decode() if content_type.startswith(FORM) else None
        headers = {"Content-Type": content_type} if body is not None else {}
        _, signed, _ = self._client.sign(str(request.url), request.method, body, headers)
        request.headers["Authorization"] = signed["Authorization"]
        yield request
