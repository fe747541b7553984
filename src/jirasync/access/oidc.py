"""Accounts of people who sign in through an OpenID Connect provider.

The provider's verified id_token claims decide who the person is (issuer + subject, stable
across renames), what the local account is called, and its role: the groups claim is read at
every sign-in, so a change of groups at the provider applies at the next one. Such accounts
have no password; an account disabled in jirasync stays refused whatever the provider says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from jirasync.config import OidcSettings
from jirasync.store.db import Database
from jirasync.store.models import Account, AccountRole
from jirasync.store.types import utcnow

# Not an argon2 hash, so no password matches it: the password form cannot open these accounts.
NO_PASSWORD = "!oidc"  # noqa: S105 - a marker, not a secret
MAX_USERNAME = 150


class SignOnRefused(Exception):
    """The provider vouched for this person, but jirasync will not let them in; says why."""


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    username: str
    role: AccountRole


def identity_of(claims: Mapping[str, object], settings: OidcSettings) -> Identity:
    """Who the verified id_token claims name, and their role; refused without one."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not subject:
        raise SignOnRefused("the provider's id_token has no issuer or subject")
    return Identity(issuer, subject, _username(claims, settings), _role(claims, settings))


def _username(claims: Mapping[str, object], settings: OidcSettings) -> str:
    for claim in settings.username_claims:
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            name = value.strip()
            if len(name) > MAX_USERNAME:
                raise SignOnRefused(f"the {claim} claim is longer than {MAX_USERNAME} characters")
            return name
    wanted = " or ".join(settings.username_claims)
    raise SignOnRefused(f"the provider's id_token has no {wanted} claim to name your account")


def _role(claims: Mapping[str, object], settings: OidcSettings) -> AccountRole:
    groups = _groups(claims.get(settings.groups_claim))
    if groups & set(settings.admin_groups):
        return AccountRole.ADMIN
    if groups & set(settings.viewer_groups):
        return AccountRole.VIEWER
    raise SignOnRefused("your account is not in the admin or viewer group of jirasync")


def _groups(raw: object) -> set[str]:
    # Providers send a list; some send a lone group as a plain string.
    if isinstance(raw, str):
        return {raw}
    if isinstance(raw, list):
        return {group for group in raw if isinstance(group, str)}
    return set()


async def account_for(db: Database, identity: Identity) -> Account:
    """The account of this identity, made at its first sign-in; its role follows the groups."""
    try:
        async with db.sessions() as session, session.begin():
            row = await session.scalar(
                select(Account).where(
                    Account.oidc_issuer == identity.issuer,
                    Account.oidc_subject == identity.subject,
                )
            )
            if row is None:
                row = await _new_account(session, identity)
            elif not row.enabled:
                raise SignOnRefused(f"the jirasync account {row.username!r} is disabled")
            row.role = identity.role.value
            row.last_login_at = utcnow()
    except IntegrityError:
        # Two first sign-ins of one person at once: the other one made the account.
        raise SignOnRefused("your account was being made by another sign-in: try again") from None
    return row


async def _new_account(session: AsyncSession, identity: Identity) -> Account:
    taken = await session.scalar(select(Account.id).where(Account.username == identity.username))
    if taken is not None:
        # Never join a password account by name: a provider's user named "admin" would get it.
        raise SignOnRefused(
            f"a jirasync account named {identity.username!r} exists already and does not "
            "sign in through this provider: ask an admin"
        )
    row = Account(
        username=identity.username,
        password_hash=NO_PASSWORD,
        role=identity.role.value,
        oidc_issuer=identity.issuer,
        oidc_subject=identity.subject,
    )
    session.add(row)
    return row
