"""Workflows: the classic "jira" workflow, the simplified To Do/In Progress/Done one, and
which transitions a user may run on an issue right now."""

from __future__ import annotations

from jirasync.sim.jira.model import Issue, Status, Transition, Workflow

RESOLVE_SCREEN = ["resolution", "fixVersions", "assignee", "comment"]
COMMENT_ASSIGN_SCREEN = ["assignee", "comment"]

# Status ids as a default Jira Server install has them (classic) plus Jira Software's
# To Do (10000) and Done (10001).
BUILTIN_STATUSES = [
    Status(
        "1",
        "Open",
        "new",
        "The issue is open and ready for the assignee to start work on it.",
        "open.png",
    ),
    Status(
        "3",
        "In Progress",
        "indeterminate",
        "This issue is being actively worked on at the moment by the assignee.",
        "inprogress.png",
    ),
    Status(
        "4",
        "Reopened",
        "new",
        "This issue was once resolved, but the resolution was deemed incorrect. "
        "From here issues are either marked assigned or resolved.",
        "reopened.png",
    ),
    Status(
        "5",
        "Resolved",
        "done",
        "A resolution has been taken, and it is awaiting verification by reporter. "
        "From here issues are either reopened, or are closed.",
        "resolved.png",
    ),
    Status(
        "6",
        "Closed",
        "done",
        "The issue is considered finished, the resolution is correct. "
        "Issues which are closed can be reopened.",
        "closed.png",
    ),
    Status("10000", "To Do", "new", ""),
    Status("10001", "Done", "done", ""),
]


def classic_workflow() -> Workflow:
    """The default "jira" workflow; action ids are the real ones of a Server install."""
    return Workflow(
        name="jira",
        initial="1",
        not_editable={"6"},
        transitions=[
            Transition(
                4,
                "Start Progress",
                "3",
                ["1", "4"],
                only_assignee=True,
                resolution="clear",
                event="issue_work_started",
            ),
            Transition(
                301,
                "Stop Progress",
                "1",
                ["3"],
                only_assignee=True,
                resolution="clear",
                event="issue_work_stopped",
            ),
            Transition(
                5,
                "Resolve Issue",
                "5",
                ["1", "3", "4"],
                screen=RESOLVE_SCREEN,
                required=["resolution"],
                resolution="screen",
                event="issue_resolved",
            ),
            Transition(
                2,
                "Close Issue",
                "6",
                ["1", "3", "4"],
                screen=RESOLVE_SCREEN,
                required=["resolution"],
                resolution="screen",
                event="issue_closed",
            ),
            Transition(
                701,
                "Close Issue",
                "6",
                ["5"],
                screen=COMMENT_ASSIGN_SCREEN,
                event="issue_closed",
            ),
            Transition(
                3,
                "Reopen Issue",
                "4",
                ["5", "6"],
                screen=COMMENT_ASSIGN_SCREEN,
                resolution="clear",
                event="issue_reopened",
            ),
        ],
    )


def simplified_workflow() -> Workflow:
    """Jira Software's simplified workflow: global transitions, Done sets resolution Done."""
    return Workflow(
        name="simplified",
        initial="10000",
        transitions=[
            Transition(11, "To Do", "10000", None, resolution="clear"),
            Transition(21, "In Progress", "3", None, resolution="clear"),
            Transition(31, "Done", "10001", None, resolution="done"),
        ],
    )


def builtin_workflows() -> dict[str, Workflow]:
    return {"classic": classic_workflow(), "simplified": simplified_workflow()}


def offered(workflow: Workflow, issue: Issue) -> list[Transition]:
    """Transitions leaving the issue's current status (global ones not to itself)."""
    result = []
    for transition in workflow.transitions:
        if transition.sources is None:
            if transition.to != issue.status:
                result.append(transition)
        elif issue.status in transition.sources:
            result.append(transition)
    return result


def passes_conditions(transition: Transition, issue: Issue, user_name: str) -> bool:
    return not (transition.only_assignee and issue.assignee != user_name)
