"""Declarative set-up: a YAML document of connections, rules and user mappings written to the
store (`jirasync apply FILE`). Applying the same document twice changes nothing; a connection,
rule or mapping is matched by its name (or its user pair) and updated in place.

Every problem is reported with where it is (`rules.pagerduty[1].rule.config.services`), and
nothing is written unless the whole document is valid.
"""

from __future__ import annotations

import secrets as token_source
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import and_, select

from jirasync.core.rules.hackerone import Escalation
from jirasync.core.rules.pagerduty import Rule
from jirasync.crypto import SecretBox
from jirasync.store.credentials import open_credentials, seal_credentials
from jirasync.store.db import Database
from jirasync.store.models import Connection, UserMapping
from jirasync.store.models import Rule as RuleRow
from jirasync.sync.connections import (
    CREDENTIALS_OF,
)


class SetupError(ValueError):
    """The document is not valid; `problems` lists each with its place."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConnectionDoc(_Doc):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["jira", "pagerduty", "hackerone"]
    base_url: str = Field(min_length=1)
    enabled: bool = True
    credentials: dict[str, Any]
    options: dict[str, Any] = Field(default_factory=dict)


class PagerDutyRuleDoc(_Doc):
    connection: str
    jira: str
    rule: dict[str, Any]


class EscalationDoc(_Doc):
    connection: str
    jira: str
    escalation: dict[str, Any]


class RulesDoc(_Doc):
    pagerduty: list[PagerDutyRuleDoc] = Field(default_factory=list)
    hackerone: list[EscalationDoc] = Field(default_factory=list)


class UserMappingDoc(_Doc):
    jira: str
    connection: str
    jira_user: str
    remote_user: str
    email: str | None = None
    fallback: bool = False


class SetupDoc(_Doc):
    connections: list[ConnectionDoc] = Field(default_factory=list)
    rules: RulesDoc = Field(default_factory=RulesDoc)
    user_mappings: list[UserMappingDoc] = Field(default_factory=list)


@dataclass
class Applied:
    connections: dict[str, int] = field(default_factory=dict)
    rules: int = 0
    user_mappings: int = 0


async def apply(
    db: Database, secrets: SecretBox, document: Mapping[str, Any], check_jira: bool = True
) -> Applied:
    """Write the document; with `check_jira`, HackerOne escalations are first checked
    against Jira's create screen (createmeta) and refused with what is wrong."""
    doc = _validate(document)
    if check_jira and doc.rules.hackerone:
        from jirasync.sync.escalation_check import createmeta_problems

        if problems := await createmeta_problems(doc):
            raise SetupError(problems)
    applied = Applied()
    async with db.sessions() as session, session.begin():
        by_name = {c.name: c for c in (await session.scalars(select(Connection))).all()}
        for item in doc.connections:
            row = by_name.get(item.name) or Connection(name=item.name)
            row.kind, row.base_url, row.enabled = item.kind, item.base_url.rstrip("/"), item.enabled
            row.options = item.options
            seal_connection_credentials(row, secrets, item.credentials)
            session.add(row)
            by_name[item.name] = row
        await session.flush()
        applied.connections = {name: row.id for name, row in by_name.items()}
        for position, rule_doc in enumerate(doc.rules.pagerduty):
            rule = Rule.model_validate(rule_doc.rule)
            await _upsert_rule(
                session,
                "pagerduty",
                rule.name,
                rule.enabled,
                position,
                by_name[rule_doc.connection].id,
                by_name[rule_doc.jira].id,
                rule.model_dump(mode="json", by_alias=True, exclude_unset=True),
            )
            applied.rules += 1
        for position, escalation_doc in enumerate(doc.rules.hackerone):
            escalation = Escalation.model_validate(escalation_doc.escalation)
            await _upsert_rule(
                session,
                "hackerone",
                escalation.name,
                escalation.enabled,
                position,
                by_name[escalation_doc.connection].id,
                by_name[escalation_doc.jira].id,
                escalation.model_dump(mode="json"),
            )
            applied.rules += 1
        for mapping in doc.user_mappings:
            await _upsert_mapping(
                session, mapping, by_name[mapping.jira].id, by_name[mapping.connection].id
            )
            applied.user_mappings += 1
    return applied


