"""The Jira application link (OAuth 1.0a, RSA-SHA1) HackerOne's integration uses, done by
jirasync: a key pair whose public half the Jira admin pastes into the incoming link, then the
three-legged dance — request token → the user approves at the authorize URL → access token.
The result is the `oauth1` credentials of a Jira connection.

Reference: reference/hackerone.md §6.1 (endpoint paths, consumer key "HackerOne JIRA Client").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from oauthlib.oauth1 import SIGNATURE_RSA, Client

from jirasync.core.errors import RemoteError

SERVLET = "/plugins/servlet/oauth"
CONSUMER_KEY = "HackerOne JIRA Client"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str  # what the Jira admin pastes as the incoming link's public key


@dataclass(frozen=True)
class Token:
    token: str
    secret: str


def generate_key_pair(bits: int = 2048) -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private, public)


class AppLink:
    """One consumer (key + private key) against one Jira base URL."""

    def __init__(
        self,
        jira_url: str,
        private_pem: str,
        consumer_key: str = CONSUMER_KEY,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.jira_url = jira_url.rstrip("/")
        self.consumer_key = consumer_key
        self._private_pem = private_pem
        self._transport = transport

    async def request_token(self, callback: str = "oob") -> Token:
        """Step 1: a request token (unapproved)."""
        answer = await self._post("request-token", self._client(callback_uri=callback))
        return _token(answer, "request-token")

    def authorize_url(self, request_token: Token) -> str:
        """Step 2: where the Jira user approves jirasync (the user it will act as)."""
        query = urlencode({"oauth_token": request_token.token})
        return f"{self.jira_url}{SERVLET}/authorize?{query}"

    async def access_token(self, request_token: Token, verifier: str | None = None) -> Token:
        """Step 3: trade the approved request token (and the verifier, if any) for access."""
        client = self._client(
            resource_owner_key=request_token.token,
            resource_owner_secret=request_token.secret,
            verifier=verifier,
        )
        return _token(await self._post("access-token", client), "access-token")

    def credentials(self, access: Token) -> dict[str, Any]:
        """The Jira connection's credentials (set-up document `credentials:`)."""
        return {
            "auth": "oauth1",
            "consumer_key": self.consumer_key,
            "private_key": self._private_pem,
            "access_token": access.token,
            "token_secret": access.secret,
        }

    # -- plumbing ------------------------------------------------------------------------------
    def _client(self, **kwargs: Any) -> Client:
        return Client(
            self.consumer_key,
            signature_method=SIGNATURE_RSA,
            rsa_key=self._private_pem,
            **kwargs,
        )

    async def _post(self, step: str, client: Client) -> dict[str, str]:
        url = f"{self.jira_url}{SERVLET}/{step}"
        _, headers, _ = client.sign(url, "POST", "", {"Content-Type": FORM})
        async with httpx.AsyncClient(transport=self._transport, timeout=15.0) as http:
            response = await http.post(url, headers=headers, content=b"")
        values = dict(parse_qsl(response.text, keep_blank_values=True))
        if not response.is_success:
            problem = values.get("oauth_problem") or response.text[:200] or "no detail"
            raise RemoteError("jira", "POST", f"{SERVLET}/{step}", response.status_code, problem)
        return values


def _token(values: dict[str, str], step: str) -> Token:
    token, secret = values.get("oauth_token"), values.get("oauth_token_secret")
    if not token or secret is None:
        raise RemoteError("jira", "POST", f"{SERVLET}/{step}", 200, "no oauth_token in the answer")
    return Token(token, secret)
