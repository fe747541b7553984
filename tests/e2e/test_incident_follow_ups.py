"""PagerDuty's "create incidents from issues" entries may act on the issue once its incident
exists, as its own example rule does: set the issue's priority and add labels, constant or
from the incident (its service's name). The issue's own labels stay."""

from __future__ import annotations

from tests.e2e.test_pagerduty_faq import BUG, CHECKOUT, jira_writes, rule, set_up

from jirasync.devstack import Stack

# One entry of PagerDuty's example rule (tests/fixtures/rules/pagerduty_GET_rules_example.json),
# with the simulator's service and project.
ENTRY = {
    "jql": "project = SUP AND issuetype = Bug",
    "on_create": True,
    "on_update": False,
    "target_service": {"id": CHECKOUT, "type": "service_reference"},
    "actions": [
        {"key": "jira_field_set_priority", "label": "Set Priority", "icon": "jira"},
        {"key": "jira_field_set_labels", "label": "Set Labels", "icon": "jira"},
    ],
    "actions_params": {
        "jira_field_set_priority": {"label": "Highest", "name": "Highest", "id": "1"},
        "jira_field_set_labels": [
            {"label": "Service name", "icon": "pd", "key": "incident.service.summary"},
            {"label": "LinkedToPagerduty", "key": "LinkedToPagerduty", "icon": "text"},
        ],
    },
}


def test_a_created_incident_sets_the_issues_priority_and_adds_labels(stack: Stack) -> None:
    set_up(stack, rule("Bugs page", "SUP", create_on=(), incidents_from_jql=[ENTRY]))
    stack.reset_counts()
    with stack.jira("alice") as jira:
        created = jira.post(
            "/rest/api/2/issue",
            json={
                "fields": {
                    "project": {"key": "SUP"},
                    "issuetype": {"id": BUG},
                    "summary": "Checkout button does nothing",
                    "priority": {"name": "Low"},
                    "labels": ["frontend"],
                }
            },
        )
        assert created.status_code == 201, created.text
        key = created.json()["key"]
    stack.settle()

    with stack.jira("admin") as jira:
        fields = jira.get(f"/rest/api/2/issue/{key}").json()["fields"]
    assert fields["priority"]["name"] == "Highest"
    assert sorted(fields["labels"]) == ["Checkout_API", "LinkedToPagerduty", "frontend"]
    # alice's create, then jirasync's remote link and one edit; the edit's echo changes nothing.
    assert jira_writes(stack) == {
        "POST /rest/api/2/issue": 1,
        "POST /rest/api/2/issue/{issueIdOrKey}/remotelink": 1,
        "PUT /rest/api/2/issue/{issueIdOrKey}": 1,
    }
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()
