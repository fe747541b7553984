"""Operands resolved against a context: values, lists and functions become plain atoms.

An atom is `EMPTY`, a `str`, an `int`, a `datetime`, or a `frozenset[str]` of equivalent
lowercase keys (a user's name, key and e-mail; the members of a group).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Final

from jirasync.jql import ast
from jirasync.jql.context import EvalContext
from jirasync.jql.dates import boundary_function, is_boundary_function
from jirasync.jql.errors import JqlError, JqlNeedsRemote, JqlUnknownFunction


class _EmptyAtom:
    def __repr__(self) -> str:
        return "EMPTY"


EMPTY: Final = _EmptyAtom()
Atom = _EmptyAtom | str | int | datetime | frozenset[str]

# Jira functions we know but cannot answer from an issue's JSON: always ask Jira.
REMOTE_FUNCTIONS = frozenset(
    name.lower()
    for name in [
        "issueHistory",
        "watchedIssues",
        "votedIssues",
        "linkedIssues",
        "projectsLeadByUser",
        "projectsWhereUserHasPermission",
        "projectsWhereUserHasRole",
        "componentsLeadByUser",
        "releasedVersions",
        "unreleasedVersions",
        "latestReleasedVersion",
        "earliestUnreleasedVersion",
        "cascadeOption",
        "standardIssueTypes",
        "subTaskIssueTypes",
        "issuesWithRemoteLinksByGlobalId",
        "updatedBy",
        "openSprints",
        "closedSprints",
        "futureSprints",
        "currentLogin",
        "lastLogin",
        "approved",
        "approver",
        "pending",
        "myApproval",
        "myPending",
        "breached",
        "completed",
        "elapsed",
        "everBreached",
        "paused",
        "remaining",
        "running",
        "withinCalendarHours",
    ]
)
LOCAL_FUNCTIONS = frozenset({"currentuser", "membersof", "now"})


def resolve(operand: ast.Operand, context: EvalContext) -> list[Atom]:
    """All atoms of an operand, lists flattened (`(a, (b, fn()))` → a, b, fn's values)."""
    return list(_atoms(operand, context))


def _atoms(operand: ast.Operand, context: EvalContext) -> Iterator[Atom]:
    if isinstance(operand, ast.Empty):
        yield EMPTY
    elif isinstance(operand, ast.Text | ast.Number):
        yield operand.value
    elif isinstance(operand, ast.ValueList):
        for item in operand.items:
            yield from _atoms(item, context)
    else:
        yield from call(operand, context)


_ARITY = {"currentuser": (0, 0), "now": (0, 0), "membersof": (1, 1)}


def call(function: ast.Function, context: EvalContext) -> list[Atom]:
    name = function.name.lower()
    _check_arity(function, *_ARITY.get(name, (0, 1) if is_boundary_function(name) else (0, 99)))
    if name == "currentuser":
        return [] if context.current_user is None else [user_keys(context.current_user, context)]
    if name == "membersof":
        return [_members(function, context)]
    if name == "now":
        return [context.now()]
    if is_boundary_function(name):
        return [boundary_function(name, function.args, context.now(), context.week_start)]
    if name in REMOTE_FUNCTIONS:
        raise JqlNeedsRemote(f"The function '{function.name}' needs Jira's data.")
    message = f"Unable to find JQL function '{function}'."
    if context.strict:
        raise JqlUnknownFunction(message)
    raise JqlNeedsRemote(message)


def user_keys(who: str, context: EvalContext) -> frozenset[str]:
    """Every spelling that identifies this user in issue JSON (name, key, e-mail)."""
    user = context.user(who)
    if user is None:
        return frozenset({who.lower()})
    return frozenset(k.lower() for k in (user.name, user.key, user.email) if k)


def _check_arity(function: ast.Function, least: int, most: int) -> None:
    count = len(function.args)
    if least <= count <= most:
        return
    expected = str(least) if least == most else f"{least}-{most}"
    raise JqlError(
        f"Function '{function.name}' expected '{expected}' arguments but received '{count}'."
    )


def _members(function: ast.Function, context: EvalContext) -> frozenset[str]:
    members = context.members_of(function.args[0])
    return frozenset(k for m in members for k in user_keys(m, context))
