"""The pure PagerDuty ⇄ Jira planner: which rule section fires, what it plans, and why not."""

from __future__ import annotations

from typing import Any

from jirasync.core.actions import (
    AddComment,
    AddNote,
    AddResponders,
    CreateIncident,
    CreateIssue,
    EditIssue,
    EditNote,
    TransitionIssue,
    UpdateIncident,
)
from jirasync.core.events import (
    Actor,
    Comment,
    FieldChange,
    IncidentEvent,
    IssueEvent,
    IssueEventKind,
    Note,
    Source,
)
from jirasync.core.links import LinkState
from jirasync.core.planner.pagerduty import (
    Context,
    incident_key_for,
    marker_for,
    plan_incident_event,
    plan_issue_event,
)
from jirasync.core.rules.pagerduty import Rule
from jirasync.core.workflow import JiraStatus

SERVICE = "PSVC1"
ALICE = Actor(Source.PAGERDUTY, id="PUSER1", name="Alice")
BOT = Actor(Source.PAGERDUTY, id="PBOT", name="jirasync")
STATUSES = {
    "1": JiraStatus("1", "Open", "new"),
    "3": JiraStatus("3", "In Progress", "indeterminate"),
    "5": JiraStatus("5", "Resolved", "done"),
    "10001": JiraStatus("10001", "Done", "done"),
}
CTX = Context(
    jira_statuses=STATUSES,
    pagerduty_priorities={"PP1": "P1", "PP2": "P2"},
    own_pagerduty_users=frozenset({"PBOT"}),
    own_jira_users=frozenset({"jirasync"}),
    issue_matches=lambda jql: jql == "priority = Highest",
)


def rule(**config: Any) -> Rule:
    base: dict[str, Any] = {
        "services": [{"id": SERVICE, "type": "service_reference"}],
        "projects": [{"key": "OPS", "id": "10000"}],
        "issue_types": [{"id": "10004", "label": "Bug"}],
        "sync_comments": True,
    }
    base.update(config)
    return Rule.model_validate({"name": "Ops", "enabled": True, "config": base})


CREATE_ON_TRIGGER = {
    "autocreate_issues": True,
    "autocreate_issues_config": [
        {
            "condition": {"pd_events": ["incident.trigger"], "pd_urgency": "high"},
            "actions": [
                {"key": "jira_append_description"},
                {"key": "jira_field_set_labels"},
            ],
            "actions_params": {
                "jira_append_description": [
                    {"key": "incident.title", "icon": "pd"},
                    {"key": "incident.html_url", "icon": "pd"},
                ],
                "jira_field_set_labels": [{"key": "incident.service.summary", "icon": "pd"}],
            },
        }
    ],
    "jirasync": {"priority_to_jira": {"P1": "Highest"}, "priority_to_pagerduty": {"Highest": "P1"}},
}
REACT = {
    "react_on_incident_event": True,
    "react_on_incident_event_config": [
        {
            "condition": {"pd_events": ["incident.acknowledge"]},
            "actions": [{"key": "jira_change_status"}],
            "actions_params": {"jira_change_status": {"id": "3", "label": "In Progress"}},
        },
        {
            "condition": {"pd_events": ["incident.resolve"]},
            "actions": [{"key": "jira_change_status"}],
            "actions_params": {"jira_change_status": {"id": "10001", "label": "Done"}},
        },
    ],
    "react_on_issue_status_change": True,
    "react_on_issue_status_change_config": [
        {"jira_statuses": [{"id": "3"}], "actions": [{"key": "pd_acknowledge"}]},
        {"jira_status_categories": ["done"], "actions": [{"key": "pd_resolve"}]},
        {
            "jira_statuses": [{"id": "1"}],
            "actions": [{"key": "pd_add_responders"}],
            "actions_params": {"pd_add_responders": [{"id": "PU2", "type": "user_reference"}]},
        },
    ],
}


