"""Which JQL field reads what from an issue's JSON, and how its values compare.

A `FieldSpec` names the field's kind (how `=`, `<`, `~` behave) and a reader that returns
the field's values as a list (empty list = EMPTY) from `GET /rest/api/2/issue/{key}` JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any

from jirasync.jql.context import EvalContext, FieldInfo

Issue = Mapping[str, Any]
Reader = Callable[[Issue], list[Any]]


class Kind(Enum):
    NAMED = auto()  # objects matched by name / key / value / id (status, project, option…)
    USER = auto()
    LABEL = auto()
    TEXT = auto()
    DATE = auto()
    NUMBER = auto()
    KEY = auto()
    PRIORITY = auto()
    VERSION = auto()
    RESOLUTION = auto()
    CATEGORY = auto()


@dataclass(frozen=True, slots=True)
class FieldSpec:
    clause_name: str
    kind: Kind
    read: Reader
    json_keys: tuple[str, ...]  # the `fields` keys the reader needs (for needs_remote)
    history_name: str = ""  # changelog `field` name, when the field has history


def _fields(issue: Issue) -> Mapping[str, Any]:
    return as_mapping(issue.get("fields"))


# Issue JSON is untrusted (webhooks): a value of the wrong shape counts as absent.
def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def one(key: str) -> Reader:
    def read(issue: Issue) -> list[Any]:
        value = _fields(issue).get(key)
        return [] if value is None or value == "" else [value]

    return read


def many(key: str) -> Reader:
    def read(issue: Issue) -> list[Any]:
        value = _fields(issue).get(key)
        if value is None:
            return []
        return [v for v in value if v is not None] if isinstance(value, list) else [value]

    return read


def _status_category(issue: Issue) -> list[Any]:
    category = as_mapping(_fields(issue).get("status")).get("statusCategory")
    return [category] if isinstance(category, Mapping) else []


# Jira's four status categories (GET /rest/api/2/statuscategory): key → (id, name).
STATUS_CATEGORIES = {
    "undefined": ("1", "No Category"),
    "new": ("2", "To Do"),
    "done": ("3", "Done"),
    "indeterminate": ("4", "In Progress"),
}


def status_category_field(context: EvalContext) -> FieldSpec:
    """statusCategory, falling back to the context's status → category map."""

    def read(issue: Issue) -> list[Any]:
        found = _status_category(issue)
        status = _fields(issue).get("status")
        if found or not isinstance(status, Mapping):
            return found
        key = context.category_of(status)
        if key is None or key not in STATUS_CATEGORIES:
            return []
        ident, name = STATUS_CATEGORIES[key]
        return [{"key": key, "id": ident, "name": name}]

    return FieldSpec("statusCategory", Kind.CATEGORY, read, ("status",))


def _comment_bodies(issue: Issue) -> list[Any]:
    comments = as_list(as_mapping(_fields(issue).get("comment")).get("comments"))
    bodies = (as_mapping(c).get("body") for c in comments)
    return [b for b in bodies if isinstance(b, str) and b]


def _issue_key(issue: Issue) -> list[Any]:
    return [issue] if issue.get("key") or issue.get("id") else []


def _link_types(issue: Issue) -> list[Any]:
    # Either direction's wording matches: "blocks" and "is blocked by" are both link types.
    out: list[Any] = []
    for link in map(as_mapping, as_list(_fields(issue).get("issuelinks"))):
        kind = as_mapping(link.get("type"))
        direction = "outward" if "outwardIssue" in link else "inward"
        out.append({"name": kind.get(direction), "id": kind.get("name")})
    return out


def _parent(issue: Issue) -> list[Any]:
    parent = _fields(issue).get("parent")
    return [parent] if isinstance(parent, Mapping) else []


def _nested_number(key: str, inner: str) -> Reader:
    def read(issue: Issue) -> list[Any]:
        number = as_mapping(_fields(issue).get(key)).get(inner)
        return [] if number is None else [number]

    return read


_TEXT_SYSTEM = ("summary", "description", "environment")


def _spec(
    name: str, kind: Kind, read: Reader, keys: tuple[str, ...], history: str = ""
) -> FieldSpec:
    return FieldSpec(name, kind, read, keys, history)


_SYSTEM: dict[str, FieldSpec] = {}


def _register(names: tuple[str, ...], spec: FieldSpec) -> None:
    for name in names:
        _SYSTEM[name.lower()] = spec


