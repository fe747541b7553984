"""Resolve a clause's field (`status`, `cf[10010]`, `"Story Points"`) to a FieldSpec."""

from __future__ import annotations

from jirasync.jql import ast
from jirasync.jql.context import EvalContext
from jirasync.jql.errors import JqlError, JqlNeedsRemote
from jirasync.jql.fields import (
    FieldSpec,
    custom_field,
    status_category_field,
    system_field,
    text_fields,
)


def resolve_field(field: ast.Field, context: EvalContext) -> FieldSpec:
    if field.properties:
        # Entity properties live outside the issue JSON.
        raise JqlNeedsRemote(f"The field '{field}' reads issue properties, which need Jira.")
    if field.custom_id is None:
        if field.name.lower() == "text":
            return text_fields(context)
        if field.name.lower() in ("statuscategory", "category") and context.status_categories:
            return status_category_field(context)
        spec = system_field(field.name)
        if spec is not None:
            return spec
    info = context.field_by_clause(_custom_clause(field))
    if info is not None:
        return system_field(info.id) or custom_field(info)
    message = f"Field '{field.name}' does not exist or you do not have permission to view it."
    if context.strict:
        raise JqlError(message)
    raise JqlNeedsRemote(message)


def _custom_clause(field: ast.Field) -> str:
    if field.custom_id is not None:
        return f"customfield_{field.custom_id}"
    name = field.name
    lowered = name.lower().replace(" ", "")
    if lowered.startswith("cf[") and lowered.endswith("]") and lowered[3:-1].isdigit():
        return f"customfield_{lowered[3:-1]}"
    return name
