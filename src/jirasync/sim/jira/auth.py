"""Who is calling: basic auth, personal access tokens (Bearer) and OAuth 1.0a RSA-SHA1
(application links). Anonymous requests get None; bad credentials raise 401."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from oauthlib.oauth1.rfc5849 import signature as oauth_signature

from jirasync.sim.jira.errors import JiraError
from jirasync.sim.jira.model import OAuthConsumer, OAuthToken, State, User

LOGIN_FAILED = {"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"}


def authenticate(
    state: State,
    method: str,
    url: str,
    headers: Mapping[str, str],
    form_body: list[tuple[str, str]] | None = None,
) -> User | None:
    header = headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if not header:
        return None
    if scheme == "basic":
        return _basic(state, value.strip())
    if scheme == "bearer":
        if tuple(state.options.version_numbers[:2]) < (8, 14):
            raise _failed()  # personal access tokens arrived in Jira 8.14
        return _bearer(state, value.strip())
    if scheme == "oauth":
        params = verify_oauth(state, method, url, headers, form_body)
        token = state.oauth_tokens.get(params.get("oauth_token", ""))
        if token is None or token.kind != "access" or token.user is None:
            raise oauth_problem("token_rejected")
        return _active(state.users.get(token.user))
    raise _failed()


def _failed() -> JiraError:
    return JiraError(
        401,
        ["You are not authenticated. Authentication required to perform this operation."],
        headers={**LOGIN_FAILED, "WWW-Authenticate": 'Basic realm="protected-area"'},
    )


def _active(user: User | None) -> User:
    if user is None or not user.active:
        raise _failed()
    return user


def _basic(state: State, value: str) -> User:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _failed() from None
    name, _, password = decoded.partition(":")
    user = state.users.get(name)
    limit = state.options.captcha_after
    if limit is not None and state.failed_logins.get(name, 0) >= limit:
        # Jira stops accepting basic auth for this user until a CAPTCHA is solved in the UI
        raise JiraError(
            403,
            ["CAPTCHA_CHALLENGE"],
            headers={
                "X-Authentication-Denied-Reason": "CAPTCHA_CHALLENGE; login-url=/login.jsp",
            },
        )
    if user is None or user.password is None or user.password != password:
        state.failed_logins[name] = state.failed_logins.get(name, 0) + 1
        raise _failed()
    state.failed_logins.pop(name, None)
    return _active(user)


def _bearer(state: State, token: str) -> User:
    user = next((u for u in state.users.values() if token in u.tokens), None)
    return _active(user)


# -- OAuth 1.0a --------------------------------------------------------------------------------
def oauth_problem(problem: str) -> JiraError:
    return JiraError(
        401,
        [f"OAuth problem: {problem}"],
        headers={"WWW-Authenticate": f'OAuth realm="jira", oauth_problem="{problem}"'},
    )


def verify_oauth(
    state: State,
    method: str,
    url: str,
    headers: Mapping[str, str],
    form_body: list[tuple[str, str]] | None,
) -> dict[str, str]:
    """Check an OAuth 1.0a RSA-SHA1 signature; returns the oauth_* parameters."""
    query = url.partition("?")[2]
    try:
        params = oauth_signature.collect_parameters(
            uri_query=query,
            body=form_body or [],
            headers={"Authorization": headers.get("authorization", "")},
            exclude_oauth_signature=False,
        )
    except ValueError:
        raise oauth_problem("parameter_rejected") from None
    oauth = dict(params)
    if oauth.get("oauth_signature_method") != "RSA-SHA1":
        raise oauth_problem("signature_method_rejected")
    consumer = state.consumers.get(oauth.get("oauth_consumer_key", ""))
    if consumer is None or not consumer.public_key:
        raise oauth_problem("consumer_key_unknown")
    unsigned = [(k, v) for k, v in params if k != "oauth_signature"]
    base = oauth_signature.signature_base_string(
        method.upper(),
        oauth_signature.base_string_uri(url),
        oauth_signature.normalize_parameters(unsigned),
    )
    if not _rsa_ok(consumer, base, oauth.get("oauth_signature", "")):
        raise oauth_problem("signature_invalid")
    return oauth


def _rsa_ok(consumer: OAuthConsumer, base: str, encoded: str) -> bool:
    try:
        key = serialization.load_pem_public_key(consumer.public_key.encode())
        raw = base64.b64decode(encoded)
    except (ValueError, binascii.Error):
        return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(raw, base.encode("ascii"), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    except InvalidSignature:
        return False
    return True


def token_for(state: State, params: dict[str, Any], kind: str) -> OAuthToken:
    token = state.oauth_tokens.get(str(params.get("oauth_token", "")))
    if token is None or token.kind != kind:
        raise oauth_problem("token_rejected")
    return token
