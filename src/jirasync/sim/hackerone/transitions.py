"""Report state changes: HackerOne's allowed-transition table, the messages it requires, and the
activity each new state records."""

from __future__ import annotations

from jirasync.sim.hackerone.errors import invalid
from jirasync.sim.hackerone.state import CLOSED_STATES

_REOPEN = frozenset({"new", "triaged"})
_FROM_OPEN = frozenset(
    {
        "duplicate",
        "informative",
        "needs-more-info",
        "new",
        "not-applicable",
        "pending-program-review",
        "resolved",
        "spam",
        "triaged",
    }
)

# Published table ("Change State" in the customer API reference). A state may not move to
# itself except triaged → triaged, which the table lists.
ALLOWED: dict[str, frozenset[str]] = {
    "duplicate": _REOPEN,
    "informative": _REOPEN,
    "not-applicable": _REOPEN,
    "resolved": _REOPEN,
    "spam": _REOPEN,
    "needs-more-info": _FROM_OPEN - {"needs-more-info"},
    "new": _FROM_OPEN - {"new"},
    "pending-program-review": _FROM_OPEN - {"pending-program-review"},
    "triaged": _FROM_OPEN,
    "retesting": frozenset(),
}

SETTABLE = frozenset().union(*ALLOWED.values())
NEEDS_MESSAGE = frozenset({"needs-more-info", "informative", "duplicate"})

ACTIVITY_FOR_STATE: dict[str, str] = {
    "new": "activity-bug-new",
    "triaged": "activity-bug-triaged",
    "needs-more-info": "activity-bug-needs-more-info",
    "resolved": "activity-bug-resolved",
    "not-applicable": "activity-bug-not-applicable",
    "informative": "activity-bug-informative",
    "duplicate": "activity-bug-duplicate",
    "spam": "activity-bug-spam",
    # Not named in the reference; our assumption for the one state without its own type.
    "pending-program-review": "activity-bug-pending-program-review",
}


def check(current: str, target: str, message: str) -> None:
    """Raise HackerOne's 400 when `target` is unknown, not allowed from `current`, or needs a
    message that is missing."""
    if target not in SETTABLE:
        raise invalid("state")
    if target not in ALLOWED.get(current, frozenset()):
        raise invalid("state", f"The report cannot be changed from '{current}' to '{target}'.")
    if target in NEEDS_MESSAGE and not message.strip():
        raise invalid("message", f"A message is required to change the state to '{target}'.")


def activity_type(current: str, target: str) -> str:
    """Reopening a closed report as new records `activity-bug-reopened`."""
    if current in CLOSED_STATES and target == "new":
        return "activity-bug-reopened"
    return ACTIVITY_FOR_STATE[target]
