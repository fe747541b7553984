"""The soak run: a mixed PagerDuty ⇄ Jira workload under a randomised fault schedule, then a
comparison of the simulators' final state with the one the workload should have produced.

Everything random comes from one seed (printed; JIRASYNC_SOAK_SEED=N replays the schedule and
the workload; thread timing and the simulators' fault dice still vary). The workload runs for
JIRASYNC_SOAK_SECONDS (default: a short CI form).

Faults, all on the simulators' `/_sim/faults` API (and one kind by hand):
- `429`: Too Many Requests with Retry-After; `5xx`: 500/502/503/504;
- `latency`: slow answers below the client timeout; `timeout`: answers slower than jirasync's
  client timeout on writes (the simulator reads the body after the delay, so a call that
  timed out was not applied: a create whose answer was lost is what `sigkill` and
  test_lost_answers.py cover);
- `drop_webhook`: the simulator never sends the webhook (the reconciler must recover it);
- `duplicate`: a delivered webhook is posted again, byte for byte;
- `sigkill` (with worker processes): a worker is killed with SIGKILL and replaced.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
from tests.e2e.test_invariants import (
    add_note,
    call,
    comments,
    issues_of,
    linked_key,
    notes,
    redeliver,
    remote_links,
    rows,
    set_status,
    trigger,
)

from jirasync.config import ReconcilerSettings
from jirasync.crypto import SecretBox
from jirasync.devstack import Stack, wait_for
from jirasync.engine.inbox import Inbox
from jirasync.store.db import Database
from jirasync.sync.reconciler import Reconciler, Summary
from jirasync.sync.runtime import SyncRuntime

SOAK_SECONDS = float(os.environ.get("JIRASYNC_SOAK_SECONDS") or 12)
TRANSITIONS = {"To Do": "11", "In Progress": "21", "Done": "31"}  # SUP, simplified workflow
MIN_STORIES = 8
STEP_TIMEOUT = 90.0  # a step's effect may wait for a reconciler pass after a dropped webhook


def soak_seed() -> int:
    given = os.environ.get("JIRASYNC_SOAK_SEED")
    return int(given) if given else random.SystemRandom().randrange(1, 10**9)


# -- the workload ----------------------------------------------------------------------------
@dataclass
class Expected:
    """What one incident's story must leave behind on both sides."""

    n: int
    incident_id: str
    key: str
    notes: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    incident_status: str = "triggered"
    issue_status: str = "To Do"
    story: list[str] = field(default_factory=list)


def jira_status(stack: Stack, incident_id: str) -> str | None:
    found = issues_of(stack, incident_id)
    return str(found[0]["fields"]["status"]["name"]) if found else None


def transition(stack: Stack, key: str, status: str) -> None:
    with stack.jira("alice") as jira:
        body = {"transition": {"id": TRANSITIONS[status]}}
        moved = call(jira, "POST", f"/rest/api/2/issue/{key}/transitions", json=body)
    assert moved.status_code == 204, moved.text


def comment(stack: Stack, key: str, text: str) -> None:
    with stack.jira("alice") as jira:
        posted = call(jira, "POST", f"/rest/api/2/issue/{key}/comment", json={"body": text})
    assert posted.status_code == 201, posted.text


def incident_story(stack: Stack, seed: int, n: int) -> Expected:
    """Trigger an incident; then notes, Jira comments and an acknowledgement in random order;
    then resolve it in PagerDuty, finish its issue in Jira, or leave it open. A person waits
    for the issue (a comment needs its key) and for the acknowledgement to show in Jira before
    moving on, so the expected end state does not depend on thread timing."""
    rng = random.Random(f"{seed}/{n}")
    incident_id = trigger(stack, f"Soak {seed} incident {n}")
    key = wait_for(
        lambda: linked_key(stack, incident_id), timeout=STEP_TIMEOUT, what=f"issue of #{n}"
    )
    expected = Expected(n, incident_id, key)
    steps: list[tuple[str, str]] = [("note", f"Note {n}.{i}") for i in range(rng.randint(0, 2))]
    steps += [("comment", f"Comment {n}.{i}") for i in range(rng.randint(0, 2))]
    if rng.random() < 0.7:
        steps.append(("acknowledge", ""))
    rng.shuffle(steps)
    steps.append((rng.choice(["resolve", "done in jira", "leave open"]), ""))
    for what, text in steps:
        expected.story.append(f"{what} {text}".strip())
        if what == "note":
            add_note(stack, incident_id, text)
            expected.comments.append(f"PagerDuty [Alice Admin]: {text}")
            expected.notes.append(text)
        elif what == "comment":
            comment(stack, key, text)
            expected.comments.append(text)
            expected.notes.append(f"[Jira] [Alice Example]: {text}")
        elif what == "acknowledge":
            set_status(stack, incident_id, "acknowledged")
            wait_for(
                lambda: jira_status(stack, incident_id) == "In Progress",
                timeout=STEP_TIMEOUT,
                what=f"#{n} In Progress",
            )
            expected.incident_status, expected.issue_status = "acknowledged", "In Progress"
        elif what == "resolve":
            set_status(stack, incident_id, "resolved")
            expected.incident_status, expected.issue_status = "resolved", "Done"
        elif what == "done in jira":
            transition(stack, key, "Done")
            expected.incident_status, expected.issue_status = "resolved", "Done"
    expected.notes.append(f"Jira issue {key}: {stack.jira_url}/browse/{key}")
    return expected


