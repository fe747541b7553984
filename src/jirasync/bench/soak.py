"""Soak: a mixed PagerDuty ⇄ Jira workload for minutes, with 1% of the simulators' answers a 429
(with Retry-After) and 1% a 5xx, then the end state compared with the one the workload must
leave: every issue, comment, note and status once, nothing lost, nothing twice.

People (threads) each play incident stories one after another until the time is up: trigger
an incident, wait for its issue, then in random order notes on the incident, comments on the
issue and an acknowledgement (waited for in Jira), and finally resolve it in PagerDuty, finish
the issue in Jira or leave it open. Their own requests meet the faults too, and they retry
what was refused (a refused request changed nothing). The seed makes the stories repeatable;
the fault dice and thread timing vary.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from jirasync.bench import pagerduty
from jirasync.bench.harness import BenchStack, bench_stack
from jirasync.bench.report import Event, Workload, read_events, split
from jirasync.config import RetrySettings
from jirasync.devstack import Stack, wait_for
from jirasync.store.models import Link

SUP_TRANSITIONS = {"In Progress": "21", "Done": "31"}  # the simulator's simplified workflow
SUP_DONE = "10001"
FAULT_RATE = 0.01
STEP_TIMEOUT = 120.0
# Long enough that no event runs out of attempts in a 1% + 1% storm; short backoff.
PATIENT = RetrySettings(max_attempts=12, backoff_base_seconds=0.05, backoff_max_seconds=1.0)


def faults(rate: float = FAULT_RATE) -> list[dict[str, Any]]:
    """`rate` 429 with Retry-After, `rate` 5xx (half 500, half 503), on every route."""
    half = rate / 2
    return [
        {"status": 429, "headers": {"Retry-After": "1"}, "probability": rate},
        {"status": 500, "probability": half},
        {"status": 503, "probability": half},
    ]


def setup_document(stack: Stack) -> dict[str, Any]:
    """The PagerDuty suite's rule, and a resolved incident finishes its issue."""
    document = pagerduty.setup_document(stack)
    config = document["rules"]["pagerduty"][0]["rule"]["config"]
    config["react_on_incident_event_config"].append(
        {
            "condition": {"pd_events": ["incident.resolve"]},
            "actions": [{"key": "jira_change_status"}],
            "actions_params": {"jira_change_status": {"id": SUP_DONE, "label": "Done"}},
        }
    )
    return document


