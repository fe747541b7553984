"""What the evaluator knows beyond the issue JSON: who asks, when, where, and Jira's catalogues."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One row of `GET /rest/api/2/field`: id, display name, clause names and schema."""

    id: str
    name: str
    schema_type: str = "any"
    items: str | None = None
    custom: str | None = None
    clause_names: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> FieldInfo:
        schema = row.get("schema") or {}
        return cls(
            id=str(row["id"]),
            name=str(row.get("name", row["id"])),
            schema_type=str(schema.get("type", "any")),
            items=schema.get("items"),
            custom=schema.get("custom"),
            clause_names=tuple(str(c) for c in row.get("clauseNames", ())),
        )


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A Jira Server user: `name` is the login, `key` the immutable id."""

    name: str
    key: str | None = None
    email: str | None = None
    display_name: str | None = None
    groups: tuple[str, ...] = ()


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EvalContext:
    """Inputs a JQL clause may depend on besides the issue.

    `strict=True` (the simulator) makes unknown functions and fields errors; `strict=False`
    (the sync engine) makes them JqlNeedsRemote so the caller can ask Jira instead.
    """

    current_user: str | None = None
    clock: Callable[[], datetime] = _utc_now
    time_zone: tzinfo = UTC
    fields: Sequence[FieldInfo] = ()
    users: Sequence[UserInfo] = ()
    groups: Mapping[str, Sequence[str]] = field(default_factory=dict)
    priorities: Sequence[str] = ()  # names, highest first (GET /priority order)
    resolutions: Sequence[str] = ()  # names in GET /resolution order
    versions: Mapping[str, Sequence[str]] = field(default_factory=dict)  # project key → names
    # status name or id → statusCategory key (new / indeterminate / done), for issue JSON
    # whose status carries no statusCategory (older servers, trimmed payloads)
    status_categories: Mapping[str, str] = field(default_factory=dict)
    week_start: int = 6  # 0=Monday … 6=Sunday; Jira's default locale starts weeks on Sunday
    strict: bool = True

    @classmethod
    def from_rest(
        cls,
        *,
        fields: Iterable[Mapping[str, Any]] = (),
        priorities: Iterable[Mapping[str, Any]] = (),
        resolutions: Iterable[Mapping[str, Any]] = (),
        statuses: Iterable[Mapping[str, Any]] = (),
        **options: Any,
    ) -> EvalContext:
        """Build a context from Jira's own catalogues: the JSON arrays of `GET /field`,
        `GET /priority` (highest first, as Jira lists them), `GET /resolution`, `GET /status`."""
        categories = {
            str(s[attr]): str(s["statusCategory"]["key"])
            for s in statuses
            if s.get("statusCategory")
            for attr in ("id", "name")
        }
        return cls(
            fields=tuple(FieldInfo.from_json(f) for f in fields),
            priorities=tuple(str(p["name"]) for p in priorities),
            resolutions=tuple(str(r["name"]) for r in resolutions),
            status_categories=categories,
            **options,
        )

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.time_zone)
        return moment.astimezone(self.time_zone)

    def field_by_clause(self, clause_name: str) -> FieldInfo | None:
        wanted = clause_name.lower()
        for info in self.fields:
            if wanted in (info.id.lower(), info.name.lower()) or any(
                wanted == c.lower() for c in info.clause_names
            ):
                return info
        return None

    def user(self, who: str) -> UserInfo | None:
        wanted = who.lower()
        for user in self.users:
            keys = (user.name, user.key, user.email)
            if any(k is not None and k.lower() == wanted for k in keys):
                return user
        return None

    def members_of(self, group: str) -> frozenset[str]:
        wanted = group.lower()
        members = next((m for g, m in self.groups.items() if g.lower() == wanted), None)
        if members is None:
            members = [u.name for u in self.users if wanted in (g.lower() for g in u.groups)]
        return frozenset(m.lower() for m in members)

    def category_of(self, status: Mapping[str, Any]) -> str | None:
        for ident in (status.get("id"), status.get("name")):
            for known, category in self.status_categories.items():
                if ident is not None and known.lower() == str(ident).lower():
                    return category
        return None


DEFAULT_CONTEXT = EvalContext()