# -- the fault schedule ----------------------------------------------------------------------
@dataclass
class Figures:
    faults: Counter[str] = field(default_factory=Counter)
    kills: int = 0

    def add(self, kind: str, fired: int = 1) -> None:
        if fired:
            self.faults[kind] += fired


def fault_kind(rule: dict[str, Any]) -> str:
    if rule["kind"] == "latency":
        return "timeout" if rule["latency_ms"] >= 1000 * TIMEOUT_S else "latency"
    if rule["kind"] == "drop_webhook":
        return "drop_webhook"
    return "429" if rule["status"] == 429 else "5xx"


TIMEOUT_S = 2.0  # jirasync's remote-call timeout in the in-process soak (see test_soak.py)


def phase_rules(rng: random.Random, timeouts: bool) -> list[dict[str, Any]]:
    """The faults of one phase on one simulator: each kind on or off, at a random rate."""
    rules: list[dict[str, Any]] = []
    if rng.random() < 0.5:
        after = str(rng.choice([0, 1]))
        rules.append(
            {
                "status": 429,
                "headers": {"Retry-After": after},
                "probability": rng.uniform(0.05, 0.2),
            }
        )
    if rng.random() < 0.5:
        status = rng.choice([500, 502, 503, 504])
        rules.append({"status": status, "probability": rng.uniform(0.05, 0.2)})
    if rng.random() < 0.3:
        latency = rng.randint(50, 600)
        rules.append({"kind": "latency", "latency_ms": latency, "probability": 0.2})
    if timeouts and rng.random() < 0.25:
        # Writes only: a person's read would just be slow; a write tests the lost answer.
        method = rng.choice(["POST", "PUT"])
        too_slow = int(TIMEOUT_S * 1000) + 700
        rules.append(
            {
                "kind": "latency",
                "method": method,
                "latency_ms": too_slow,
                "count": 2,
                "probability": 0.3,
            }
        )
    if rng.random() < 0.35:
        rules.append({"kind": "drop_webhook", "probability": rng.uniform(0.05, 0.3)})
    return rules


def collect_fired(url: str, figures: Figures) -> None:
    for rule in httpx.get(f"{url}/_sim/faults").json()["faults"]:
        figures.add(fault_kind(rule), rule["fired"])
    httpx.delete(f"{url}/_sim/faults")


def fault_schedule(
    stack: Stack, rng: random.Random, stop: threading.Event, figures: Figures, timeouts: bool
) -> None:
    """Phases of 0.5–3 s, each with its own random faults on Jira and on PagerDuty."""
    sims = (stack.jira_url, stack.pagerduty_url)
    while not stop.is_set():
        for url in sims:
            rules = phase_rules(rng, timeouts)
            if rules:
                assert httpx.post(f"{url}/_sim/faults", json=rules).status_code == 201
        stop.wait(rng.uniform(0.5, 3.0))
        for url in sims:
            collect_fired(url, figures)


def duplicate_deliveries(
    stack: Stack, rng: random.Random, stop: threading.Event, figures: Figures
) -> None:
    """Now and then, post a few delivered webhooks again (PagerDuty is at-least-once; a proxy
    may repeat a Jira webhook)."""
    while not stop.wait(rng.uniform(0.3, 1.5)):
        url = rng.choice([stack.jira_url, stack.pagerduty_url])
        log = httpx.get(f"{url}/_sim/webhooks", params={"state": "delivered"}).json()
        delivered = log["deliveries"]
        for delivery in rng.sample(delivered, min(len(delivered), rng.randint(1, 3))):
            answer = redeliver(delivery)
            assert answer.status_code == 202, answer.text
            figures.add("duplicate")


# -- one run ---------------------------------------------------------------------------------
def reconcile_everything(stack: Stack, overlap_s: float) -> Summary:
    """An operator's catch-all pass over a window as long as the whole run."""

    async def run(db: Database, secrets: SecretBox) -> Summary:
        runtime = SyncRuntime(db, secrets)
        try:
            settings = ReconcilerSettings(interval_seconds=1, overlap_seconds=overlap_s)
            return await Reconciler(runtime, Inbox(db), settings).reconcile_once()
        finally:
            await runtime.close()

    summary: Summary = asyncio.run(stack._store(run))
    return summary


@dataclass
class Run:
    seed: int
    expected: list[Expected]
    figures: Figures
    started: float