# -- people ----------------------------------------------------------------------------------
def call(client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
    """A person's request, sent again while a fault refuses it."""
    for _ in range(100):
        answer = client.request(method, url, **kw)
        if answer.status_code != 429 and answer.status_code < 500:
            return answer
        time.sleep(0.05)
    raise RuntimeError(f"{method} {url} kept failing: {answer.status_code}")


@dataclass
class Story:
    """What one incident's story must leave behind on both sides."""

    n: int
    incident_id: str = ""
    key: str = ""
    notes: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    incident_status: str = "triggered"
    issue_status: str = "To Do"
    actions: int = 0


class People:
    def __init__(self, stack: Stack, seed: int) -> None:
        self.stack = stack
        self.seed = seed
        self.pd = stack.pagerduty()
        self.jira = stack.jira("alice")
        self.admin = stack.jira("admin")
        # SQLite, read without an event loop from the people's threads
        self.store = create_engine(make_url(stack.settings.database).set(drivername="sqlite"))

    def close(self) -> None:
        for client in (self.pd, self.jira, self.admin):
            client.close()
        self.store.dispose()

    def play(self, n: int) -> Story:
        rng = random.Random(f"{self.seed}/{n}")  # noqa: S311 - a story, not a secret
        story = Story(n)
        story.incident_id = self.trigger(f"Soak incident {n}")
        story.key = wait_for(
            lambda: self.linked_key(story.incident_id), STEP_TIMEOUT, f"the issue of #{n}"
        )
        steps = [("note", f"Note {n}.{i}") for i in range(rng.randint(0, 2))]
        steps += [("comment", f"Comment {n}.{i}") for i in range(rng.randint(0, 2))]
        steps += [("acknowledge", "")] if rng.random() < 0.7 else []
        rng.shuffle(steps)
        steps.append((rng.choice(["resolve", "done in jira", "leave open"]), ""))
        for what, text in steps:
            self.act(story, what, text)
        story.notes.append(f"Jira issue {story.key}: {self.stack.jira_url}/browse/{story.key}")
        return story

    def act(self, story: Story, what: str, text: str) -> None:
        story.actions += what != "leave open"
        if what == "note":
            body = {"note": {"content": text}}
            call(self.pd, "POST", f"/incidents/{story.incident_id}/notes", json=body)
            story.comments.append(f"PagerDuty [Alice Admin]: {text}")
            story.notes.append(text)
        elif what == "comment":
            call(self.jira, "POST", f"/rest/api/2/issue/{story.key}/comment", json={"body": text})
            story.comments.append(text)
            story.notes.append(f"[Jira] [Alice Example]: {text}")
        elif what == "acknowledge":
            self.set_status(story.incident_id, "acknowledged")
            wait_for(
                lambda: self.issue_status(story.key) == "In Progress",
                STEP_TIMEOUT,
                f"#{story.n} In Progress",
            )
            story.incident_status, story.issue_status = "acknowledged", "In Progress"
        elif what == "resolve":
            self.set_status(story.incident_id, "resolved")
            story.incident_status, story.issue_status = "resolved", "Done"
        elif what == "done in jira":
            body = {"transition": {"id": SUP_TRANSITIONS["Done"]}}
            call(self.jira, "POST", f"/rest/api/2/issue/{story.key}/transitions", json=body)
            story.incident_status, story.issue_status = "resolved", "Done"

    def trigger(self, title: str) -> str:
        service = {"id": pagerduty.SERVICE, "type": "service_reference"}
        body = {"incident": {"type": "incident", "title": title, "service": service}}
        return str(call(self.pd, "POST", "/incidents", json=body).json()["incident"]["id"])

    def set_status(self, incident_id: str, status: str) -> None:
        body = {"incident": {"type": "incident_reference", "status": status}}
        call(self.pd, "PUT", f"/incidents/{incident_id}", json=body)

    def linked_key(self, incident_id: str) -> str | None:
        """The issue's key once jirasync has recorded the link. Not as soon as the issue shows
        in Jira: a comment made before the link is stored is not synced (the issue's webhook
        finds no incident), a window the workload must not measure by chance."""
        time.sleep(0.1)  # people do not poll in a tight loop
        query = select(Link.issue_key).where(Link.source_id == incident_id)
        with self.store.connect() as conn:
            key = conn.execute(query).scalar_one_or_none()
        return str(key) if key else None

    def issue_status(self, key: str) -> str:
        time.sleep(0.1)
        issue = call(self.admin, "GET", f"/rest/api/2/issue/{key}", params={"fields": "status"})
        return str(issue.json()["fields"]["status"]["name"])


# -- the comparison --------------------------------------------------------------------------
@dataclass
class Outcome:
    lost: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def lose(self, what: str, count: int, example: str) -> None:
        if count > 0:
            self.lost[what] += count
            self.examples.append(f"lost: {example}")

    def double(self, what: str, count: int, example: str) -> None:
        if count > 0:
            self.duplicates[what] += count
            self.examples.append(f"duplicate: {example}")


def _missing_and_extra(found: list[str], wanted: list[str]) -> tuple[int, int]:
    have, want = Counter(found), Counter(wanted)
    return sum((want - have).values()), sum((have - want).values())


def issues_by_incident(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    """Project SUP's issues (status, comments) by the incident their label names."""
    found: dict[str, list[dict[str, Any]]] = {}
    start = 0
    with stack.jira("admin") as jira:
        while True:
            query = {"jql": "project = SUP ORDER BY id", "startAt": start, "maxResults": 100}
            query["fields"] = ["labels", "status", "comment"]
            page = jira.post("/rest/api/2/search", json=query, timeout=60).json()
            for issue in page["issues"]:
                for label in issue["fields"].get("labels") or []:
                    if label.startswith("pagerduty-"):
                        found.setdefault(label.removeprefix("pagerduty-").upper(), []).append(issue)
            start += len(page["issues"])
            if not page["issues"] or start >= page["total"]:
                return found


def compare(stack: Stack, stories: list[Story]) -> Outcome:
    out = Outcome()
    issues = issues_by_incident(stack)
    with stack.pagerduty() as pd, stack.jira("admin") as jira:
        for story in stories:
            where = f"#{story.n} {story.incident_id}/{story.key}"
            mine = issues.get(story.incident_id.upper(), [])
            out.lose("issue", 1 - len(mine), f"{where}: no issue")
            out.double("issue", len(mine) - 1, f"{where}: {len(mine)} issues")
            if not mine:
                continue
            fields = mine[0]["fields"]
            comments = [str(c["body"]) for c in fields["comment"]["comments"]]
            missing, extra = _missing_and_extra(comments, story.comments)
            out.lose("comment", missing, f"{where}: comments {comments} ≠ {story.comments}")
            out.double("comment", extra, f"{where}: comments {comments} ≠ {story.comments}")
            found = pd.get(f"/incidents/{story.incident_id}/notes").json()["notes"]
            notes = [str(note["content"]) for note in found]
            missing, extra = _missing_and_extra(notes, story.notes)
            out.lose("note", missing, f"{where}: notes {notes} ≠ {story.notes}")
            out.double("note", extra, f"{where}: notes {notes} ≠ {story.notes}")
            status = fields["status"]["name"]
            out.lose("issue status", status != story.issue_status, f"{where}: issue {status}")
            incident = pd.get(f"/incidents/{story.incident_id}").json()["incident"]["status"]
            out.lose("incident status", incident != story.incident_status, f"{where}: {incident}")
            links = jira.get(f"/rest/api/2/issue/{story.key}/remotelink").json()
            out.lose("remote link", 1 - len(links), f"{where}: no remote link")
            out.double("remote link", len(links) - 1, f"{where}: {len(links)} remote links")
    return out


# -- the run ---------------------------------------------------------------------------------
def driven(event: Event) -> bool:
    """A webhook of a person's change (PagerDuty by anyone but jirasync's user; Jira by alice)."""
    if event.source == "jira":
        return (event.json().get("user") or {}).get("name") == "alice"
    return pagerduty.driven(event)


def set_faults(stack: Stack, rules: list[dict[str, Any]]) -> None:
    for url in (stack.jira_url, stack.pagerduty_url):
        httpx.delete(f"{url}/_sim/faults")
        if rules:
            httpx.post(f"{url}/_sim/faults", json=rules).raise_for_status()


def fired(stack: Stack) -> dict[str, int]:
    """Faults that fired, by simulator and answer."""
    counts: Counter[str] = Counter()
    for name, url in (("jira", stack.jira_url), ("pagerduty", stack.pagerduty_url)):
        for rule in httpx.get(f"{url}/_sim/faults").json()["faults"]:
            counts[f"{name} {rule['status']}"] += rule["fired"]
    return dict(sorted(counts.items()))


def play(bench: BenchStack, seconds: float, people: int, seed: int) -> list[Story]:
    """Stories on `people` threads until `seconds` are over (each finishes its story)."""
    deadline = time.monotonic() + seconds
    crowd = People(bench.stack, seed)
    counter = iter(range(10**9))
    lock = threading.Lock()

    def person() -> list[Story]:
        done = []
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            done.append(crowd.play(n))
        return done

    try:
        with ThreadPoolExecutor(people) as pool:
            results = [pool.submit(person) for _ in range(people)]
            stories = [story for r in results for story in r.result()]
    finally:
        crowd.close()
    return sorted(stories, key=lambda s: s.n)


def run(
    seconds: float = 300.0,
    people: int = 6,
    seed: int | None = None,
    fault_rate: float = FAULT_RATE,
) -> Workload:
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 10**9)
    with (
        tempfile.TemporaryDirectory() as tmp,
        bench_stack(Path(tmp), retry=PATIENT) as bench,
    ):
        stack = bench.stack
        stack.apply(setup_document(stack))
        stack.check(fix=True)
        after = bench.last_event_id()
        stack.reset_counts()
        cpu = bench.cpu()
        started = time.perf_counter()
        set_faults(stack, faults(fault_rate))
        try:
            stories = play(bench, seconds, people, seed)
        finally:
            injected = fired(stack)
            set_faults(stack, [])
        stack.settle(timeout=300)
        wall = time.perf_counter() - started
        events = read_events(stack.settings, after)
        mine, echo = split(events, driven)
        outcome = compare(stack, stories)
        w = Workload(
            "soak",
            f"{len(stories)} incident stories by {people} people for {seconds:g} s, "
            f"{fault_rate:.0%} 429 + {fault_rate:.0%} 5xx on Jira and PagerDuty",
            mine,
            echo,
            duplicates=sum(outcome.duplicates.values()),
            lost=sum(outcome.lost.values()),
            items=sum(s.actions for s in stories),
        )
        w.extra.update(_figures(events, stories, injected, outcome, seed))
        w.extra.update({"wall_seconds": round(wall, 1), "cpu_seconds": bench.cpu_since(cpu)})
        w.notes += outcome.examples[:10]
        return w


def _figures(
    events: list[Event],
    stories: list[Story],
    injected: dict[str, int],
    outcome: Outcome,
    seed: int,
) -> dict[str, Any]:
    retried = [e for e in events if e.attempts > 1]
    return {
        "seed": seed,
        "stories": len(stories),
        "faults_injected": injected,
        "all_statuses": dict(sorted(Counter(e.status for e in events).items())),
        "dead_letters": sum(e.status == "dead" for e in events),
        "events_retried": len(retried),
        "retries": sum(e.attempts - 1 for e in retried),
        "remote_answers": dict(
            sorted(Counter(str(c.status) for e in events for c in e.calls).items())
        ),
        "duplicate_deliveries_dropped": sum(e.duplicates for e in events),
        "lost_by_kind": dict(outcome.lost),
        "duplicates_by_kind": dict(outcome.duplicates),
    }


def render(console: Console, w: Workload) -> None:
    x = w.extra
    console.print(
        f"soak (seed {x['seed']}): {x['stories']} stories, {w.item_count} actions; faults "
        f"injected {x['faults_injected']}; jirasync saw remote answers {x['remote_answers']}"
    )
    console.print(
        f"  end state: lost {w.lost} {x['lost_by_kind']}, duplicates {w.duplicates} "
        f"{x['duplicates_by_kind']}; dead letters {x['dead_letters']}; "
        f"{x['events_retried']} events retried ({x['retries']} retries); "
        f"all events {x['all_statuses']}"
    )
