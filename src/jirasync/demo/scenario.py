"""`jirasync demo --scenario`: a scripted story told through the simulators' APIs, as the
people in it would act, each step waiting (bounded) for its effect on the other side.

PagerDuty ⇄ Jira: an incident is triggered → its issue appears in SUP → acknowledged → the
issue is In Progress → a note becomes a comment and a comment becomes a note → the issue is
done in Jira → the incident is resolved. HackerOne → Jira: a report is submitted → triaged →
escalated to an OPS issue → a bounty is awarded → a comment on the issue says so → the issue is
closed in Jira → the report is resolved.

Only the simulators are touched, so the story runs against any running demo.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from jirasync.demo.world import HACKERONE_PERSON, PAGERDUTY_KEY, PROGRAM

JSON = dict[str, Any]
CHECKOUT_API = "PSVC001"  # → SUP, by the demo's rule "Checkout API incidents to SUP"


@dataclass(frozen=True)
class SimUrls:
    jira: str
    pagerduty: str
    hackerone: str


@dataclass(frozen=True)
class Seen:
    """What a check found: whether the expected effect is there, and what was there."""

    met: bool
    what: str


@dataclass(frozen=True)
class Step:
    title: str  # what a person does
    expect: str  # the effect jirasync must bring about
    act: Callable[[], None]
    check: Callable[[], Seen]


class ActionFailed(RuntimeError):
    """A simulator refused what a step's person did."""


class StepFailed(RuntimeError):
    def __init__(self, step: Step, seen: str) -> None:
        super().__init__(f"{step.title}: expected {step.expect}; {seen}")
        self.step = step
        self.seen = seen


class Progress(Protocol):
    def started(self, step: Step, number: int) -> None: ...

    def done(self, step: Step, seen: Seen) -> None: ...


def play(
    steps: Sequence[Step], progress: Progress, timeout: float = 20.0, poll: float = 0.1
) -> None:
    """Each step's action, then its check until met (at most `timeout` seconds)."""
    for number, step in enumerate(steps, 1):
        progress.started(step, number)
        try:
            step.act()
        except (ActionFailed, httpx.HTTPError) as exc:
            raise StepFailed(step, f"the action failed: {exc}") from exc
        seen = wait_for(step.check, timeout, poll)
        if not seen.met:
            raise StepFailed(step, f"after {timeout:g} s: {seen.what}")
        progress.done(step, seen)


def wait_for(check: Callable[[], Seen], timeout: float, poll: float) -> Seen:
    deadline = time.monotonic() + timeout
    while True:
        try:
            seen = check()
        except (ActionFailed, httpx.HTTPError) as exc:
            seen = Seen(False, f"reading it failed: {exc}")
        if seen.met or time.monotonic() >= deadline:
            return seen
        time.sleep(poll)


def _ok(response: httpx.Response, *expected: int) -> JSON:
    if response.status_code not in expected:
        request = response.request
        raise ActionFailed(
            f"{request.method} {request.url.path} → HTTP {response.status_code}: "
            f"{response.text[:300]}"
        )
    return response.json() if response.content else {}


class People:
    """The story's cast, each an HTTP client as that person (or the simulator's control API)."""

    def __init__(self, urls: SimUrls, closing: ExitStack) -> None:
        def client(**kwargs: Any) -> httpx.Client:
            return closing.enter_context(httpx.Client(timeout=10, **kwargs))

        self.jira_alice = client(base_url=f"{urls.jira}/rest/api/2", auth=("alice", "alice"))
        self.pagerduty_alice = client(
            base_url=urls.pagerduty,
            headers={
                "Authorization": f"Token token={PAGERDUTY_KEY}",
                "Accept": "application/vnd.pagerduty+json;version=2",
                "From": "alice@example.com",
            },
        )
        self.hackerone_alice = client(base_url=f"{urls.hackerone}/v1", auth=HACKERONE_PERSON)
        self.hackerone_sim = client(base_url=f"{urls.hackerone}/_sim")


