"""Project permissions: who may browse, create, edit, transition, assign, comment, administer,
and who is assignable. Jira administrators (global admin) hold every project permission."""

from __future__ import annotations

from jirasync.sim.jira.model import Project, State, User

ADMIN_GROUP = "jira-administrators"


def is_admin(user: User) -> bool:
    return ADMIN_GROUP in user.groups


def has(user: User | None, project: Project, permission: str) -> bool:
    if user is None or not user.active:
        return False
    if is_admin(user) and permission != "assignable":
        return True
    principals = project.permissions.get(permission, set())
    if "anyone" in principals or f"user:{user.name}" in principals:
        return True
    return any(f"group:{g}" in principals for g in user.groups)


def assignable(state: State, project: Project) -> list[User]:
    return [u for u in state.users.values() if has(u, project, "assignable")]


def visible_projects(state: State, user: User) -> list[Project]:
    return [p for p in state.projects.values() if has(user, p, "browse")]
