"""Finding a path of allowed transitions on the classic and simplified workflows."""

from __future__ import annotations

from jirasync.core.workflow import Transition, WorkflowMap, next_step, transitions_from_json

# The classic "jira" workflow (reference/jira.md §6.1): Open 1, In Progress 3, Reopened 4,
# Resolved 5, Closed 6.
START = Transition("4", "Start Progress", "3", "indeterminate")
STOP = Transition("301", "Stop Progress", "1", "new")
RESOLVE = Transition("5", "Resolve Issue", "5", "done", ("resolution",))
CLOSE = Transition("2", "Close Issue", "6", "done", ("resolution",))
CLOSE_RESOLVED = Transition("701", "Close Issue", "6", "done")
REOPEN = Transition("3", "Reopen Issue", "4", "new")
CLASSIC = {
    "1": (START, RESOLVE, CLOSE),
    "3": (STOP, RESOLVE, CLOSE),
    "4": (START, RESOLVE, CLOSE),
    "5": (CLOSE_RESOLVED, REOPEN),
    "6": (REOPEN,),
}


CATEGORIES = {
    "1": "new",
    "3": "indeterminate",
    "4": "new",
    "5": "done",
    "6": "done",
    "10000": "new",
    "10001": "done",
    "A": "new",
    "B": "indeterminate",
}


def walk(
    workflow: WorkflowMap, offered_by_jira: dict, start: str, target: str, category: str
) -> list[str]:
    """Drive next_step like the executor does: learn what Jira offers at each status, step."""
    path, current, visited = [], start, []
    for _ in range(6):
        if current == target:
            return path
        workflow.learn(current, offered_by_jira.get(current, ()))
        step = next_step(workflow, current, target, category, visited, CATEGORIES.get(current))
        if step is None:
            return [*path, "STUCK"]
        visited.append(current)
        path.append(step.id)
        current = step.to_status_id
    return [*path, "TOO LONG"]


def test_direct_transition_is_taken() -> None:
    assert walk(WorkflowMap(), CLASSIC, "1", "5", "done") == ["5"]


def test_closed_to_in_progress_goes_through_reopened() -> None:
    assert walk(WorkflowMap(), CLASSIC, "6", "3", "indeterminate") == ["3", "4"]


def test_never_passes_through_done_to_reach_in_progress() -> None:
    # Start Progress is hidden (only the assignee may): Resolve/Close are offered, but taking
    # them would resolve the issue on the way. jirasync stops instead.
    offered = {**CLASSIC, "1": (RESOLVE, CLOSE)}
    assert walk(WorkflowMap(), offered, "1", "3", "indeterminate") == ["STUCK"]


def test_known_map_gives_the_shortest_path() -> None:
    workflow = WorkflowMap(dict(CLASSIC))
    assert [t.id for t in workflow.known_path("6", "3") or []] == ["3", "4"]
    assert workflow.known_path("1", "1") == []
    assert WorkflowMap().known_path("1", "5") is None


def test_workflow_without_direct_done_needs_two_hops() -> None:
    # To Do (10000) → In Progress (3) → Done (10001); no To Do → Done.
    to_progress = Transition("21", "Start", "3", "indeterminate")
    to_done = Transition("31", "Done", "10001", "done")
    back = Transition("11", "Back to To Do", "10000", "new")
    offered = {"10000": (to_progress,), "3": (back, to_done), "10001": (back,)}
    assert walk(WorkflowMap(), offered, "10000", "10001", "done") == ["21", "31"]


def test_impossible_target_gets_stuck_instead_of_looping() -> None:
    a_to_b = Transition("1", "ab", "B", "indeterminate")
    b_to_a = Transition("2", "ba", "A", "new")
    offered = {"A": (a_to_b,), "B": (b_to_a,)}
    assert walk(WorkflowMap(), offered, "A", "DONE", "done") == ["1", "STUCK"]


def test_transitions_json_with_required_fields() -> None:
    body = [
        {
            "id": "5",
            "name": "Resolve Issue",
            "to": {"id": "5", "name": "Resolved", "statusCategory": {"key": "done"}},
            "fields": {"resolution": {"required": True}, "fixVersions": {"required": False}},
        },
        {"id": "4", "name": "Start Progress", "to": {"id": "3"}},
    ]
    assert transitions_from_json(body) == (
        Transition("5", "Resolve Issue", "5", "done", ("resolution",)),
        Transition("4", "Start Progress", "3", None, ()),
    )
