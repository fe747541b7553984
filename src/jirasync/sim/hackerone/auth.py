"""Who is calling: HTTP Basic with an API token identifier and value, and what the token's
groups allow (report management, reward management …)."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from starlette.requests import Request

from jirasync.sim.hackerone.errors import H1Error
from jirasync.sim.hackerone.model import ApiToken, Program, User
from jirasync.sim.hackerone.state import State


@dataclass(frozen=True)
class Principal:
    """An authenticated API token: the program it belongs to and the user it acts as."""

    program: Program
    token: ApiToken
    user: User
    permissions: frozenset[str]

    def require(self, permission: str, status: int = 403) -> None:
        """Refuse with `status` (403 for most endpoints, 404 for reward ones) when missing."""
        if permission not in self.permissions:
            raise H1Error(status)


def authenticate(request: Request, state: State) -> Principal:
    identifier, value = _basic_credentials(request)
    found = state.token(identifier)
    if found is None:
        raise H1Error(401)
    program, token = found
    if not hmac.compare_digest(token.value.encode(), value.encode()):
        raise H1Error(401)
    permissions: set[str] = set()
    for group_id in token.group_ids:
        group = program.group(group_id)
        if group is not None:
            permissions.update(group.permissions)
    return Principal(program, token, state.users[token.user_id], frozenset(permissions))


def _basic_credentials(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise H1Error(401)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise H1Error(401) from exc
    identifier, sep, value = decoded.partition(":")
    if not sep:
        raise H1Error(401)
    return identifier, value