def _build_system() -> None:
    named = Kind.NAMED
    _register(("project",), _spec("project", named, one("project"), ("project",)))
    _register(("issuetype", "type"), _spec("issuetype", named, one("issuetype"), ("issuetype",)))
    _register(("status",), _spec("status", named, one("status"), ("status",), "status"))
    _register(
        ("statusCategory", "category"),
        _spec("statusCategory", Kind.CATEGORY, _status_category, ("status",)),
    )
    _register(
        ("priority",),
        _spec("priority", Kind.PRIORITY, one("priority"), ("priority",), "priority"),
    )
    _register(
        ("resolution",),
        _spec("resolution", Kind.RESOLUTION, one("resolution"), ("resolution",), "resolution"),
    )
    for user_field in ("assignee", "reporter", "creator"):
        _register(
            (user_field,), _spec(user_field, Kind.USER, one(user_field), (user_field,), user_field)
        )
    _register(("labels", "label"), _spec("labels", Kind.LABEL, many("labels"), ("labels",)))
    _register(
        ("component", "components"),
        _spec("component", named, many("components"), ("components",), "Component"),
    )
    _register(
        ("fixVersion", "fixVersions"),
        _spec("fixVersion", Kind.VERSION, many("fixVersions"), ("fixVersions",), "Fix Version"),
    )
    _register(
        ("affectedVersion", "versions"),
        _spec("affectedVersion", Kind.VERSION, many("versions"), ("versions",), "Version"),
    )
    for text_field in _TEXT_SYSTEM:
        _register((text_field,), _spec(text_field, Kind.TEXT, one(text_field), (text_field,)))
    _register(("comment",), _spec("comment", Kind.TEXT, _comment_bodies, ("comment",)))
    dates = (
        (("created", "createdDate"), "created"),
        (("updated", "updatedDate"), "updated"),
        (("resolved", "resolutionDate"), "resolutiondate"),
        (("due", "dueDate"), "duedate"),
        (("lastViewed",), "lastViewed"),
    )
    for names, key in dates:
        _register(names, _spec(names[0], Kind.DATE, one(key), (key,)))
    _register(("key", "issuekey", "id", "issue"), _spec("issuekey", Kind.KEY, _issue_key, ()))
    _register(("parent",), _spec("parent", Kind.KEY, _parent, ("parent",)))
    _register(("attachments",), _spec("attachments", named, many("attachment"), ("attachment",)))
    _register(("level",), _spec("level", named, one("security"), ("security",)))
    _register(("issueLinkType",), _spec("issueLinkType", named, _link_types, ("issuelinks",)))
    _register(("votes",), _spec("votes", Kind.NUMBER, _nested_number("votes", "votes"), ("votes",)))
    _register(
        ("watchers",),
        _spec("watchers", Kind.NUMBER, _nested_number("watches", "watchCount"), ("watches",)),
    )
    _register(("workratio",), _spec("workratio", Kind.NUMBER, one("workratio"), ("workratio",)))


_build_system()

# Custom field types (schema "custom") that are searched as free text.
_TEXT_CUSTOM = ("textfield", "textarea", "readonlyfield")


def system_field(name: str) -> FieldSpec | None:
    return _SYSTEM.get(name.lower())


def text_fields(context: EvalContext) -> FieldSpec:
    """`text ~ x`: summary, description, environment, comments and text custom fields."""
    custom = [f.id for f in context.fields if _custom_kind(f) is Kind.TEXT]
    readers = [one(k) for k in _TEXT_SYSTEM] + [_comment_bodies] + [one(k) for k in custom]

    def read(issue: Issue) -> list[Any]:
        return [v for r in readers for v in r(issue)]

    return FieldSpec("text", Kind.TEXT, read, (*_TEXT_SYSTEM, "comment", *custom))


def custom_field(info: FieldInfo) -> FieldSpec:
    kind = _custom_kind(info)
    multi = info.schema_type == "array"
    reader = many(info.id) if multi else one(info.id)
    if _custom_type(info) == "gh-sprint":
        reader = _sprints(reader)
    return FieldSpec(info.name, kind, reader, (info.id,), info.name)


def _custom_type(info: FieldInfo) -> str:
    return (info.custom or "").rsplit(":", 1)[-1]


# Jira Software on Server serialises sprints as `…Sprint@1a2b[id=3,rapidViewId=1,state=ACTIVE,
# name=Sprint 3,…]`; newer versions send objects. Either way `sprint = 3` / `= "Sprint 3"`.
_SPRINT_PART = re.compile(r"[\[,](id|name|state)=([^,\]]*)")


def _sprints(read: Reader) -> Reader:
    def sprints(issue: Issue) -> list[Any]:
        return [_sprint(v) for v in read(issue)]

    return sprints


def _sprint(value: Any) -> Any:
    if isinstance(value, str):
        return dict(_SPRINT_PART.findall(value)) or value
    return value


def _custom_kind(info: FieldInfo) -> Kind:
    item = info.items if info.schema_type == "array" else info.schema_type
    custom = _custom_type(info)
    if custom == "gh-epic-link":
        return Kind.KEY
    if custom == "gh-sprint":
        return Kind.NAMED
    if item == "string":
        return Kind.TEXT if custom in _TEXT_CUSTOM else Kind.LABEL
    return {
        "number": Kind.NUMBER,
        "date": Kind.DATE,
        "datetime": Kind.DATE,
        "user": Kind.USER,
        "version": Kind.VERSION,
        "priority": Kind.PRIORITY,
    }.get(item or "", Kind.NAMED)
