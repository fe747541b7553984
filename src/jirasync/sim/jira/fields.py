"""Reading field values from request bodies (`fields` and `update` operations) into the
internal form, with Jira's per-field error messages, and recording changelog items."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jirasync.sim.jira import permissions
from jirasync.sim.jira.errors import not_on_screen
from jirasync.sim.jira.model import ChangeItem, CustomField, Issue, Project, State
from jirasync.sim.jira.serialize import option_id

# Changelog `field` names of system fields (Jira uses these, not the display names).
CHANGELOG_NAMES = {"duedate": "duedate", "fixVersions": "Fix Version", "components": "Component"}
LIST_FIELDS = {"labels", "components", "fixVersions", "versions"}


class FieldError(Exception):
    """One field's value is invalid; collected into `errors[field_id]`."""

    def __init__(self, field_id: str, message: str) -> None:
        super().__init__(message)
        self.field_id = field_id
        self.message = message


@dataclass
class Edits:
    """The parsed, validated result of a `fields` + `update` body."""

    values: dict[str, Any] = field(default_factory=dict)  # field id -> internal value
    comments: list[dict[str, Any]] = field(default_factory=list)  # comment "add" bodies
    errors: dict[str, str] = field(default_factory=dict)


class FieldReader:
    """Parses values for one issue (or one project, for create) under one screen."""

    def __init__(self, state: State, project: Project, screen: list[str]) -> None:
        self.state = state
        self.project = project
        self.screen = set(screen)

    def read(self, fields: dict[str, Any], update: dict[str, Any], current: Issue | None) -> Edits:
        edits = Edits()
        for field_id, raw in fields.items():
            self._guard(edits, field_id, lambda f=field_id, r=raw: self.value(f, r))
        for field_id, operations in update.items():
            if field_id == "comment" and "comment" in self.screen:
                self._comment_ops(edits, operations)
                continue
            self._guard(
                edits,
                field_id,
                lambda f=field_id, o=operations: self.apply_ops(f, o, edits, current),
            )
        return edits

    def _guard(self, edits: Edits, field_id: str, parse: Any) -> None:
        if field_id not in self.screen:
            edits.errors[field_id] = not_on_screen(field_id)
            return
        try:
            edits.values[field_id] = parse()
        except FieldError as exc:
            edits.errors[exc.field_id] = exc.message

    def _comment_ops(self, edits: Edits, operations: Any) -> None:
        for op in operations if isinstance(operations, list) else []:
            body = op.get("add") if isinstance(op, dict) else None
            if isinstance(body, dict) and isinstance(body.get("body"), str):
                edits.comments.append(body)
            else:
                edits.errors["comment"] = "Comment body can not be empty!"

    def apply_ops(self, field_id: str, operations: Any, edits: Edits, current: Issue | None) -> Any:
        if not isinstance(operations, list):
            raise FieldError(field_id, f"Field '{field_id}' must be an array of operations.")
        value = edits.values.get(field_id, self.current(field_id, current))
        for op in operations:
            if not isinstance(op, dict) or len(op) != 1:
                raise FieldError(field_id, "Operations must be objects with one operation.")
            verb, raw = next(iter(op.items()))
            value = self._apply_op(field_id, verb, raw, value)
        return value

    def _apply_op(self, field_id: str, verb: str, raw: Any, value: Any) -> Any:
        if verb in ("set", "edit"):
            return self.value(field_id, raw)
        if verb in ("add", "remove") and self._is_list(field_id):
            items = list(value or [])
            new = self.value(field_id, [raw])
            if verb == "add":
                return items + [v for v in new if v not in items]
            return [v for v in items if v not in new]
        raise FieldError(field_id, f"Field '{field_id}' does not support operation '{verb}'")

    def _is_list(self, field_id: str) -> bool:
        custom = self.state.custom_fields.get(field_id)
        if custom is not None:
            return custom.type in ("multiselect", "labels")
        return field_id in LIST_FIELDS

    def current(self, field_id: str, issue: Issue | None) -> Any:
        if issue is None:
            return None
        if field_id in self.state.custom_fields:
            return issue.custom.get(field_id)
        attribute = {"labels": "labels", "duedate": "due_date"}.get(field_id)
        return getattr(issue, attribute) if attribute else None

    # -- one value --------------------------------------------------------------------------
    def value(self, field_id: str, raw: Any) -> Any:
        custom = self.state.custom_fields.get(field_id)
        if custom is not None:
            return self.custom_value(custom, raw)
        if field_id == "summary":
            return self.summary(raw)
        if field_id in ("description", "environment"):
            return self.text(field_id, raw)
        if field_id in ("assignee", "reporter"):
            return self.user_field(field_id, raw)
        if field_id == "priority":
            return self.ref(
                field_id, raw, self.state.priorities, "The priority selected is invalid."
            )
        if field_id == "resolution":
            return self.ref(field_id, raw, self.state.resolutions, "Resolution is invalid.")
        if field_id == "issuetype":
            return self.issue_type(raw)
        if field_id == "project":
            return self.project.key
        if field_id == "labels":
            return self.labels(field_id, raw)
        if field_id == "duedate":
            return self.date(field_id, raw)
        if field_id in ("components", "fixVersions", "versions"):
            return self.versions(field_id, raw)
        raise FieldError(field_id, not_on_screen(field_id))

    def summary(self, raw: Any) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise FieldError("summary", "You must specify a summary of the issue.")
        if len(raw) > 254:
            raise FieldError("summary", "Summary must be less than 255 characters.")
        if "\n" in raw or "\r" in raw:
            raise FieldError(
                "summary", "The summary is invalid because it contains newline characters."
            )
        return raw

    def text(self, field_id: str, raw: Any) -> str | None:
        if raw is None or isinstance(raw, str):
            return raw or None
        raise FieldError(field_id, f"Field '{field_id}' must be a string.")

    def user_field(self, field_id: str, raw: Any) -> str | None:
        name = raw.get("name", raw.get("key")) if isinstance(raw, dict) else raw
        if name is None or name == "":
            if field_id == "reporter":
                raise FieldError("reporter", "The reporter specified is not a user.")
            return None
        if field_id == "assignee" and str(name) == "-1":
            return self.project.lead
        user = self.state.user(str(name))
        if user is None:
            if field_id == "reporter":
                raise FieldError("reporter", "The reporter specified is not a user.")
            raise FieldError(field_id, f"User '{name}' does not exist.")
        if field_id == "assignee" and not permissions.has(user, self.project, "assignable"):
            raise FieldError("assignee", f"User '{user.name}' cannot be assigned issues.")
        return user.name

    def ref(self, field_id: str, raw: Any, table: dict[str, Any], message: str) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or not ({"id", "name"} & set(raw)):
            raise FieldError(field_id, f"Could not find valid 'id' or 'name' in {field_id} object.")
        if "id" in raw:
            found = str(raw["id"]) if str(raw["id"]) in table else None
        else:
            wanted = str(raw["name"]).lower()
            found = next((k for k, v in table.items() if v.name.lower() == wanted), None)
        if found is None:
            raise FieldError(field_id, message)
        return found

    def issue_type(self, raw: Any) -> str:
        found = self.ref("issuetype", raw, self.state.issue_types, "valid issue type is required")
        if found is None or found not in self.project.issue_types:
            raise FieldError("issuetype", "The issue type selected is invalid.")
        return found

    def labels(self, field_id: str, raw: Any) -> list[str]:
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise FieldError(field_id, f"Field '{field_id}' must be an array of strings.")
        for label in raw:
            if " " in label:
                raise FieldError(field_id, f"The label '{label}' contains spaces which is invalid.")
        return list(dict.fromkeys(raw))

    def date(self, field_id: str, raw: Any) -> str | None:
        if raw is None or raw == "":
            return None
        try:
            return date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise FieldError(field_id, f"Error parsing date string: {raw}") from None

    def versions(self, field_id: str, raw: Any) -> list[Any]:
        if not isinstance(raw, list):
            raise FieldError(field_id, f"Field '{field_id}' must be an array.")
        for item in raw:
            ref = item.get("name", item.get("id")) if isinstance(item, dict) else item
            raise FieldError(field_id, f"Version name '{ref}' is not valid")
        return []

    def custom_value(self, custom: CustomField, raw: Any) -> Any:
        fid = custom.id
        if raw is None:
            return None
        if custom.type == "text":
            if not isinstance(raw, str):
                raise FieldError(fid, "Operation value must be a string")
            return raw or None
        if custom.type == "number":
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise FieldError(fid, "Operation value must be a number")
            return float(raw)
        if custom.type == "date":
            return self.date(fid, raw)
        if custom.type == "user":
            user = self.state.user(raw.get("name") if isinstance(raw, dict) else str(raw))
            if user is None:
                raise FieldError(fid, f"User '{raw}' was not found in the system.")
            return user.name
        if custom.type == "labels":
            return self.labels(fid, raw)
        if custom.type == "select":
            return self.option(custom, raw)
        if not isinstance(raw, list):
            raise FieldError(fid, "Operation value must be an array")
        return [self.option(custom, item) for item in raw]

    def option(self, custom: CustomField, raw: Any) -> str:
        if isinstance(raw, dict) and "id" in raw:
            for known in custom.options:
                if option_id(custom, known) == str(raw["id"]):
                    return known
            raise FieldError(custom.id, f"Option id '{raw['id']}' is not valid")
        value: Any = raw.get("value") if isinstance(raw, dict) else raw
        if value not in custom.options:
            raise FieldError(custom.id, f"Option value '{value}' is not valid")
        return str(value)


