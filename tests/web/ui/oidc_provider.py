"""A tiny OpenID Connect provider for tests, served over real HTTP: discovery, an authorize
endpoint that approves the configured person at once (or denies, when told), a token endpoint
that checks the code, the PKCE verifier and the client secret, and the JWKS.

Tests forge what a bad provider or an attacker would send by setting `signing_key` (a key the
JWKS does not publish) or `nonce` (not the one jirasync asked for)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "jirasync-test"
CLIENT_SECRET = "oidc-client-secret-6619"  # the test provider's: must never leak
KEY_ID = "test-key-1"


def new_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})


@dataclass
class Person:
    sub: str = "00u-alice-1"
    preferred_username: str | None = "alice"
    email: str | None = "alice@example.com"
    groups: list[str] = field(default_factory=lambda: ["jirasync-admins"])


@dataclass
class _Grant:
    redirect_uri: str
    challenge: str
    nonce: str | None
    person: Person


class Provider:
    def __init__(self, url: str, key: RSAKey) -> None:
        self.url = url
        self.key = key
        self.reset()
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )

    def reset(self) -> None:
        self.person = Person()
        self.deny: str | None = None  # an error to send back instead of a code
        self.signing_key: RSAKey | None = None
        self.nonce: str | None = None
        self.issuer: str | None = None  # what discovery and the id_token claim, if not the URL
        self.grants: dict[str, _Grant] = {}
        self.tokens_issued = 0

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer or self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request", "why": "PKCE"}, status_code=400)
        if "openid" not in q.get("scope", "").split() or not q.get("nonce"):
            return JSONResponse({"error": "invalid_request", "why": "openid"}, status_code=400)
        redirect_uri = q["redirect_uri"]
        if self.deny:
            answer = {
                "error": self.deny,
                "error_description": "The user said no",
                "state": q["state"],
            }
            return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}", status_code=302)
        code = secrets.token_urlsafe(16)
        self.grants[code] = _Grant(redirect_uri, q["code_challenge"], q.get("nonce"), self.person)
        answer = {"code": code, "state": q["state"]}
        return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        if not self._client_authenticated(request, form.get("client_secret")):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.grants.pop(str(form.get("code")), None)
        if grant is None or form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "PKCE"}, status_code=400
            )
        self.tokens_issued += 1
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self._id_token(grant),
            }
        )

    def _client_authenticated(self, request: Request, form_secret: object) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            given = base64.b64decode(header[6:]).decode()
            return given == f"{CLIENT_ID}:{CLIENT_SECRET}"
        return form_secret == CLIENT_SECRET

    def _id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        person = grant.person
        claims = {
            "iss": self.issuer or self.url,
            "sub": person.sub,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce or grant.nonce,
            "groups": person.groups,
        }
        if person.preferred_username:
            claims["preferred_username"] = person.preferred_username
        if person.email:
            claims["email"] = person.email
        key = self.signing_key or self.key
        return jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, key)
