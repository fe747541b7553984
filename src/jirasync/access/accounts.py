"""Accounts and API tokens in the store.

Passwords are kept as argon2 hashes only; a password is checked against its hash, never
compared in the clear. An API token is 32 random bytes shown once at creation; the store keeps
its SHA-256, so a leaked database does not give working tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import SecretStr
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from jirasync.store.db import Database
from jirasync.store.models import Account, AccountRole, ApiToken
from jirasync.store.types import utcnow

TOKEN_PREFIX = "jst_"  # noqa: S105 - a marker, not a secret
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
# Checked when the username is unknown, so a login takes as long whether or not it exists.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccessError(ValueError):
    """A request about accounts or tokens that cannot be done; the message says why."""


class UnknownAccount(AccessError):
    """No account with that id."""


class LastAdmin(AccessError):
    """The change would leave no enabled admin: nobody could change anything afterwards."""


@dataclass(frozen=True)
class Principal:
    """Who is making a request: an account (by password or session) or an API token."""

    kind: str  # "account" | "token"
    id: int
    name: str
    role: AccountRole

    @property
    def can_change(self) -> bool:
        return self.role is AccountRole.ADMIN


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    role: str
    prefix: str
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewToken:
    info: TokenInfo
    token: SecretStr  # shown to the person once, never stored


def hash_password(password: SecretStr) -> str:
    plain = password.get_secret_value()
    if len(plain) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(plain)


def password_matches(password_hash: str, password: SecretStr) -> bool:
    try:
        return _hasher.verify(password_hash, password.get_secret_value())
    except VerificationError:
        return False
    except InvalidHashError:
        # No password at all (an account made by single sign-on): as slow as a wrong one, so
        # timing does not tell such accounts apart.
        password_matches(_DUMMY_HASH, password)
        return False


def session_fingerprint(account: Account) -> str:
    """Changes when the password does: a session cookie carries it, so a new password ends
    every session signed before."""
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


async def create_account(
    db: Database, username: str, password: SecretStr, role: AccountRole
) -> Account:
    name = username.strip()
    if not name or len(name) > 150:
        raise AccessError("the username must have 1 to 150 characters")
    row = Account(username=name, password_hash=hash_password(password), role=role.value)
    try:
        async with db.sessions() as session, session.begin():
            session.add(row)
    except IntegrityError:
        raise AccessError(f"an account named {name!r} exists already") from None
    return row


async def set_password(db: Database, username: str, password: SecretStr) -> None:
    new_hash = hash_password(password)
    async with db.sessions() as session, session.begin():
        row = await session.scalar(select(Account).where(Account.username == username))
        if row is None:
            raise AccessError(f"no account named {username!r}")
        row.password_hash = new_hash


@dataclass(frozen=True)
class AccountChange:
    """What to change of an account; None keeps it."""

    password: SecretStr | None = None
    role: AccountRole | None = None
    enabled: bool | None = None


async def list_accounts(db: Database) -> list[Account]:
    async with db.sessions() as session:
        return list((await session.scalars(select(Account).order_by(Account.id))).all())


async def change_account(db: Database, account_id: int, change: AccountChange) -> Account:
    """Change an account; a new password or disabling it ends its sessions. The last enabled
    admin cannot be demoted or disabled: nobody could change anything afterwards."""
    new_hash = hash_password(change.password) if change.password is not None else None
    async with db.sessions() as session, session.begin():
        row = await session.get(Account, account_id)
        if row is None:
            raise UnknownAccount(f"no account {account_id}")
        was_admin = _active_admin(row)
        if new_hash is not None:
            row.password_hash = new_hash
        if change.role is not None:
            row.role = change.role.value
        if change.enabled is not None:
            row.enabled = change.enabled
        await session.flush()
        if was_admin and not _active_admin(row) and not await _an_admin_remains(session):
            raise LastAdmin(f"{row.username} is the last enabled admin: make another admin first")
    return row


def _active_admin(row: Account) -> bool:
    return row.role == AccountRole.ADMIN.value and row.enabled


async def _an_admin_remains(session: AsyncSession) -> bool:
    query = select(func.count()).where(
        Account.role == AccountRole.ADMIN.value, Account.enabled.is_(True)
    )
    return bool(await session.scalar(query))


async def authenticate(db: Database, username: str, password: SecretStr) -> Account | None:
    """The enabled account with this username and password, else None."""
    async with db.sessions() as session:
        row = await session.scalar(select(Account).where(Account.username == username))
    if row is None:
        password_matches(_DUMMY_HASH, password)
        return None
    if not password_matches(row.password_hash, password) or not row.enabled:
        return None
    async with db.write() as conn:
        await conn.execute(
            update(Account).where(Account.id == row.id).values(last_login_at=utcnow())
        )
    return row


async def account_by_id(db: Database, account_id: int) -> Account | None:
    async with db.sessions() as session:
        return await session.get(Account, account_id)


def principal_of(account: Account) -> Principal:
    return Principal("account", account.id, account.username, AccountRole(account.role))


# -- API tokens --------------------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.name,
        row.role,
        row.prefix,
        row.created_by,
        row.created_at,
        row.last_used_at,
        row.revoked_at,
    )


async def create_token(
    db: Database, name: str, role: AccountRole, created_by: str | None = None
) -> NewToken:
    label = name.strip()
    if not label or len(label) > 200:
        raise AccessError("the token name must have 1 to 200 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=label,
        role=role.value,
        token_hash=_digest(token),
        prefix=token[:12],
        created_by=created_by,
    )
    async with db.sessions() as session, session.begin():
        session.add(row)
    return NewToken(_info(row), SecretStr(token))


async def list_tokens(db: Database) -> list[TokenInfo]:
    async with db.sessions() as session:
        rows = (await session.scalars(select(ApiToken).order_by(ApiToken.id))).all()
    return [_info(r) for r in rows]


async def revoke_token(db: Database, token_id: int) -> TokenInfo | None:
    async with db.sessions() as session, session.begin():
        row = await session.get(ApiToken, token_id)
        if row is None:
            return None
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        return _info(row)


async def principal_for_token(db: Database, token: str) -> Principal | None:
    """The token's principal when it exists and is not revoked; records its last use."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = _digest(token)
    async with db.sessions() as session:
        row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    # One write per minute per token at most: reads stay cheap on a busy API.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        async with db.write() as conn:
            await conn.execute(
                update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
            )
    return Principal("token", row.id, row.name, AccountRole(row.role))