def incident_event(kind: str, actor: Actor = ALICE, **incident: Any) -> IncidentEvent:
    data = {
        "id": "Q1",
        "type": "incident",
        "number": 7,
        "title": "Checkout down",
        "urgency": "high",
        "html_url": "https://pd.test/incidents/Q1",
        "service": {"id": SERVICE, "summary": "Checkout API"},
        "priority": {"id": "PP1", "summary": "P1"},
    }
    data.update(incident)
    return IncidentEvent("E1", kind, "Q1", data, actor, "2026-11-23T00:00:00Z", SERVICE)


LINK = LinkState(source_id="Q1", issue_id="10042", issue_key="OPS-42", rule="Ops")


def test_trigger_creates_one_issue_with_mapped_fields() -> None:
    plan = plan_incident_event(
        incident_event("incident.triggered"), [rule(**CREATE_ON_TRIGGER)], None, CTX
    )
    [action] = plan.actions
    assert isinstance(action, CreateIssue)
    assert action.project_key == "OPS" and action.issue_type_id == "10004"
    assert action.fields["summary"] == "Checkout down"
    assert action.fields["description"] == "Checkout down\nhttps://pd.test/incidents/Q1"
    assert action.fields["labels"] == ["Checkout_API"]
    assert action.fields["priority"] == {"name": "Highest"}
    assert action.marker == marker_for("Q1") == "pagerduty-q1"
    assert action.remote_link_title == "PagerDuty #7: Checkout down"
    assert "autocreate_issues_config[0]" in plan.reasons[0]


def test_conditions_that_do_not_hold_create_nothing_and_say_why() -> None:
    rules = [rule(**CREATE_ON_TRIGGER)]
    low = plan_incident_event(incident_event("incident.triggered", urgency="low"), rules, None, CTX)
    assert low.empty and "no rule creates an issue on incident.trigger" in low.reasons[0]
    ack = plan_incident_event(incident_event("incident.acknowledged"), rules, None, CTX)
    assert ack.empty
    other = incident_event("incident.triggered", service={"id": "POTHER"})
    other = IncidentEvent("E2", other.kind, "Q1", other.incident, ALICE, None, "POTHER")
    assert (
        "no enabled rule covers service POTHER"
        in plan_incident_event(other, rules, None, CTX).reasons[0]
    )
    disabled = rule(**CREATE_ON_TRIGGER).model_copy(update={"enabled": False})
    assert plan_incident_event(incident_event("incident.triggered"), [disabled], None, CTX).empty


def test_several_matching_rules_still_create_one_issue() -> None:
    rules = [rule(**CREATE_ON_TRIGGER), rule(**CREATE_ON_TRIGGER)]
    plan = plan_incident_event(incident_event("incident.triggered"), rules, None, CTX)
    assert len(plan.actions) == 1


def test_changes_made_by_jirasync_are_echoes() -> None:
    plan = plan_incident_event(
        incident_event("incident.triggered", BOT), [rule(**CREATE_ON_TRIGGER)], None, CTX
    )
    assert plan.empty and "echo" in plan.reasons[0]


def test_acknowledge_moves_the_linked_issue_unless_already_there() -> None:
    rules = [rule(**REACT)]
    plan = plan_incident_event(incident_event("incident.acknowledged"), rules, LINK, CTX)
    assert plan.actions == (TransitionIssue("OPS-42", "3", "In Progress"),)
    there = LinkState("Q1", "10042", "OPS-42", last_synced={"jira.status": "3"})
    again = plan_incident_event(incident_event("incident.acknowledged"), rules, there, CTX)
    assert again.empty and "already so" in again.reasons[0]


def test_note_becomes_an_attributed_comment_once() -> None:
    event = incident_event("incident.annotated")
    event = IncidentEvent(
        "E3",
        "incident.annotated",
        "Q1",
        event.incident,
        ALICE,
        None,
        SERVICE,
        note=Note("N1", "Rolled back", None),
    )
    plan = plan_incident_event(event, [rule(**REACT)], LINK, CTX)
    assert plan.actions == (AddComment("OPS-42", "PagerDuty [Alice]: Rolled back", "N1"),)
    mirrored = LinkState("Q1", "10042", "OPS-42", mirrored=frozenset({"N1"}))
    assert plan_incident_event(event, [rule(**REACT)], mirrored, CTX).empty
    no_sync = rule(**{**REACT, "sync_comments": False})
    assert plan_incident_event(event, [no_sync], LINK, CTX).empty


