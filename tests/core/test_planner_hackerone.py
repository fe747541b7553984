"""The pure HackerOne ⇄ Jira planner on real report and activity documents."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from jirasync.connectors.hackerone.webhooks import parse_webhook
from jirasync.core.actions import (
    AddComment,
    AddReportComment,
    ChangeReportState,
    CopyAttachment,
    CreateIssue,
)
from jirasync.core.events import (
    Actor,
    Comment,
    FieldChange,
    IssueEvent,
    IssueEventKind,
    ReportEvent,
    Source,
)
from jirasync.core.links import LinkState
from jirasync.core.planner.hackerone import (
    Context,
    marker_for,
    plan_escalation,
    plan_issue_event,
    plan_report_event,
)
from jirasync.core.rules.hackerone import Escalation

FIXTURES = Path(__file__).parents[1] / "fixtures" / "reports"
REPORT = json.loads((FIXTURES / "report_322474.json").read_text())
CTX = Context(
    web_base="https://h1.test",
    own_hackerone_users=frozenset({"jirasync-api"}),
    own_jira_users=frozenset({"jirasync"}),
    jira_status_categories={"6": "done", "3": "indeterminate"},
)
LINK = LinkState(source_id="322474", issue_id="10100", issue_key="SEC-7")
ESCALATION = Escalation.model_validate(
    {
        "name": "Playtronics",
        "program": "candiedcode_v2",
        "project_key": "SEC",
        "issue_type_id": "10004",
        "fields": {
            "summary": "[H1 #{{report_id}}] {{title}}",
            "description": "{{details_jira}}",
            "labels": ["hackerone", "{{severity_rating}}"],
        },
        "severity_to_priority": {"critical": "Highest", "high": "High"},
        "auto": {"on_states": ["triaged"], "severities": ["critical"]},
        "closed": {"status_category": "done", "message": "Fixed: {{issue_key}}"},
    }
)


def event(
    activity_file: str, name: str = "report_comment_created", **attributes: object
) -> ReportEvent:
    activity = json.loads((FIXTURES / activity_file).read_text())
    activity["attributes"].update(attributes)
    body = json.dumps({"data": {"activity": activity, "report": REPORT}}).encode()
    return parse_webhook(body, name, "delivery-1")


def test_escalation_renders_the_mapping_and_marks_the_issue() -> None:
    [action] = plan_escalation(REPORT, ESCALATION, CTX).actions
    assert isinstance(action, CreateIssue)
    assert (
        action.fields["summary"]
        == "[H1 #322474] Backup SQL file lingering on https://ops.playtronics.com/"
    )
    assert action.fields["labels"] == ["hackerone", "critical", marker_for("322474")]
    assert action.fields["priority"] == {"name": "Highest"}
    assert action.fields["project"] == {"key": "SEC"} and action.fields["issuetype"] == {
        "id": "10004"
    }
    assert "h1. Steps to Reproduce" in action.fields["description"]
    assert action.remote_link_url == "https://h1.test/reports/322474"
    assert action.set_report_reference and action.source_id == "322474"


def test_triaged_critical_report_is_escalated_automatically_once_unlinked() -> None:
    plan = plan_report_event(
        event("activity-bug-triaged.json", "report_triaged"), ESCALATION, None, CTX
    )
    [create] = [a for a in plan.actions if isinstance(a, CreateIssue)]
    triage = event("activity-bug-triaged.json", "report_triaged").activity["id"]
    assert create.escalated_by == f"h1-activity-{triage}"
    # The escalating activity is remembered on the new link: delivered again, it is not news.
    escalated = replace(LINK, mirrored=LINK.mirrored | {str(create.escalated_by)})
    again = plan_report_event(
        event("activity-bug-triaged.json", "report_triaged"), ESCALATION, escalated, CTX
    )
    assert again.empty, again.reasons


def test_comment_with_attachment_goes_to_jira_once() -> None:
    plan = plan_report_event(event("activity-comment.json"), ESCALATION, LINK, CTX)
    assert plan.actions == (
        AddComment("SEC-7", "[HackerOne] [API Example]: Comment!", "h1-activity-1337"),
        CopyAttachment(
            "SEC-7",
            "/system/attachments/files/000/001/337/original/root.rb?1454385906",
            "root.rb",
            "h1-attachment-1337",
        ),
    )
    # A retry after the comment went but the attachment failed: only the attachment is left.
    half = LinkState("322474", "10100", "SEC-7", mirrored=frozenset({"h1-activity-1337"}))
    retry = plan_report_event(event("activity-comment.json"), ESCALATION, half, CTX)
    assert retry.actions == plan.actions[1:]
    done = LinkState(
        "322474", "10100", "SEC-7", mirrored=frozenset({"h1-activity-1337", "h1-attachment-1337"})
    )
    assert plan_report_event(event("activity-comment.json"), ESCALATION, done, CTX).empty


def test_a_link_whose_reference_was_never_written_resumes_the_escalation() -> None:
    pending = LinkState("322474", "10100", "SEC-7", last_synced={"hackerone.reference": ""})
    plan = plan_report_event(event("activity-comment.json"), ESCALATION, pending, CTX)
    [create, *rest] = plan.actions
    assert isinstance(create, CreateIssue) and create.set_report_reference
    assert [type(a) for a in rest] == [AddComment, CopyAttachment]


def test_internal_comment_is_marked_and_has_its_own_toggle() -> None:
    plan = plan_report_event(event("activity-comment.json", internal=True), ESCALATION, LINK, CTX)
    assert plan.actions[0] == AddComment(
        "SEC-7", "[HackerOne] [API Example] (internal): Comment!", "h1-activity-1337"
    )
    quiet = ESCALATION.model_copy(
        update={
            "hackerone_to_jira": ESCALATION.hackerone_to_jira.model_copy(
                update={"internal_comments": False, "attachments": False}
            )
        }
    )
    off = plan_report_event(event("activity-comment.json", internal=True), quiet, LINK, CTX)
    assert off.empty and "switched off" in off.reasons[0]


def test_state_reward_and_assignee_comments() -> None:
    triaged = plan_report_event(
        event("activity-bug-triaged.json", "report_triaged"), ESCALATION, LINK, CTX
    )
    assert (
        triaged.actions[0].body
        == "[HackerOne] API Example changed the report state to triaged.\nBug Triaged!"
    )
    bounty = plan_report_event(
        event("activity-bounty-awarded.json", "report_bounty_awarded"), ESCALATION, LINK, CTX
    )
    assert (
        bounty.actions[0].body
        == "[HackerOne] security: bounty 500 + bonus 50 awarded.\nBounty Awarded!"
    )
    assigned = plan_report_event(
        event("activity-user-assigned-to-bug.json", "report_user_assigned"), ESCALATION, LINK, CTX
    )
    assert (
        assigned.actions[0].body
        == "[HackerOne] API Example: assigned to other_user.\nUser Assigned To Bug!"
    )


def test_duplicate_comments_on_the_original_issue() -> None:
    dup = event("activity-bug-duplicate.json", "report_closed_as_duplicate")
    ctx = Context(web_base="https://h1.test", original_link=LinkState("100", "10001", "SEC-1"))
    plan = plan_report_event(dup, ESCALATION, None, ctx)
    [action] = plan.actions
    assert isinstance(action, AddComment) and action.issue_key == "SEC-1"
    assert "Report #322474 was closed as a duplicate" in action.body
    assert plan_report_event(dup, ESCALATION, None, CTX).empty


def test_own_activity_is_an_echo() -> None:
    mine = event("activity-comment.json")
    mine = ReportEvent(
        mine.delivery_id,
        mine.event,
        mine.activity_type,
        mine.report_id,
        mine.report,
        mine.activity,
        Actor(Source.HACKERONE, "9", "jirasync-api"),
        True,
        "x",
        None,
    )
    assert "echo" in plan_report_event(mine, ESCALATION, LINK, CTX).reasons[0]


def jira_event(
    *changes: FieldChange,
    kind: IssueEventKind = IssueEventKind.UPDATED,
    comment: Comment | None = None,
    actor: str = "dana",
) -> IssueEvent:
    return IssueEvent(
        kind,
        "10100",
        "SEC-7",
        None,
        Actor(Source.JIRA, id=actor, name=actor, display_name=actor.title()),
        1,
        changes=changes,
        comment=comment,
    )


def test_jira_changes_become_one_internal_comment() -> None:
    plan = plan_issue_event(
        jira_event(
            FieldChange("status", "jira", "1", "3", "Open", "In Progress"),
            FieldChange("priority", "jira", "3", "2", "Medium", "High"),
        ),
        ESCALATION,
        LINK,
        CTX,
    )
    assert plan.actions == (
        AddReportComment(
            "322474",
            "[Jira SEC-7] Dana: status changed from Open to In Progress; priority changed from Medium to High.",
        ),
    )


def test_closing_the_issue_resolves_the_report() -> None:
    plan = plan_issue_event(
        jira_event(FieldChange("status", "jira", "3", "6", "In Progress", "Closed")),
        ESCALATION,
        LINK,
        CTX,
    )
    assert plan.actions[-1] == ChangeReportState("322474", "resolved", "Fixed: SEC-7")
    resolved = LinkState("322474", "10100", "SEC-7", last_synced={"hackerone.state": "resolved"})
    again = plan_issue_event(
        jira_event(FieldChange("status", "jira", "3", "6", "In Progress", "Closed")),
        ESCALATION,
        resolved,
        CTX,
    )
    assert not any(isinstance(a, ChangeReportState) for a in again.actions)


def test_jira_comment_becomes_an_internal_report_comment_not_an_echo() -> None:
    comment = Comment(
        "c9", "Patched in 1.2.3", Actor(Source.JIRA, "dana", "dana", display_name="Dana")
    )
    plan = plan_issue_event(
        jira_event(kind=IssueEventKind.COMMENT_CREATED, comment=comment), ESCALATION, LINK, CTX
    )
    assert plan.actions == (
        AddReportComment("322474", "[Jira SEC-7] [Dana]: Patched in 1.2.3", True, "c9"),
    )
    ours = plan_issue_event(
        jira_event(kind=IssueEventKind.COMMENT_CREATED, comment=comment, actor="jirasync"),
        ESCALATION,
        LINK,
        CTX,
    )
    assert ours.empty and "echo" in ours.reasons[0]
    assert plan_issue_event(
        jira_event(kind=IssueEventKind.COMMENT_CREATED, comment=comment), ESCALATION, None, CTX
    ).empty