def soak(
    stack: Stack,
    seed: int,
    *,
    timeouts: bool,
    chaos: Callable[[random.Random, threading.Event, Figures], None] | None = None,
    seconds: float = SOAK_SECONDS,
) -> Run:
    """Incident stories on 4 threads for `seconds` (at least 8 stories) under the faults,
    then faults off, a catch-all reconciler pass, and the queue settled."""
    rng = random.Random(seed)
    figures = Figures()
    stop = threading.Event()
    started = time.monotonic()
    background = [
        threading.Thread(
            target=fault_schedule,
            args=(stack, random.Random(rng.random()), stop, figures, timeouts),
        ),
        threading.Thread(
            target=duplicate_deliveries, args=(stack, random.Random(rng.random()), stop, figures)
        ),
    ]
    if chaos is not None:
        background.append(
            threading.Thread(target=chaos, args=(random.Random(rng.random()), stop, figures))
        )
    for thread in background:
        thread.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            futures: list[Future[Expected]] = []
            while len(futures) < MIN_STORIES or time.monotonic() - started < seconds:
                if sum(not f.done() for f in futures) >= 6:
                    time.sleep(0.1)
                    continue
                futures.append(pool.submit(incident_story, stack, seed, len(futures)))
                time.sleep(rng.uniform(0.1, 0.6))
            expected = [f.result() for f in futures]
    finally:
        stop.set()
        for thread in background:
            thread.join()
        for url in (stack.jira_url, stack.pagerduty_url):
            collect_fired(url, figures)
    stack.settle(timeout=120)
    summary = reconcile_everything(stack, overlap_s=time.monotonic() - started + 120)
    figures.add("reconciled in the final pass", sum(summary.stored.values()))
    stack.settle(timeout=120)
    return Run(seed, expected, figures, started)


# -- the comparison --------------------------------------------------------------------------
def incident_status(stack: Stack, incident_id: str) -> str:
    with stack.pagerduty() as pd:
        return str(call(pd, "GET", f"/incidents/{incident_id}").json()["incident"]["status"])


def differences(stack: Stack, run: Run) -> list[str]:
    """Every way the simulators' state differs from the expected one (empty: all in sync)."""
    found: list[str] = []
    for want in run.expected:
        where = f"#{want.n} {want.incident_id}/{want.key} ({'; '.join(want.story)})"
        issues = issues_of(stack, want.incident_id)
        if len(issues) != 1:
            found.append(f"{where}: {len(issues)} issues {[i['key'] for i in issues]}")
            continue
        issue = issues[0]
        if sorted(comments(issue)) != sorted(want.comments):
            found.append(f"{where}: issue comments {comments(issue)} != {want.comments}")
        if sorted(notes(stack, want.incident_id)) != sorted(want.notes):
            found.append(f"{where}: notes {notes(stack, want.incident_id)} != {want.notes}")
        status = issue["fields"]["status"]["name"]
        if status != want.issue_status:
            found.append(f"{where}: issue {status}, expected {want.issue_status}")
        pd_status = incident_status(stack, want.incident_id)
        if pd_status != want.incident_status:
            found.append(f"{where}: incident {pd_status}, expected {want.incident_status}")
        if len(remote_links(stack, issue["key"])) != 1:
            found.append(f"{where}: remote links {remote_links(stack, issue['key'])}")
    with stack.jira("admin") as jira:
        search = {"jql": "project = SUP", "maxResults": 0}
        total = call(jira, "POST", "/rest/api/2/search", json=search).json()["total"]
    if total != len(run.expected) + 2:  # and the seed's two
        found.append(f"project SUP has {total} issues for {len(run.expected)} incidents (+2 seed)")
    stuck = [e for e in stack.events() if e["status"] not in ("done", "ignored")]
    found += [f"event {e['id']} {e['status']}: {e['reason']}" for e in stuck]
    return found


def event_figures(stack: Stack) -> dict[str, Any]:
    events = rows(stack, "SELECT source, status, attempts, duplicates, headers FROM inbox_events")
    reconciled = 0
    for event in events:
        headers = event["headers"]
        headers = json.loads(headers) if isinstance(headers, str) else headers
        reconciled += "x-jirasync-reconciled" in (headers or {})
    return {
        "events": {
            source: dict(Counter(e["status"] for e in events if e["source"] == source))
            for source in sorted({e["source"] for e in events})
        },
        # Redelivered webhooks, and changes a reconciler pass found again (most of them).
        "duplicates dropped": sum(e["duplicates"] for e in events),
        "retries": sum(max(e["attempts"] - 1, 0) for e in events),
        "dead letters": sum(e["status"] == "dead" for e in events),
        "stored by the reconciler": reconciled,
    }


def report(stack: Stack, run: Run, problems: list[str]) -> str:
    figures = {
        "seed": run.seed,
        "seconds": round(time.monotonic() - run.started, 1),
        "incidents": len(run.expected),
        "faults injected": dict(run.figures.faults),
        **({"workers killed": run.figures.kills} if run.figures.kills else {}),
        **event_figures(stack),
        "differences": len(problems),
    }
    lines = [f"soak (replay with JIRASYNC_SOAK_SEED={run.seed}):"]
    lines += [f"  {name}: {value}" for name, value in figures.items()]
    lines += [f"  ! {problem}" for problem in problems]
    return "\n".join(lines)