def test_priority_update_alone_syncs_to_jira_and_not_back() -> None:
    rules = [rule(**CREATE_ON_TRIGGER)]
    plan = plan_incident_event(incident_event("incident.priority_updated"), rules, LINK, CTX)
    assert plan.actions == (EditIssue("OPS-42", fields={"priority": {"name": "Highest"}}),)
    echoed = LinkState("Q1", "10042", "OPS-42", last_synced={"pd.priority": "P1"})
    assert plan_incident_event(
        incident_event("incident.priority_updated"), rules, echoed, CTX
    ).empty


# -- Jira → PagerDuty ----------------------------------------------------------------------------
def issue_event(
    kind: IssueEventKind, *changes: FieldChange, actor: str = "bob", comment: Comment | None = None
) -> IssueEvent:
    issue = {
        "id": "10042",
        "key": "OPS-42",
        "fields": {
            "summary": "Disk full",
            "description": "on db-1",
            "project": {"key": "OPS"},
            "issuetype": {"id": "10004"},
        },
    }
    return IssueEvent(
        kind,
        "10042",
        "OPS-42",
        issue,
        Actor(Source.JIRA, id=actor, name=actor),
        1,
        changes=changes,
        comment=comment,
    )


AUTOCREATE_INCIDENT = {
    "autocreate_incidents": True,
    "autocreate_incidents_config": [
        {
            "jql": "priority = Highest",
            "on_create": True,
            "on_update": True,
            "actions": [{"key": "pd_set_priority"}],
            "actions_params": {"pd_set_priority": {"id": "PP1"}},
        },
        {"jql": "priority = Highest", "on_create": True, "target_service": {"id": "PSVC2"}},
    ],
}


def test_issue_matching_jql_triggers_one_incident_with_a_stable_key() -> None:
    plan = plan_issue_event(
        issue_event(IssueEventKind.CREATED), [rule(**AUTOCREATE_INCIDENT)], None, CTX, "main"
    )
    [action] = plan.actions
    assert isinstance(action, CreateIncident)
    assert action.service_id == SERVICE and action.priority_id == "PP1"
    assert action.title == "[OPS-42] Disk full" and action.details == "on db-1"
    assert action.incident_key == incident_key_for("10042", "main") == "jira-main-10042"


def test_issue_not_matching_jql_or_linked_already_triggers_nothing() -> None:
    ctx = Context(jira_statuses=STATUSES, issue_matches=lambda jql: False)
    plan = plan_issue_event(
        issue_event(IssueEventKind.CREATED), [rule(**AUTOCREATE_INCIDENT)], None, ctx, "main"
    )
    assert plan.empty and "no rule's JQL matches" in plan.reasons[0]
    linked = plan_issue_event(
        issue_event(IssueEventKind.UPDATED), [rule(**AUTOCREATE_INCIDENT)], LINK, CTX, "main"
    )
    assert not any(isinstance(a, CreateIncident) for a in linked.actions)


def test_status_change_updates_the_incident_by_id_or_category() -> None:
    rules = [rule(**REACT)]
    to_progress = issue_event(
        IssueEventKind.UPDATED, FieldChange("status", "jira", "1", "3", "Open", "In Progress")
    )
    assert plan_issue_event(to_progress, rules, LINK, CTX, "main").actions == (
        UpdateIncident("Q1", status="acknowledged"),
    )
    to_resolved = issue_event(
        IssueEventKind.UPDATED, FieldChange("status", "jira", "3", "5", "In Progress", "Resolved")
    )
    assert plan_issue_event(to_resolved, rules, LINK, CTX, "main").actions == (
        UpdateIncident("Q1", status="resolved"),
    )
    reopened = issue_event(
        IssueEventKind.UPDATED, FieldChange("status", "jira", "5", "1", "Resolved", "Open")
    )
    assert plan_issue_event(reopened, rules, LINK, CTX, "main").actions == (
        AddResponders("Q1", ("PU2",), "Requested from Jira issue OPS-42"),
    )


