"""Seed documents (YAML/JSON) → a fresh `State`, with `SeedError`s that say where and what.

Shape (every list optional):

    users: [{id, username, name, created_at, reputation, signal, impact, disabled}]
    programs:
      - {id, handle, created_at, policy, webhook_secret,
         groups: [{id, name, permissions: [...]}],
         members: [{id, user: <username>, permissions: [...]}],
         api_tokens: [{identifier, token, user: <username>, groups: [<group name>]}],
         webhooks: [{url, secret, events: all | [<event>, ...]}],
         weaknesses: [{id, name, external_id, description}],
         structured_scopes: [{id, asset_type, asset_identifier, eligible_for_bounty, ...}]}
    reports:
      - {id, program: <handle>, title, vulnerability_information, state, reporter: <username>,
         created_at, <any report date>, source, assignee: {user: <username>} | {group: <name>},
         severity: {rating, score, ...cvss metrics}, weakness: <id>, structured_scope: <id>,
         issue_tracker_reference_id, issue_tracker_reference_url, comments_closed,
         activities: [{id, type, actor: <username> | "program" | null, message, internal,
                       created_at, attributes: {...}, assigned_user: <username>,
                       group: <group name>}],
         bounties: [{id, amount, bonus_amount, created_at}]}
    rate_limits: {reads_per_minute, writes_per_20s}
"""

from __future__ import annotations

from typing import Any

from jirasync.sim.common import SeedError
from jirasync.sim.hackerone.model import (
    PERMISSIONS,
    ApiToken,
    Group,
    Member,
    Program,
    StructuredScope,
    User,
    Weakness,
    WebhookConfig,
)
from jirasync.sim.hackerone.seed_fields import (
    EPOCH,
    each,
    get,
    get_list,
    get_time,
    mapping,
    unique,
    user_ref,
)
from jirasync.sim.hackerone.seed_reports import RATINGS, build_report
from jirasync.sim.hackerone.state import State
from jirasync.sim.hackerone.webhooks import KNOWN_EVENTS

SCOPE_DETAILS = (
    "confidentiality_requirement",
    "integrity_requirement",
    "availability_requirement",
    "reference",
)

__all__ = ["RATINGS", "build_state", "rate_limits", "webhook_config"]


def _permissions(entry: dict[str, Any], where: str) -> list[str]:
    permissions = [str(p) for p in get_list(entry, "permissions", where)]
    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown:
        raise SeedError(f"{where}: unknown permission(s) {unknown}; known: {list(PERMISSIONS)}")
    return permissions


def build_state(seed: dict[str, Any]) -> State:
    unknown = set(seed) - {"users", "programs", "reports", "rate_limits"}
    if unknown:
        raise SeedError(f"seed: unknown top-level key(s) {sorted(unknown)}")
    state = State()
    for user in each(seed, "users", "seed", _user):
        if user.id in state.users or state.user_by_name(user.username):
            raise SeedError(f"seed.users: duplicate user {user.username!r} / id {user.id}")
        state.users[user.id] = user
    for i, raw in enumerate(get_list(seed, "programs", "seed")):
        program = _program(state, mapping(raw, f"programs[{i}]"), f"programs[{i}]")
        if program.id in state.programs or state.program_by_handle(program.handle):
            raise SeedError(f"programs[{i}]: duplicate program {program.handle!r}")
        state.programs[program.id] = program
    for i, raw in enumerate(get_list(seed, "reports", "seed")):
        build_report(state, mapping(raw, f"reports[{i}]"), f"reports[{i}]")
    state.forget_ids()
    return state


def rate_limits(seed: dict[str, Any]) -> dict[str, int]:
    raw = mapping(seed.get("rate_limits") or {}, "rate_limits")
    limits: dict[str, int] = {}
    for key in ("reads_per_minute", "writes_per_20s"):
        if key in raw:
            value = get(raw, key, int, "rate_limits")
            if value < 1:
                raise SeedError(f"rate_limits: '{key}' must be at least 1")
            limits[key] = value
    return limits


def _user(entry: dict[str, Any], where: str) -> User:
    return User(
        id=get(entry, "id", int, where),
        username=get(entry, "username", str, where),
        name=get(entry, "name", str, where, None),
        created_at=get_time(entry, "created_at", where, EPOCH),
        disabled=get(entry, "disabled", bool, where, False),
        reputation=get(entry, "reputation", int, where, None),
        signal=get(entry, "signal", float, where, None),
        impact=get(entry, "impact", float, where, None),
        address=_address(entry, where),
        profile={k: get(entry, k, str, where, None) for k in ("bio", "website", "location")},
    )


