"""Finding a way through a Jira workflow to a target status.

Jira only says which transitions are offered from the issue's current status. jirasync learns
the workflow as it goes (status → offered transitions, per project and issue type) and walks
the shortest known path; where the map has holes it steps toward the target's status category
(To Do → In Progress → Done), never revisiting a status. This is what makes "resolve" work on
workflows without a direct To Do → Done transition (PagerDuty's FAQ case).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CATEGORY_ORDER = {"new": 0, "indeterminate": 1, "done": 2}
MAX_HOPS = 6


@dataclass(frozen=True)
class JiraStatus:
    id: str
    name: str
    category: str  # status category key: "new" | "indeterminate" | "done"


@dataclass(frozen=True)
class Transition:
    id: str
    name: str
    to_status_id: str
    to_category: str | None = None
    required_fields: tuple[str, ...] = ()


def transitions_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[Transition, ...]:
    """Parse `GET issue/{key}/transitions?expand=transitions.fields`."""
    parsed = []
    for item in items:
        to = item.get("to") or {}
        category = (to.get("statusCategory") or {}).get("key")
        fields = item.get("fields") or {}
        required = tuple(
            sorted(
                f
                for f, meta in fields.items()
                if isinstance(meta, Mapping) and meta.get("required")
            )
        )
        parsed.append(
            Transition(
                str(item["id"]),
                str(item.get("name", "")),
                str(to.get("id", "")),
                category,
                required,
            )
        )
    return tuple(parsed)


@dataclass
class WorkflowMap:
    """The transitions seen offered from each status of one workflow."""

    offered: dict[str, tuple[Transition, ...]] = field(default_factory=dict)

    def learn(self, status_id: str, transitions: Sequence[Transition]) -> None:
        self.offered[status_id] = tuple(transitions)

    def forget(self, status_id: str) -> None:
        self.offered.pop(status_id, None)

    def known_path(self, start: str, target: str) -> list[Transition] | None:
        """Shortest path over what has been seen, or None."""
        if start == target:
            return []
        queue: deque[tuple[str, list[Transition]]] = deque([(start, [])])
        seen = {start}
        while queue:
            status, path = queue.popleft()
            for transition in self.offered.get(status, ()):
                if transition.to_status_id in seen:
                    continue
                step = [*path, transition]
                if transition.to_status_id == target:
                    return step
                seen.add(transition.to_status_id)
                queue.append((transition.to_status_id, step))
        return None


def next_step(
    workflow: WorkflowMap,
    current: str,
    target: str,
    target_category: str | None,
    visited: Iterable[str] = (),
    current_category: str | None = None,
) -> Transition | None:
    """The transition to take now from `current` (whose offered transitions must be learned).

    Without a known path, a step toward the target's category is taken, but never one that
    goes past it: passing through Done to reach In Progress would resolve the issue on the way.
    """
    offered = workflow.offered.get(current, ())
    for transition in offered:
        if transition.to_status_id == target:
            return transition
    path = workflow.known_path(current, target)
    if path:
        return path[0]
    return _toward_category(offered, current_category, target_category, {current, *visited})


def _toward_category(
    offered: Sequence[Transition],
    current_category: str | None,
    target_category: str | None,
    visited: set[str],
) -> Transition | None:
    goal = CATEGORY_ORDER.get(target_category or "")
    if goal is None:
        return None
    start = CATEGORY_ORDER.get(current_category or "", goal)

    def rank(transition: Transition) -> int:
        return CATEGORY_ORDER.get(transition.to_category or "", 1)

    def allowed(transition: Transition) -> bool:
        if transition.to_status_id in visited:
            return False
        # Entering Done sets a resolution and resolves the incident: only when Done is the goal.
        if rank(transition) == CATEGORY_ORDER["done"] != goal:
            return False
        # Going forward, do not step back; going back (reopening), anything short of Done.
        return goal <= start or rank(transition) >= start

    fresh = [t for t in offered if allowed(t)]
    if not fresh:
        return None
    return min(fresh, key=lambda t: abs(goal - rank(t)))
