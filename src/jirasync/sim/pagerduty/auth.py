"""Who is calling and as whom: `Authorization` (account key, user key, OAuth bearer), the
`Accept` version, and the `From` header PagerDuty requires on some writes (reference §1.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from starlette.datastructures import Headers

from jirasync.sim.pagerduty.errors import (
    ACCESS_DENIED,
    AUTH_FAILED,
    FROM_MISSING,
    MALFORMED_FROM,
    REQUESTER_NOT_FOUND,
    PDError,
    invalid,
)
from jirasync.sim.pagerduty.model import Actor
from jirasync.sim.pagerduty.state import State

_TOKEN = re.compile(r"^Token token=(?P<key>\S+)$")
_BEARER = re.compile(r"^Bearer (?P<key>\S+)$")
_VERSION = re.compile(r"application/vnd\.pagerduty\+json;\s*version=(?P<v>\w+)")
FROM_REQUIRED_MESSAGE = (
    'You must specify a user\'s email address in the "From" header to perform this action'
)


@dataclass(frozen=True)
class Caller:
    """An authenticated caller. `user_id` is set for user keys and user OAuth tokens."""

    kind: Literal["account", "user", "oauth"]
    key: str
    user_id: str | None = None
    read_only: bool = False

    @property
    def bucket(self) -> str:
        """The rate-limit budget: per account key, per user across the user's keys and tokens."""
        return f"user:{self.user_id}" if self.user_id else f"key:{self.key}"


def authenticate(state: State, headers: Headers) -> Caller:
    """The caller behind `Authorization`, or 401 with PagerDuty's error body."""
    value = headers.get("authorization", "")
    creds = state.credentials
    if match := _TOKEN.match(value):
        key = match["key"]
        if key in creds.account_keys:
            return Caller("account", key, read_only=creds.account_keys[key])
        if key in creds.user_keys:
            return Caller("user", key, creds.user_keys[key])
    elif match := _BEARER.match(value):
        token = match["key"]
        if token in creds.oauth_tokens:
            return Caller("oauth", token, creds.oauth_tokens[token])
    raise PDError(401, "Authentication failed", AUTH_FAILED)


def check_accept(headers: Headers) -> None:
    """`Accept: application/vnd.pagerduty+json;version=2` is optional; other versions are not."""
    match = _VERSION.search(headers.get("accept", ""))
    if match and match["v"] != "2":
        raise invalid(f"Unsupported API version {match['v']}; only version=2 is served")


def check_write(caller: Caller, method: str) -> None:
    if caller.read_only and method not in ("GET", "HEAD"):
        raise PDError(403, "Access Denied", ACCESS_DENIED, ["This API key is read-only"])


def acting_user(
    state: State, caller: Caller, headers: Headers, from_required: bool
) -> Actor | None:
    """The user recorded as having acted: the `From` user, else the token's own user.

    Endpoints that declare `From` require it unless the token already names a user.
    """
    email = headers.get("from")
    if email is None or not email.strip():
        if caller.user_id is not None:
            return Actor("user", caller.user_id)
        if from_required:
            raise PDError(400, FROM_REQUIRED_MESSAGE, FROM_MISSING)
        return None
    if "@" not in email:
        raise PDError(
            400,
            'Malformed "From" header',
            MALFORMED_FROM,
            ['The "From" header must be the email address of a user'],
        )
    user = state.user_by_email(email)
    if user is None:
        raise PDError(
            400,
            "Requester User Not Found",
            REQUESTER_NOT_FOUND,
            [f"No user with email {email.strip()} on this account"],
        )
    return Actor("user", user.id)