def test_a_status_change_two_rules_react_to_updates_the_incident_once() -> None:
    """Found in the demo: a second rule (another project) also resolved the incident, and
    PagerDuty refused the second resolve (400 code 1001), a dead event."""
    support = rule(**REACT, projects=[{"key": "SUP", "id": "10001"}]).model_dump()
    other_project = Rule.model_validate({**support, "name": "Support"})
    twin = Rule.model_validate({**rule(**REACT).model_dump(), "name": "Ops again"})
    to_done = issue_event(
        IssueEventKind.UPDATED, FieldChange("status", "jira", "3", "5", "In Progress", "Resolved")
    )
    plan = plan_issue_event(to_done, [rule(**REACT), other_project, twin], LINK, CTX, "main")
    assert plan.actions == (UpdateIncident("Q1", status="resolved"),)
    assert not any("Support" in r for r in plan.reasons), plan.reasons


def test_status_jirasync_set_itself_is_not_sent_back() -> None:
    link = LinkState("Q1", "10042", "OPS-42", last_synced={"jira.status": "3"})
    event = issue_event(
        IssueEventKind.UPDATED, FieldChange("status", "jira", "1", "3", "Open", "In Progress")
    )
    assert plan_issue_event(event, [rule(**REACT)], link, CTX, "main").empty
    by_bot = issue_event(
        IssueEventKind.UPDATED,
        FieldChange("status", "jira", "1", "3", None, None),
        actor="jirasync",
    )
    assert "echo" in plan_issue_event(by_bot, [rule(**REACT)], LINK, CTX, "main").reasons[0]


def test_priority_change_alone_updates_the_incident_priority() -> None:
    event = issue_event(
        IssueEventKind.UPDATED, FieldChange("priority", "jira", "3", "1", "Medium", "Highest")
    )
    plan = plan_issue_event(event, [rule(**CREATE_ON_TRIGGER)], LINK, CTX, "main")
    assert plan.actions == (UpdateIncident("Q1", priority_id="PP1"),)


def test_comment_becomes_an_attributed_note_once() -> None:
    author = Actor(Source.JIRA, id="bob", name="bob", display_name="Bob B")
    event = issue_event(
        IssueEventKind.COMMENT_CREATED, comment=Comment("c1", "Restarted db-1", author)
    )
    plan = plan_issue_event(event, [rule(**REACT)], LINK, CTX, "main")
    assert plan.actions == (AddNote("Q1", "[Jira] [Bob B]: Restarted db-1", "c1"),)
    mirrored = LinkState("Q1", "10042", "OPS-42", mirrored=frozenset({"c1"}))
    assert plan_issue_event(event, [rule(**REACT)], mirrored, CTX, "main").empty
    unlinked = plan_issue_event(event, [rule(**REACT)], None, CTX, "main")
    assert unlinked.empty and "no incident" in unlinked.reasons[0]


def test_comment_edit_follows_on_the_note_jirasync_made_of_it() -> None:
    author = Actor(Source.JIRA, id="bob", name="bob", display_name="Bob B")
    edited = issue_event(
        IssueEventKind.COMMENT_UPDATED, comment=Comment("c1", "Restarted db-1 and db-2", author)
    )
    twinned = LinkState(
        "Q1", "10042", "OPS-42", mirrored=frozenset({"c1", "N1"}), note_twins={"c1": "N1"}
    )
    plan = plan_issue_event(edited, [rule(**REACT)], twinned, CTX, "main")
    [edit] = plan.actions
    assert edit == EditNote("Q1", "N1", "[Jira] [Bob B]: Restarted db-1 and db-2")
    # Jira sends an edit twice (comment_updated and jira:issue_updated): the second is a no-op.
    done = LinkState(
        "Q1",
        "10042",
        "OPS-42",
        last_synced={"pd.note.N1": edit.digest},
        mirrored=frozenset({"c1", "N1"}),
        note_twins={"c1": "N1"},
    )
    assert plan_issue_event(edited, [rule(**REACT)], done, CTX, "main").empty
    # A comment that is itself the twin of a note (or was never synced) has nothing to edit.
    from_note = LinkState("Q1", "10042", "OPS-42", mirrored=frozenset({"c1", "N1"}))
    assert plan_issue_event(edited, [rule(**REACT)], from_note, CTX, "main").empty