def _address(entry: dict[str, Any], where: str) -> dict[str, str] | None:
    raw = entry.get("address")
    if raw is None:
        return None
    return {str(k): str(v) for k, v in mapping(raw, f"{where}.address").items()}


def _program(state: State, entry: dict[str, Any], where: str) -> Program:
    created = get_time(entry, "created_at", where, EPOCH)
    program = Program(
        id=get(entry, "id", int, where),
        handle=get(entry, "handle", str, where),
        created_at=created,
        updated_at=get_time(entry, "updated_at", where, created),
        policy=get(entry, "policy", str, where, ""),
        webhook_secret=get(entry, "webhook_secret", str, where, ""),
    )
    program.groups = each(entry, "groups", where, _group)
    unique(program.groups, "name", f"{where}.groups")
    unique(program.groups, "id", f"{where}.groups")
    program.members = each(entry, "members", where, lambda e, w: _member(state, e, w))
    program.tokens = each(entry, "api_tokens", where, lambda e, w: _token(state, program, e, w))
    unique(program.tokens, "identifier", f"{where}.api_tokens")
    program.webhooks = each(
        entry, "webhooks", where, lambda e, w: webhook_config(e, w, program.webhook_secret)
    )
    program.weaknesses = each(entry, "weaknesses", where, _weakness)
    program.scopes = each(entry, "structured_scopes", where, _scope)
    return program


def _group(entry: dict[str, Any], where: str) -> Group:
    return Group(
        id=get(entry, "id", int, where),
        name=get(entry, "name", str, where),
        permissions=_permissions(entry, where),
        created_at=get_time(entry, "created_at", where, EPOCH),
    )


def _member(state: State, entry: dict[str, Any], where: str) -> Member:
    user = user_ref(state, entry, "user", where)
    return Member(
        id=get(entry, "id", int, where, user.id + 10_000_000),
        user_id=user.id,
        permissions=_permissions(entry, where),
        created_at=get_time(entry, "created_at", where, EPOCH),
    )


def _token(state: State, program: Program, entry: dict[str, Any], where: str) -> ApiToken:
    group_ids = []
    for name in get_list(entry, "groups", where):
        group = next((g for g in program.groups if g.name == name), None)
        if group is None:
            raise SeedError(f"{where}: unknown group {name!r} in program {program.handle!r}")
        group_ids.append(group.id)
    return ApiToken(
        identifier=get(entry, "identifier", str, where),
        value=get(entry, "token", str, where),
        user_id=user_ref(state, entry, "user", where).id,
        group_ids=group_ids,
    )


def webhook_config(entry: dict[str, Any], where: str, default_secret: str = "") -> WebhookConfig:
    url = get(entry, "url", str, where)
    if not url.startswith(("http://", "https://")):
        raise SeedError(f"{where}: 'url' must be an http(s) URL")
    events_raw = entry.get("events", "all")
    events: list[str] | None
    if events_raw in ("all", None):
        events = None
    elif isinstance(events_raw, list) and all(isinstance(e, str) for e in events_raw):
        unknown = sorted(set(events_raw) - KNOWN_EVENTS)
        if unknown:
            raise SeedError(f"{where}: unknown webhook event(s) {unknown}")
        events = list(events_raw)
    else:
        raise SeedError(f"{where}: 'events' must be \"all\" or a list of event names")
    return WebhookConfig(
        url=url, secret=get(entry, "secret", str, where, default_secret), events=events
    )


def _weakness(entry: dict[str, Any], where: str) -> Weakness:
    return Weakness(
        id=get(entry, "id", int, where),
        name=get(entry, "name", str, where),
        description=get(entry, "description", str, where, ""),
        external_id=get(entry, "external_id", str, where, ""),
        created_at=get_time(entry, "created_at", where, EPOCH),
    )


def _scope(entry: dict[str, Any], where: str) -> StructuredScope:
    created = get_time(entry, "created_at", where, EPOCH)
    return StructuredScope(
        id=get(entry, "id", int, where),
        asset_type=get(entry, "asset_type", str, where, "URL"),
        asset_identifier=get(entry, "asset_identifier", str, where),
        eligible_for_bounty=get(entry, "eligible_for_bounty", bool, where, True),
        eligible_for_submission=get(entry, "eligible_for_submission", bool, where, True),
        instruction=get(entry, "instruction", str, where, None),
        max_severity=get(entry, "max_severity", str, where, "critical"),
        created_at=created,
        updated_at=get_time(entry, "updated_at", where, created),
        details={k: get(entry, k, str, where, None) for k in SCOPE_DETAILS},
    )