class Story:
    """The steps, and what they create for the steps after them (incident, issues, report)."""

    def __init__(self, people: People) -> None:
        self.p = people
        self.incident = ""
        self.incident_issue = ""
        self.report = ""
        self.report_issue = ""
        stamp = time.strftime("%H:%M:%S")
        self.note = f"Rolled back the 14:02 deploy ({stamp})"
        self.comment = f"Error rate back under 0.1% ({stamp})"
        self.bounty = "750.00"

    def steps(self) -> list[Step]:
        return [*self.pagerduty_steps(), *self.hackerone_steps(), self.final_step()]

    # -- PagerDuty ⇄ Jira ----------------------------------------------------------------------
    def pagerduty_steps(self) -> list[Step]:
        return [
            Step(
                "PagerDuty: an incident is triggered on Checkout API",
                "a linked Jira issue in SUP",
                self.trigger,
                self.issue_created,
            ),
            Step(
                "PagerDuty: Alice acknowledges the incident",
                "the Jira issue moves to In Progress",
                self.acknowledge,
                lambda: self.issue_status(self.incident_issue, "In Progress"),
            ),
            Step(
                "PagerDuty: Alice adds a note to the incident",
                "the note appears as a comment on the Jira issue",
                self.add_note,
                self.note_on_issue,
            ),
            Step(
                "Jira: Alice comments on the issue",
                "the comment appears as a note on the incident",
                self.add_comment,
                self.comment_on_incident,
            ),
            Step(
                "Jira: Alice moves the issue to Done",
                "the incident is resolved in PagerDuty",
                lambda: self.transition(self.incident_issue, "Done"),
                self.incident_resolved,
            ),
        ]

    def trigger(self) -> None:
        body = {
            "incident": {
                "type": "incident",
                "title": "Checkout error rate above 5%",
                "service": {"id": CHECKOUT_API, "type": "service_reference"},
                "urgency": "high",
            }
        }
        created = _ok(self.p.pagerduty_alice.post("/incidents", json=body), 201)
        self.incident = str(created["incident"]["id"])

    def issue_created(self) -> Seen:
        # jirasync marks the issue it creates with the incident's id (its idempotency label).
        jql = f'labels = "pagerduty-{self.incident.lower()}"'
        found = _ok(
            self.p.jira_alice.post("/search", json={"jql": jql, "fields": ["summary"]}), 200
        )
        if not found["issues"]:
            return Seen(False, f"no issue for incident {self.incident} yet")
        issue = found["issues"][0]
        self.incident_issue = str(issue["key"])
        return Seen(True, f"{self.incident_issue} “{issue['fields']['summary']}”")

    def acknowledge(self) -> None:
        body = {"incident": {"type": "incident_reference", "status": "acknowledged"}}
        _ok(self.p.pagerduty_alice.put(f"/incidents/{self.incident}", json=body), 200)

    def add_note(self) -> None:
        body = {"note": {"content": self.note}}
        _ok(self.p.pagerduty_alice.post(f"/incidents/{self.incident}/notes", json=body), 200, 201)

    def note_on_issue(self) -> Seen:
        bodies = self.comments(self.incident_issue)
        found = next((b for b in bodies if self.note in b), None)
        return Seen(found is not None, found or f"{len(bodies)} comment(s), not the note")

    def add_comment(self) -> None:
        path = f"/issue/{self.incident_issue}/comment"
        _ok(self.p.jira_alice.post(path, json={"body": self.comment}), 201)

    def comment_on_incident(self) -> Seen:
        notes = _ok(self.p.pagerduty_alice.get(f"/incidents/{self.incident}/notes"), 200)
        contents = [str(n["content"]) for n in notes["notes"]]
        found = next((c for c in contents if self.comment in c), None)
        return Seen(found is not None, found or f"{len(contents)} note(s), not the comment")

    def incident_resolved(self) -> Seen:
        incident = _ok(self.p.pagerduty_alice.get(f"/incidents/{self.incident}"), 200)
        status = str(incident["incident"]["status"])
        return Seen(status == "resolved", f"incident {self.incident} is {status}")

    # -- HackerOne → Jira → HackerOne ----------------------------------------------------------
    def hackerone_steps(self) -> list[Step]:
        return [
            Step(
                "HackerOne: demo-hacker submits a report",
                "HackerOne delivers it to jirasync (report_created)",
                self.submit_report,
                self.report_delivered,
            ),
            Step(
                "HackerOne: Alice Security triages the report",
                "escalated to a Jira issue in OPS, its key written on the report",
                self.triage,
                self.report_escalated,
            ),
            Step(
                f"HackerOne: acme awards a ${self.bounty} bounty",
                "a comment on the Jira issue tells of the bounty",
                self.award_bounty,
                self.bounty_on_issue,
            ),
            Step(
                "Jira: Alice closes the issue",
                "the report is resolved on HackerOne",
                lambda: self.transition(self.report_issue, "Closed"),
                self.report_resolved,
            ),
        ]

    def submit_report(self) -> None:
        body = {
            "reporter": "demo-hacker",
            "title": "Password reset token leaks via Referer",
            "vulnerability_information": (
                "The reset page loads a third-party script, so the token in the URL is sent "
                "in the `Referer` header.\n\n## Impact\n\nAccount takeover."
            ),
            "severity_rating": "high",
            "weakness_id": 27,
            "structured_scope_id": 57,
        }
        created = _ok(self.p.hackerone_sim.post(f"/programs/{PROGRAM}/reports", json=body), 201)
        self.report = str(created["data"]["id"])

    def report_delivered(self) -> Seen:
        log = _ok(
            self.p.hackerone_sim.get(
                "/webhooks", params={"event": "report_created", "body": "false"}
            ),
            200,
        )
        mine = [d for d in log["deliveries"] if d["key"].endswith(f"report:{self.report}")]
        states = sorted({str(d["state"]) for d in mine}) or ["not sent yet"]
        delivered = "delivered" in states
        return Seen(delivered, f"report #{self.report}: webhook {', '.join(states)}")

    def triage(self) -> None:
        attributes = {"state": "triaged", "message": "Reproduced, thanks!"}
        body = {"data": {"type": "state-change", "attributes": attributes}}
        _ok(self.p.hackerone_alice.post(f"/reports/{self.report}/state_changes", json=body), 201)

    def report_escalated(self) -> Seen:
        attributes = self.report_attributes()
        key = attributes.get("issue_tracker_reference_id")
        if not key:
            return Seen(False, f"report #{self.report} has no issue reference yet")
        self.report_issue = str(key)
        issue = _ok(self.p.jira_alice.get(f"/issue/{key}", params={"fields": "summary"}), 200)
        return Seen(True, f"{key} “{issue['fields']['summary']}”")

    def award_bounty(self) -> None:
        body = {"data": {"message": "Great find, thank you!", "amount": float(self.bounty)}}
        _ok(self.p.hackerone_alice.post(f"/reports/{self.report}/bounties", json=body), 201)

    def bounty_on_issue(self) -> Seen:
        bodies = self.comments(self.report_issue)
        found = next((b for b in bodies if f"bounty {self.bounty}" in b), None)
        return Seen(found is not None, found or f"{len(bodies)} comment(s), none on the bounty")

    def report_resolved(self) -> Seen:
        state = str(self.report_attributes()["state"])
        return Seen(state == "resolved", f"report #{self.report} is {state}")

    # -- the guarantees ------------------------------------------------------------------------
    def final_step(self) -> Step:
        return Step(
            "The simulators deliver their last webhooks",
            "one issue per incident and report, each comment and note once (no echo)",
            self.drain,
            self.nothing_twice,
        )

    def drain(self) -> None:
        for client in (self.p.jira_alice, self.p.pagerduty_alice, self.p.hackerone_sim):
            root = client.base_url.copy_with(path="/")
            _ok(client.post(root.join("_sim/webhooks/drain"), params={"timeout": 10}), 200)

    def nothing_twice(self) -> Seen:
        notes = _ok(self.p.pagerduty_alice.get(f"/incidents/{self.incident}/notes"), 200)
        counts = {
            f"issues for incident {self.incident}": (self.labelled("pagerduty", self.incident), 1),
            f"issues for report #{self.report}": (self.labelled("hackerone", self.report), 1),
            # The link note jirasync adds, Alice's note, Alice's Jira comment.
            f"notes on {self.incident}": (len(notes["notes"]), 3),
            # Alice's note, Alice's own comment.
            f"comments on {self.incident_issue}": (len(self.comments(self.incident_issue)), 2),
            f"comments on {self.report_issue}": (len(self.comments(self.report_issue)), 1),
        }
        wrong = [f"{what}: {n}, expected {want}" for what, (n, want) in counts.items() if n != want]
        seen = "; ".join(wrong) or ", ".join(f"{what}: {n}" for what, (n, _) in counts.items())
        return Seen(not wrong, seen)

    def labelled(self, system: str, source_id: str) -> int:
        jql = f'labels = "{system}-{source_id.lower()}"'
        found = _ok(self.p.jira_alice.post("/search", json={"jql": jql, "fields": []}), 200)
        return int(found["total"])

    # -- reading and acting on both sides ------------------------------------------------------
    def report_attributes(self) -> JSON:
        report = _ok(self.p.hackerone_alice.get(f"/reports/{self.report}"), 200)
        attributes: JSON = report["data"]["attributes"]
        return attributes

    def comments(self, key: str) -> list[str]:
        found = _ok(self.p.jira_alice.get(f"/issue/{key}", params={"fields": "comment"}), 200)
        return [str(c["body"]) for c in found["fields"]["comment"]["comments"]]

    def issue_status(self, key: str, wanted: str) -> Seen:
        found = _ok(self.p.jira_alice.get(f"/issue/{key}", params={"fields": "status"}), 200)
        status = str(found["fields"]["status"]["name"])
        return Seen(status == wanted, f"{key} is {status}")

    def transition(self, key: str, to_status: str) -> None:
        """As in Jira's UI: pick the transition to the status; answer its resolution field."""
        path = f"/issue/{key}/transitions"
        offered = _ok(self.p.jira_alice.get(path, params={"expand": "transitions.fields"}), 200)[
            "transitions"
        ]
        step = next((t for t in offered if t["to"]["name"] == to_status), None)
        if step is None:
            names = ", ".join(t["to"]["name"] for t in offered) or "none"
            raise ActionFailed(f"{key} offers no transition to {to_status} (only: {names})")
        body: JSON = {"transition": {"id": step["id"]}}
        if "resolution" in (step.get("fields") or {}):
            body["fields"] = {"resolution": {"name": "Fixed"}}
        _ok(self.p.jira_alice.post(path, json=body), 204)


@contextmanager
def story(urls: SimUrls) -> Iterator[Story]:
    with ExitStack() as closing:
        yield Story(People(urls, closing))
