"""HackerOne ⇄ Jira workloads (issue 8), end to end over HTTP against the simulators.

H0 new: N reports submitted by a hacker (no escalation: the rule escalates on triage).
H1 escalate: a triager (a person's API token, not jirasync's) triages each → automatic
   escalation: issue created with the mapped fields, remote link, reference on the report.
H2 hacker comment: a public comment on each report → a Jira comment.
H3 Jira comment: a person comments on each issue → an internal comment on the report.
H4 replay: jirasync restarted, every H1 triage webhook re-POSTed as delivered (same
   X-H1-Delivery and signature).
H5 echo: the webhooks jirasync's own writes caused (Jira issue_created / comment / updated,
   HackerOne activities by jirasync's token): they must write nothing.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import yaml

from jirasync.bench.driver import Driver, Request, expect
from jirasync.bench.harness import BenchStack, bench_stack
from jirasync.bench.report import (
    Event,
    Target,
    Workload,
    duplicate_deliveries,
    kind,
    read_events,
    split,
    subtract,
)
from jirasync.devstack import Stack
from jirasync.sim.hackerone.default_seed import default_seed

PROGRAM = "acme"
PROJECT = "OPS"
H1_TOKEN = ("jirasync-sim", "h1-sim-token-0123456789abcdef")
H1_SECRET = "h1-sim-webhook-secret"  # noqa: S105 (the simulator's published test secret)
# A person on the program's team, with an API token of their own: their changes are not ours.
TRIAGER = ("bench-triager", "bench-triager-token")
# The token's identifier, and the user HackerOne shows as the actor of what the token does.
OWN_H1_USERS = frozenset({H1_TOKEN[0], "jirasync-api"})
OWN_JIRA_USERS = frozenset({"admin"})


def _seed(stack: Stack) -> None:
    seed = default_seed()
    acme = next(p for p in seed["programs"] if p["handle"] == PROGRAM)
    acme["api_tokens"].append(
        {"identifier": TRIAGER[0], "token": TRIAGER[1], "user": "alice-sec", "groups": ["Standard"]}
    )
    answer = httpx.put(
        f"{stack.hackerone_url}/_sim/seed",
        content=yaml.safe_dump(seed),
        headers={"Content-Type": "application/yaml"},
    )
    answer.raise_for_status()


def setup_document(stack: Stack) -> dict[str, Any]:
    with stack.jira("admin") as jira:
        types = jira.get(f"/rest/api/2/project/{PROJECT}", params={"expand": "issueTypes"})
    bug = next(t["id"] for t in types.json()["issueTypes"] if t["name"] == "Bug")
    escalation = {
        "name": "acme to OPS (bench)",
        "program": PROGRAM,
        "project_key": PROJECT,
        "issue_type_id": bug,
        "auto": {"on_states": ["triaged"]},
        "fields": {
            "summary": "[H1 #{{report_id}}] {{title}}",
            "description": "{{details_jira}}\n\nReported by {{reporter_username}}: {{report_link}}",
            "labels": ["security", "h1-{{severity_rating}}"],
        },
        "severity_to_priority": {
            "critical": "Highest",
            "high": "High",
            "medium": "Medium",
            "low": "Low",
        },
    }
    return {
        "connections": [
            {
                "name": "jira",
                "kind": "jira",
                "base_url": stack.jira_url,
                "credentials": {"auth": "basic", "username": "admin", "password": "admin"},
            },
            {
                "name": "hackerone",
                "kind": "hackerone",
                "base_url": stack.hackerone_url,
                "credentials": {
                    "identifier": H1_TOKEN[0],
                    "token": H1_TOKEN[1],
                    "webhook_secret": H1_SECRET,
                },
                "options": {"program": PROGRAM, "web_base": "https://hackerone.com"},
            },
        ],
        "rules": {
            "hackerone": [{"connection": "hackerone", "jira": "jira", "escalation": escalation}]
        },
    }


def driven(event: Event) -> bool:
    """A webhook of a change a person (not jirasync) made."""
    body = event.json()
    if event.source == "hackerone":
        activity = (body.get("data") or {}).get("activity") or {}
        actor = ((activity.get("relationships") or {}).get("actor") or {}).get("data") or {}
        name = (actor.get("attributes") or {}).get("username")
        return name not in OWN_H1_USERS
    if event.source == "jira":
        user = body.get("user") or (body.get("comment") or {}).get("author") or {}
        return user.get("name") not in OWN_JIRA_USERS
    return False


def issues_by_report(stack: Stack) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    start = 0
    with stack.jira("admin") as jira:
        while True:
            page = jira.post(
                "/rest/api/2/search",
                json={
                    "jql": f"project = {PROJECT} ORDER BY id",
                    "fields": ["labels"],
                    "startAt": start,
                    "maxResults": 100,
                },
            ).json()
            for issue in page["issues"]:
                for label in issue["fields"].get("labels") or []:
                    if label.startswith("hackerone-"):
                        found.setdefault(label.removeprefix("hackerone-"), []).append(issue["key"])
            start += len(page["issues"])
            if not page["issues"] or start >= page["total"]:
                return found


class HackerOneBench:
    def __init__(self, bench: BenchStack, concurrency: int = 16, rate: float | None = None) -> None:
        self.bench = bench
        self.rate = rate
        self.stack = bench.stack
        self.concurrency = concurrency
        self.reports: list[str] = []
        self.issues: dict[str, str] = {}
        self.echo: list[Event] = []

    def _run(
        self,
        name: str,
        description: str,
        base_url: str,
        requests: list[Request],
        statuses: tuple[int, ...],
        settle_s: float,
        **client: Any,
    ) -> tuple[Workload, list[httpx.Response]]:
        stack = self.stack
        after = self.bench.last_event_id()
        stack.reset_counts()
        cpu = self.bench.cpu()
        started = time.perf_counter()
        driver = Driver(self.concurrency, rate=self.rate)
        answers = driver.run(base_url, requests, **client)
        expect(answers, *statuses)
        stack.settle(timeout=settle_s)
        wall = time.perf_counter() - started
        cpu_used = self.bench.cpu_since(cpu)
        on_jira = driver.sent if base_url == stack.jira_url else Counter()
        on_h1 = driver.sent if base_url.startswith(stack.hackerone_url) else Counter()
        sim = {
            "jira": subtract(stack.requests(stack.jira_url), on_jira),
            "hackerone": subtract(stack.requests(stack.hackerone_url), on_h1),
        }
        events = read_events(stack.settings, after)
        mine, echo = split(events, driven)
        self.echo += echo
        w = Workload(name, description, mine, echo, sim_calls=sim, items=len(requests))
        w.extra.update(
            {
                "driver_seconds": round(driver.seconds, 3),
                "wall_seconds": round(wall, 3),
                "cpu_seconds": cpu_used,
            }
        )
        w.targets.append(Target("echo writes = 0", 0, sum(len(e.writes) for e in echo)))
        return w, answers

    def h0_new(self, n: int) -> Workload:
        requests = [
            Request(
                "POST",
                f"/_sim/programs/{PROGRAM}/reports",
                "control",
                json={
                    "reporter": "demo-hacker",
                    "title": f"bench report {i}",
                    "vulnerability_information": f"Steps for **finding {i}**.",
                    "severity_rating": ("low", "medium", "high", "critical")[i % 4],
                    "weakness_id": 60,
                    "structured_scope_id": 57,
                },
            )
            for i in range(n)
        ]
        w, answers = self._run(
            "H0 new report",
            f"{n} reports submitted (not escalated: the rule escalates on triage)",
            self.stack.hackerone_url,
            requests,
            (201,),
            60 + n * 0.5,
        )
        self.reports = [str(a.json()["data"]["id"]) for a in answers]
        w.targets.append(Target("calls per new report = 0", 0, _total(w.per_item(warm=True))))
        return w

    def h1_escalate(self) -> Workload:
        requests = [
            Request(
                "POST",
                f"/reports/{report}/state_changes",
                "POST /v1/reports/{report_id}/state_changes",
                json={
                    "data": {
                        "type": "state-change",
                        "attributes": {"state": "triaged", "message": "Confirmed."},
                    }
                },
            )
            for report in self.reports
        ]
        w, _ = self._run(
            "H1 escalate",
            f"{len(requests)} reports triaged → issues (automatic escalation)",
            f"{self.stack.hackerone_url}/v1",
            requests,
            (201,),
            60 + len(requests) * 0.5,
            auth=TRIAGER,
        )
        found = issues_by_report(self.stack)
        self.issues = {r: keys[0] for r, keys in found.items() if r in set(self.reports)}
        w.duplicates = sum(max(0, len(found.get(r, [])) - 1) for r in self.reports)
        w.lost = sum(1 for r in self.reports if not found.get(r))
        per = w.per_item(warm=True)
        w.targets += [
            Target("Jira calls per escalation ≤ 2", 2, per.get("jira", 0.0)),
            Target("HackerOne calls per escalation ≤ 1", 1, per.get("hackerone", 0.0)),
        ]
        return w

    def h2_hacker_comment(self) -> Workload:
        chosen = [r for r in self.reports if r in self.issues]
        requests = [
            Request(
                "POST",
                f"/_sim/reports/{report}/comments",
                "control",
                json={"message": f"Any news on {report}?"},
            )
            for report in chosen
        ]
        w, _ = self._run(
            "H2 hacker comment",
            f"{len(chosen)} hacker comments → Jira comments",
            self.stack.hackerone_url,
            requests,
            (200, 201),
            60 + len(chosen) * 0.5,
        )
        w.targets.append(Target("calls per comment = 1", 1, _total(w.per_item(warm=True))))
        return w

    def h3_jira_comment(self) -> Workload:
        keys = [self.issues[r] for r in self.reports if r in self.issues]
        requests = [
            Request(
                "POST",
                f"/rest/api/2/issue/{key}/comment",
                "POST /rest/api/2/issue/{issueIdOrKey}/comment",
                json={"body": f"Fix for {key} is in review."},
            )
            for key in keys
        ]
        w, _ = self._run(
            "H3 Jira comment",
            f"{len(keys)} Jira comments by a person → internal comments on the reports",
            self.stack.jira_url,
            requests,
            (201,),
            60 + len(keys) * 0.5,
            auth=("alice", "alice"),
        )
        w.targets.append(Target("calls per comment = 1", 1, _total(w.per_item(warm=True))))
        return w

    def h4_replay(self) -> Workload:
        stack = self.stack
        log = httpx.get(
            f"{stack.hackerone_url}/_sim/webhooks", params={"event": "report_triaged"}, timeout=60
        ).json()["deliveries"]
        deliveries = [d for d in log if d["state"] == "delivered"]
        started = time.perf_counter()
        self.bench.restart()
        restart_s = time.perf_counter() - started
        after = self.bench.last_event_id()
        dropped_before = duplicate_deliveries(stack.settings)
        stack.reset_counts()
        base = stack.jirasync_url
        requests = [
            Request(
                "POST",
                d["url"].removeprefix(base),
                "POST /webhooks/hackerone/{id}",
                content=d["body"].encode(),
                headers={k: v for k, v in d["headers"].items() if k.lower() != "content-length"},
            )
            for d in deliveries
        ]
        driver = Driver(self.concurrency)
        answers = driver.run(base, requests)
        codes = Counter(a.status_code for a in answers)
        stack.settle(timeout=120)
        events = read_events(stack.settings, after)
        mine, echo = split(events, driven)
        sim = {
            "jira": subtract(stack.requests(stack.jira_url), Counter()),
            "hackerone": subtract(stack.requests(stack.hackerone_url), Counter()),
        }
        w = Workload(
            "H4 replay",
            f"jirasync restarted, {len(requests)} triage webhooks re-POSTed as delivered",
            mine,
            echo,
            sim_calls=sim,
            items=len(requests),
        )
        dropped = duplicate_deliveries(stack.settings) - dropped_before
        writes = sum(len(e.writes) for e in events)
        sim_writes = sum(v for s in sim.values() for k, v in s.items() if not k.startswith("GET"))
        w.extra.update(
            {
                "replayed": len(requests),
                "answers": dict(codes),
                "new_inbox_events": len(events),
                "dropped_as_redelivered": dropped,
                "restart_seconds": round(restart_s, 3),
                "replay_seconds": round(driver.seconds, 3),
            }
        )
        found = issues_by_report(stack)
        w.duplicates = sum(max(0, len(found.get(r, [])) - 1) for r in self.reports)
        w.targets += [
            Target("writes (jirasync log) = 0", 0, writes),
            Target("writes seen by the simulators = 0", 0, sim_writes),
        ]
        w.notes.append(
            f"{dropped} of {len(requests)} replayed webhooks dropped at intake by delivery id "
            f"(answers {dict(codes)}), {len(events)} new inbox events"
        )
        return w

    def h4b_replay_new_ids(self) -> Workload:
        """The triage webhooks again under new X-H1-Delivery ids (the signature covers only the
        body): past intake's duplicate check, so the worker and planner must write nothing."""
        stack = self.stack
        log = httpx.get(
            f"{stack.hackerone_url}/_sim/webhooks", params={"event": "report_triaged"}, timeout=60
        ).json()["deliveries"]
        base = stack.jirasync_url
        requests = []
        for d in log:
            if d["state"] != "delivered":
                continue
            headers = {k: v for k, v in d["headers"].items() if k.lower() != "content-length"}
            for name in [k for k in headers if k.lower() == "x-h1-delivery"]:
                headers[name] = f"{headers[name]}-again"
            requests.append(
                Request(
                    "POST",
                    d["url"].removeprefix(base),
                    "POST /webhooks/hackerone/{id}",
                    content=d["body"].encode(),
                    headers=headers,
                )
            )
        after = self.bench.last_event_id()
        stack.reset_counts()
        cpu = self.bench.cpu()
        started = time.perf_counter()
        answers = Driver(self.concurrency).run(base, requests)
        expect(answers, 202)
        stack.settle(timeout=120)
        wall = time.perf_counter() - started
        events = read_events(stack.settings, after)
        mine, echo = split(events, driven)
        sim = {
            "jira": subtract(stack.requests(stack.jira_url), Counter()),
            "hackerone": subtract(stack.requests(stack.hackerone_url), Counter()),
        }
        w = Workload(
            "H4b replay, new ids",
            f"{len(requests)} triage webhooks under new delivery ids after the restart",
            mine,
            echo,
            sim_calls=sim,
            items=len(requests),
        )
        w.extra.update(
            {
                "wall_seconds": round(wall, 3),
                "cpu_seconds": self.bench.cpu_since(cpu),
                "reasons": dict(Counter(e.reason or "" for e in mine).most_common(3)),
            }
        )
        found = issues_by_report(stack)
        w.duplicates = sum(max(0, len(found.get(r, [])) - 1) for r in self.reports)
        w.targets += [
            Target("writes = 0", 0, sum(len(e.writes) for e in events)),
            Target("warm calls per event = 0", 0, _total(w.per_item(warm=True))),
        ]
        return w

    def h5_echo(self) -> Workload:
        kinds = Counter(kind(e) for e in self.echo)
        w = Workload(
            "H5 echo",
            "webhooks caused by jirasync's own writes in H0-H3, arriving by themselves",
            self.echo,
            [],
        )
        w.extra["echo_kinds"] = dict(sorted(kinds.items()))
        w.targets.append(Target("writes = 0", 0, sum(len(e.writes) for e in self.echo)))
        w.notes.append(
            "echo events by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        )
        return w


def _total(values: dict[str, float]) -> float:
    return round(sum(values.values()), 3)


def run(n: int, concurrency: int = 16, rate: float | None = None) -> list[Workload]:
    with tempfile.TemporaryDirectory() as tmp, bench_stack(Path(tmp)) as bench:
        stack = bench.stack
        _seed(stack)
        stack.apply(setup_document(stack))
        stack.check(fix=True)
        url = f"{stack.jirasync_url}/webhooks/hackerone/{stack.connections['hackerone']}"
        httpx.put(
            f"{stack.hackerone_url}/_sim/programs/{PROGRAM}/webhooks",
            json={"webhooks": [{"url": url, "secret": H1_SECRET, "events": "all"}]},
        ).raise_for_status()
        h1 = HackerOneBench(bench, concurrency, rate)
        workloads = [h1.h0_new(n), h1.h1_escalate(), h1.h2_hacker_comment(), h1.h3_jira_comment()]
        echo = h1.h5_echo()
        return [*workloads, h1.h4_replay(), h1.h4b_replay_new_ids(), echo]