def _validate(document: Mapping[str, Any]) -> SetupDoc:
    try:
        doc = SetupDoc.model_validate(document)
    except ValidationError as exc:
        raise SetupError([_where(e) for e in exc.errors()]) from None
    problems: list[str] = []
    names = [c.name for c in doc.connections]
    kinds = {c.name: c.kind for c in doc.connections}
    for i, item in enumerate(doc.connections):
        try:
            _credentials(item)
        except ValidationError as exc:
            problems += [f"connections[{i}].credentials.{_where(e)}" for e in exc.errors()]
    sections: tuple[tuple[str, list[Any], type[BaseModel], str], ...] = (
        ("pagerduty", doc.rules.pagerduty, Rule, "pagerduty"),
        ("hackerone", doc.rules.hackerone, Escalation, "hackerone"),
    )
    for section, items, model, kind in sections:
        for i, entry in enumerate(items):
            where = f"rules.{section}[{i}]"
            problems += _reference_problems(where, entry.connection, kind, entry.jira, kinds, names)
            body = entry.rule if isinstance(entry, PagerDutyRuleDoc) else entry.escalation
            try:
                model.model_validate(body)
            except ValidationError as exc:
                inner = "rule" if section == "pagerduty" else "escalation"
                problems += [f"{where}.{inner}.{_where(e)}" for e in exc.errors()]
    for i, mapping in enumerate(doc.user_mappings):
        problems += _reference_problems(
            f"user_mappings[{i}]", mapping.connection, None, mapping.jira, kinds, names
        )
    if len(set(names)) != len(names):
        problems.append("connections: names must be unique")
    if problems:
        raise SetupError(problems)
    return doc


def _reference_problems(
    where: str,
    connection: str,
    kind: str | None,
    jira: str,
    kinds: Mapping[str, str],
    names: list[str],
) -> list[str]:
    problems = []
    if connection not in kinds:
        problems.append(
            f"{where}.connection: no connection named {connection!r} (have {', '.join(names)})"
        )
    elif kind is not None and kinds[connection] != kind:
        problems.append(
            f"{where}.connection: {connection!r} is a {kinds[connection]} connection, not {kind}"
        )
    if kinds.get(jira) != "jira":
        problems.append(f"{where}.jira: {jira!r} is not a Jira connection")
    return problems


# Secrets jirasync made itself (webhook URL token, PagerDuty subscription secrets): kept when
# the document does not give them, or re-applying would break the registered webhooks.
_GENERATED = ("webhook_token", "webhook_secrets")


def _kept_secrets(secrets: SecretBox, row: Connection) -> dict[str, Any]:
    try:
        stored = open_credentials(row, secrets, CREDENTIALS_OF[row.kind])
    except (ValueError, KeyError):  # undecryptable, of another kind, or invalid: keep nothing
        return {}
    return {k: getattr(stored, k) for k in _GENERATED if getattr(stored, k, None) is not None}


def _credentials(item: ConnectionDoc, kept: Mapping[str, Any] | None = None) -> BaseModel:
    return credentials_of_kind(item.kind, item.credentials, kept)


def credentials_of_kind(
    kind: str, given: Mapping[str, Any], kept: Mapping[str, Any] | None = None
) -> BaseModel:
    """The credentials model of a connection kind; raises pydantic's ValidationError."""
    raw = {**(kept or {}), **given}
    if kind == "jira":
        raw.setdefault("webhook_token", token_source.token_urlsafe(24))
    return CREDENTIALS_OF[kind].model_validate(raw)


def seal_connection_credentials(
    row: Connection, secrets: SecretBox, given: Mapping[str, Any]
) -> None:
    """Seal `given` on the row (kind set), keeping the secrets jirasync generated itself."""
    kept = _kept_secrets(secrets, row) if row.id is not None else {}
    seal_credentials(row, secrets, credentials_of_kind(row.kind, given, kept))


async def _upsert_rule(
    session: Any,
    kind: str,
    name: str,
    enabled: bool,
    position: int,
    connection_id: int,
    jira_connection_id: int,
    definition: dict[str, Any],
) -> None:
    condition = and_(
        RuleRow.kind == kind, RuleRow.name == name, RuleRow.connection_id == connection_id
    )
    row = await session.scalar(select(RuleRow).where(condition)) or RuleRow(kind=kind, name=name)
    row.enabled, row.position, row.definition = enabled, position, definition
    row.connection_id, row.jira_connection_id = connection_id, jira_connection_id
    session.add(row)


async def _upsert_mapping(
    session: Any, doc: UserMappingDoc, jira_id: int, connection_id: int
) -> None:
    condition = and_(
        UserMapping.jira_connection_id == jira_id,
        UserMapping.connection_id == connection_id,
        UserMapping.remote_user == doc.remote_user,
    )
    row = await session.scalar(select(UserMapping).where(condition)) or UserMapping(
        jira_connection_id=jira_id, connection_id=connection_id, remote_user=doc.remote_user
    )
    row.jira_user, row.email, row.is_fallback = doc.jira_user, doc.email, doc.fallback
    session.add(row)


def _where(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"])
    return f"{location}: {error['msg']}"
