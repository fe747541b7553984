"""One-time login links: a random token that signs one browser in as an account, once, before
it expires (the demo prints one so nobody types a password). The store keeps its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update

from jirasync.access.accounts import account_by_id
from jirasync.store.db import Database
from jirasync.store.models import Account, LoginLink
from jirasync.store.types import utcnow

LINK_PATH = "/login/link/"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_login_link(db: Database, account_id: int, valid_for: timedelta) -> str:
    """A new token for the account; the caller puts it in a URL under LINK_PATH."""
    token = secrets.token_urlsafe(32)
    row = LoginLink(
        account_id=account_id, token_hash=_digest(token), expires_at=utcnow() + valid_for
    )
    async with db.sessions() as session, session.begin():
        session.add(row)
    return token


async def redeem_login_link(db: Database, token: str) -> Account | None:
    """The link's enabled account, if the link was unused and not expired; it is used now."""
    if not token or len(token) > 100:
        return None
    now = utcnow()
    async with db.write() as conn:
        found = await conn.execute(
            update(LoginLink)
            .where(
                LoginLink.token_hash == _digest(token),
                LoginLink.used_at.is_(None),
                LoginLink.expires_at > now,
            )
            .values(used_at=now)
            .returning(LoginLink.account_id)
        )
        account_id = found.scalar_one_or_none()
    if account_id is None:
        return None
    account = await account_by_id(db, account_id)
    return account if account is not None and account.enabled else None