# -- changelog items ------------------------------------------------------------------------
def change_item(state: State, field_id: str, old: Any, new: Any) -> ChangeItem | None:
    """The changelog item for one field change, or None when nothing changed."""
    if old == new:
        return None
    custom = state.custom_fields.get(field_id)
    if custom is not None:
        return _custom_item(state, custom, old, new)
    name = CHANGELOG_NAMES.get(field_id, field_id)
    refs: dict[str, dict[str, Any]] = {
        "status": state.statuses,
        "resolution": state.resolutions,
        "priority": state.priorities,
        "issuetype": state.issue_types,
    }
    if field_id in refs:
        table = refs[field_id]
        return ChangeItem(name, "jira", old, _name(table, old), new, _name(table, new), field_id)
    if field_id in ("assignee", "reporter"):
        before, after = state.user(old), state.user(new)
        return ChangeItem(
            name,
            "jira",
            before.key if before else None,
            before.display_name if before else None,
            after.key if after else None,
            after.display_name if after else None,
            field_id,
        )
    if isinstance(old, list) or isinstance(new, list):
        return ChangeItem(
            name, "jira", None, " ".join(old or []), None, " ".join(new or []), field_id
        )
    if field_id == "duedate":
        return ChangeItem(name, "jira", old, old, new, new, field_id)
    return ChangeItem(name, "jira", None, old, None, new, field_id)


def _name(table: dict[str, Any], ref: str | None) -> str | None:
    return table[ref].name if ref is not None and ref in table else None


def _custom_item(state: State, custom: CustomField, old: Any, new: Any) -> ChangeItem:
    def ids(value: Any) -> str | None:
        if value is None:
            return None
        if custom.type == "select":
            return option_id(custom, value)
        if custom.type == "multiselect":
            return ",".join(option_id(custom, v) for v in value)
        if custom.type == "user":
            user = state.user(value)
            return user.key if user else None
        return None

    def text(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, list):
            joiner = "," if custom.type == "multiselect" else " "
            return joiner.join(value)
        if custom.type == "user":
            user = state.user(value)
            return user.display_name if user else None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return ChangeItem(custom.name, "custom", ids(old), text(old), ids(new), text(new), custom.id)


_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")


def looks_like_key(text: str) -> bool:
    return bool(_KEY.match(text.upper()))
