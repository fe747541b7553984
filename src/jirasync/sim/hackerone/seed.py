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

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from jirasync.sim.common import SeedError
from jirasync.sim.hackerone.model import (
    PERMISSIONS,
    REPORT_DATES,
    Activity,
    ApiToken,
    Attachment,
    Bounty,
    Group,
    Member,
    Program,
    Ref,
    Report,
    Severity,
    StructuredScope,
    Swag,
    User,
    Weakness,
    WebhookConfig,
)
from jirasync.sim.hackerone.state import STATES, State
from jirasync.sim.hackerone.webhooks import KNOWN_EVENTS

T = TypeVar("T")
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
RATINGS = ("none", "low", "medium", "high", "critical")


# -- field readers ----------------------------------------------------------------------------
def _get(entry: dict[str, Any], key: str, kind: type[T], where: str, default: Any = ...) -> T:
    if key not in entry or entry[key] is None:
        if default is ...:
            raise SeedError(f"{where}: '{key}' is required")
        return default  # type: ignore[no-any-return]
    value = entry[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SeedError(f"{where}: '{key}' must be {kind.__name__}, not {type(value).__name__}")
    return value


def _list(entry: dict[str, Any], key: str, where: str) -> list[Any]:
    return _get(entry, key, list, where, [])


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SeedError(f"{where}: must be a mapping")
    return value


def _time(entry: dict[str, Any], key: str, where: str, default: Any = ...) -> datetime:
    value = entry.get(key)
    if value is None:
        if default is ...:
            raise SeedError(f"{where}: '{key}' is required")
        return default  # type: ignore[no-any-return]
    return parse_time(value, f"{where}: '{key}'")


def parse_time(value: Any, where: str) -> datetime:
    """YAML gives datetimes (or dates); JSON gives ISO strings."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise SeedError(f"{where}: {value!r} is not an ISO-8601 timestamp") from exc
    else:
        raise SeedError(f"{where}: must be a timestamp")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _each(
    entry: dict[str, Any], key: str, where: str, build: Callable[[dict[str, Any], str], T]
) -> list[T]:
    return [
        build(_mapping(item, f"{where}.{key}[{i}]"), f"{where}.{key}[{i}]")
        for i, item in enumerate(_list(entry, key, where))
    ]


def _unique(items: list[Any], attr: str, where: str) -> None:
    seen: set[Any] = set()
    for item in items:
        value = getattr(item, attr)
        if value in seen:
            raise SeedError(f"{where}: duplicate {attr} {value!r}")
        seen.add(value)


def _permissions(entry: dict[str, Any], where: str) -> list[str]:
    permissions = [str(p) for p in _list(entry, "permissions", where)]
    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown:
        raise SeedError(f"{where}: unknown permission(s) {unknown}; known: {list(PERMISSIONS)}")
    return permissions


# -- the document -----------------------------------------------------------------------------
def build_state(seed: dict[str, Any]) -> State:
    unknown = set(seed) - {"users", "programs", "reports", "rate_limits"}
    if unknown:
        raise SeedError(f"seed: unknown top-level key(s) {sorted(unknown)}")
    state = State()
    for user in _each(seed, "users", "seed", _user):
        if user.id in state.users or state.user_by_name(user.username):
            raise SeedError(f"seed.users: duplicate user {user.username!r} / id {user.id}")
        state.users[user.id] = user
    for i, raw in enumerate(_list(seed, "programs", "seed")):
        program = _program(state, _mapping(raw, f"programs[{i}]"), f"programs[{i}]")
        if program.id in state.programs or state.program_by_handle(program.handle):
            raise SeedError(f"programs[{i}]: duplicate program {program.handle!r}")
        state.programs[program.id] = program
    for i, raw in enumerate(_list(seed, "reports", "seed")):
        _report(state, _mapping(raw, f"reports[{i}]"), f"reports[{i}]")
    state.forget_ids()
    return state


def rate_limits(seed: dict[str, Any]) -> dict[str, int]:
    raw = _mapping(seed.get("rate_limits") or {}, "rate_limits")
    limits: dict[str, int] = {}
    for key in ("reads_per_minute", "writes_per_20s"):
        if key in raw:
            value = _get(raw, key, int, "rate_limits")
            if value < 1:
                raise SeedError(f"rate_limits: '{key}' must be at least 1")
            limits[key] = value
    return limits


def _user(entry: dict[str, Any], where: str) -> User:
    return User(
        id=_get(entry, "id", int, where),
        username=_get(entry, "username", str, where),
        name=_get(entry, "name", str, where, None),
        created_at=_time(entry, "created_at", where, EPOCH),
        disabled=_get(entry, "disabled", bool, where, False),
        reputation=_get(entry, "reputation", int, where, None),
        signal=_get(entry, "signal", float, where, None),
        impact=_get(entry, "impact", float, where, None),
        address=_address(entry, where),
    )


def _address(entry: dict[str, Any], where: str) -> dict[str, str] | None:
    raw = entry.get("address")
    if raw is None:
        return None
    return {str(k): str(v) for k, v in _mapping(raw, f"{where}.address").items()}


def _user_ref(state: State, entry: dict[str, Any], key: str, where: str) -> User:
    username = _get(entry, key, str, where)
    user = state.user_by_name(username)
    if user is None:
        raise SeedError(f"{where}: '{key}' names unknown user {username!r}")
    return user


def _program(state: State, entry: dict[str, Any], where: str) -> Program:
    created = _time(entry, "created_at", where, EPOCH)
    program = Program(
        id=_get(entry, "id", int, where),
        handle=_get(entry, "handle", str, where),
        created_at=created,
        updated_at=_time(entry, "updated_at", where, created),
        policy=_get(entry, "policy", str, where, ""),
        webhook_secret=_get(entry, "webhook_secret", str, where, ""),
    )
    program.groups = _each(entry, "groups", where, _group)
    _unique(program.groups, "name", f"{where}.groups")
    _unique(program.groups, "id", f"{where}.groups")
    program.members = _each(entry, "members", where, lambda e, w: _member(state, e, w))
    program.tokens = _each(entry, "api_tokens", where, lambda e, w: _token(state, program, e, w))
    _unique(program.tokens, "identifier", f"{where}.api_tokens")
    program.webhooks = _each(
        entry, "webhooks", where, lambda e, w: webhook_config(e, w, program.webhook_secret)
    )
    program.weaknesses = _each(entry, "weaknesses", where, _weakness)
    program.scopes = _each(entry, "structured_scopes", where, _scope)
    return program


def _group(entry: dict[str, Any], where: str) -> Group:
    return Group(
        id=_get(entry, "id", int, where),
        name=_get(entry, "name", str, where),
        permissions=_permissions(entry, where),
        created_at=_time(entry, "created_at", where, EPOCH),
    )


def _member(state: State, entry: dict[str, Any], where: str) -> Member:
    user = _user_ref(state, entry, "user", where)
    return Member(
        id=_get(entry, "id", int, where, user.id + 10_000_000),
        user_id=user.id,
        permissions=_permissions(entry, where),
        created_at=_time(entry, "created_at", where, EPOCH),
    )


def _token(state: State, program: Program, entry: dict[str, Any], where: str) -> ApiToken:
    group_ids = []
    for name in _list(entry, "groups", where):
        group = next((g for g in program.groups if g.name == name), None)
        if group is None:
            raise SeedError(f"{where}: unknown group {name!r} in program {program.handle!r}")
        group_ids.append(group.id)
    return ApiToken(
        identifier=_get(entry, "identifier", str, where),
        value=_get(entry, "token", str, where),
        user_id=_user_ref(state, entry, "user", where).id,
        group_ids=group_ids,
    )


def webhook_config(entry: dict[str, Any], where: str, default_secret: str = "") -> WebhookConfig:
    url = _get(entry, "url", str, where)
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
        url=url, secret=_get(entry, "secret", str, where, default_secret), events=events
    )


def _weakness(entry: dict[str, Any], where: str) -> Weakness:
    return Weakness(
        id=_get(entry, "id", int, where),
        name=_get(entry, "name", str, where),
        description=_get(entry, "description", str, where, ""),
        external_id=_get(entry, "external_id", str, where, ""),
        created_at=_time(entry, "created_at", where, EPOCH),
    )


def _scope(entry: dict[str, Any], where: str) -> StructuredScope:
    created = _time(entry, "created_at", where, EPOCH)
    return StructuredScope(
        id=_get(entry, "id", int, where),
        asset_type=_get(entry, "asset_type", str, where, "URL"),
        asset_identifier=_get(entry, "asset_identifier", str, where),
        eligible_for_bounty=_get(entry, "eligible_for_bounty", bool, where, True),
        eligible_for_submission=_get(entry, "eligible_for_submission", bool, where, True),
        instruction=_get(entry, "instruction", str, where, None),
        max_severity=_get(entry, "max_severity", str, where, "critical"),
        created_at=created,
        updated_at=_time(entry, "updated_at", where, created),
    )


# -- reports ----------------------------------------------------------------------------------
def _report(state: State, entry: dict[str, Any], where: str) -> None:
    handle = _get(entry, "program", str, where)
    program = state.program_by_handle(handle)
    if program is None:
        raise SeedError(f"{where}: unknown program {handle!r}")
    report_id = _get(entry, "id", int, where)
    if report_id in state.reports:
        raise SeedError(f"{where}: duplicate report id {report_id}")
    report_state = _get(entry, "state", str, where, "new")
    if report_state not in STATES:
        raise SeedError(f"{where}: unknown state {report_state!r}; known: {list(STATES)}")
    created = _time(entry, "created_at", where, EPOCH)
    dates: dict[str, datetime | None] = {name: None for name in REPORT_DATES}
    for name in REPORT_DATES:
        if entry.get(name) is not None:
            dates[name] = parse_time(entry[name], f"{where}: '{name}'")
    dates["created_at"] = created
    dates["submitted_at"] = dates["submitted_at"] or created
    dates["last_activity_at"] = dates["last_activity_at"] or created
    report = Report(
        id=report_id,
        program_id=program.id,
        title=_get(entry, "title", str, where),
        vulnerability_information=_get(entry, "vulnerability_information", str, where, ""),
        state=report_state,
        reporter_id=_user_ref(state, entry, "reporter", where).id,
        dates=dates,
        source=_get(entry, "source", str, where, None),
        reference_id=_get(entry, "issue_tracker_reference_id", str, where, None),
        reference_url=_get(entry, "issue_tracker_reference_url", str, where, None),
        comments_closed=_get(entry, "comments_closed", bool, where, False),
        cve_ids=[str(c) for c in _list(entry, "cve_ids", where)],
    )
    report.assignee = _assignee(state, program, entry.get("assignee"), where)
    report.weakness_id = _in_program(entry, "weakness", program.weakness, where)
    report.scope_id = _in_program(entry, "structured_scope", program.scope, where)
    state.reports[report.id] = report
    if entry.get("severity") is not None:
        _severity(state, report, _mapping(entry["severity"], f"{where}.severity"), where)
    _report_parts(state, program, report, entry, where)
    for moment in (d for d in dates.values() if d is not None):
        state.clock.observe(moment)


def _report_parts(
    state: State, program: Program, report: Report, entry: dict[str, Any], where: str
) -> None:
    """Bounties, swag and attachments first: activities may point at them."""
    builders: list[tuple[str, Callable[[dict[str, Any], str], None]]] = [
        ("bounties", lambda e, w: _bounty(state, report, e, w)),
        ("swag", lambda e, w: _swag(state, report, e, w)),
        ("attachments", lambda e, w: _attachment(state, report, e, w)),
        ("activities", lambda e, w: _activity(state, program, report, e, w)),
    ]
    for key, build in builders:
        _each(entry, key, where, build)


def _in_program(
    entry: dict[str, Any], key: str, find: Callable[[int], object | None], where: str
) -> int | None:
    ident = _get(entry, key, int, where, None)
    if ident is not None and find(ident) is None:
        raise SeedError(f"{where}: '{key}' {ident} is not defined in the report's program")
    return ident


def _assignee(state: State, program: Program, raw: Any, where: str) -> Ref | None:
    if raw is None:
        return None
    entry = _mapping(raw, f"{where}.assignee")
    if "user" in entry:
        return ("user", _user_ref(state, entry, "user", f"{where}.assignee").id)
    name = _get(entry, "group", str, f"{where}.assignee")
    group = next((g for g in program.groups if g.name == name), None)
    if group is None:
        raise SeedError(f"{where}.assignee: unknown group {name!r}")
    return ("group", group.id)


def _severity(state: State, report: Report, entry: dict[str, Any], where: str) -> None:
    rating = _get(entry, "rating", str, f"{where}.severity")
    if rating not in RATINGS:
        raise SeedError(f"{where}.severity: rating must be one of {list(RATINGS)}")
    fixed = ("rating", "score", "id", "author_type", "calculation_method")
    extra = {k: str(v) for k, v in entry.items() if k not in fixed}
    severity = Severity(
        id=_get(entry, "id", int, where, report.id + 50_000),
        rating=rating,
        author_type=_get(entry, "author_type", str, where, "User"),
        calculation_method=_get(entry, "calculation_method", str, where, None),
        user_id=report.reporter_id,
        created_at=report.dates["created_at"] or EPOCH,
        score=_get(entry, "score", float, f"{where}.severity", None),
        metrics=extra,
    )
    state.severities[severity.id] = severity
    report.severity_id = severity.id


def _activity(
    state: State, program: Program, report: Report, entry: dict[str, Any], where: str
) -> None:
    kind = _get(entry, "type", str, where)
    if not kind.startswith("activity-"):
        raise SeedError(f"{where}: type must start with 'activity-'")
    actor_name = entry.get("actor", "program")
    actor: Ref | None
    if actor_name is None:
        actor = None
    elif actor_name == "program":
        actor = ("program", program.id)
    else:
        actor = ("user", _user_ref(state, entry, "actor", where).id)
    links: dict[str, Ref] = {}
    if "assigned_user" in entry:
        links["assigned_user"] = ("user", _user_ref(state, entry, "assigned_user", where).id)
    if "group" in entry:
        ref = _assignee(state, program, {"group": entry["group"]}, where)
        assert ref is not None
        links["group"] = ref
    if "swag" in entry:
        swag_id = _get(entry, "swag", int, where)
        if swag_id not in state.swags:
            raise SeedError(f"{where}: 'swag' {swag_id} is not a swag of an earlier entry")
        links["swag"] = ("swag", swag_id)
    created = _time(entry, "created_at", where, report.dates["created_at"])
    ident = _get(entry, "id", int, where, None) or state.next_id("activity")
    if ident in state.activities:
        raise SeedError(f"{where}: duplicate activity id {ident}")
    state.activities[ident] = Activity(
        id=ident,
        type=kind,
        report_id=report.id,
        actor=actor,
        message=_get(entry, "message", str, where, ""),
        internal=_get(entry, "internal", bool, where, False),
        created_at=created,
        updated_at=_time(entry, "updated_at", where, created),
        attributes=_get(entry, "attributes", dict, where, {}),
        links=links,
    )
    report.activity_ids.append(ident)
    state.clock.observe(created)


def _bounty(state: State, report: Report, entry: dict[str, Any], where: str) -> None:
    try:
        amount = Decimal(str(entry.get("amount", 0)))
        bonus = Decimal(str(entry.get("bonus_amount", 0)))
    except InvalidOperation as exc:
        raise SeedError(f"{where}: amounts must be numbers") from exc
    bounty = Bounty(
        id=_get(entry, "id", int, where, None) or state.next_id("bounty"),
        amount=amount,
        bonus_amount=bonus,
        created_at=_time(entry, "created_at", where, report.dates["created_at"]),
    )
    state.bounties[bounty.id] = bounty
    report.bounty_ids.append(bounty.id)


def _swag(state: State, report: Report, entry: dict[str, Any], where: str) -> None:
    swag = Swag(
        id=_get(entry, "id", int, where, None) or state.next_id("swag"),
        user_id=report.reporter_id,
        created_at=_time(entry, "created_at", where, report.dates["created_at"]),
        sent=_get(entry, "sent", bool, where, False),
    )
    if swag.id in state.swags:
        raise SeedError(f"{where}: duplicate swag id {swag.id}")
    state.swags[swag.id] = swag
    report.swag_ids.append(swag.id)


def _attachment(state: State, report: Report, entry: dict[str, Any], where: str) -> None:
    content = _get(entry, "content", str, where, "").encode("utf-8")
    attachment = Attachment(
        id=_get(entry, "id", int, where, None) or state.next_id("attachment"),
        file_name=_get(entry, "file_name", str, where),
        content_type=_get(entry, "content_type", str, where, "application/octet-stream"),
        file_size=_get(entry, "file_size", int, where, len(content)),
        created_at=_time(entry, "created_at", where, report.dates["created_at"]),
    )
    state.attachments[attachment.id] = attachment
    state.attachment_data[attachment.id] = content
    report.attachment_ids.append(attachment.id)
