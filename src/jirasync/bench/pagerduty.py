"""PagerDuty ⇄ Jira workloads (issue 7), end to end over HTTP against the simulators.

W1 create: N incidents triggered → N issues (+ remote link, + a note on each incident).
W2 status: each incident acknowledged → its issue to In Progress.
W3 notes: a note on each incident → a comment on its issue.
W4 replay: jirasync restarted on the same database, then every W1 webhook re-POSTed exactly
   as PagerDuty delivered it (body and signature from the simulator's delivery log).
W5 echo: the webhooks jirasync's own writes caused during W1-W3 (Jira issue_created /
   comment / transition, PagerDuty incident.annotated by jirasync's user), which arrive by
   themselves: they must write nothing.

"Driven" events are the PagerDuty webhooks of the driver's changes; echo events are all the
others (in these workloads nobody but jirasync writes to Jira).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

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
from jirasync.crypto import SecretBox
from jirasync.devstack import PD_FROM, PD_HEADERS, Stack
from jirasync.sim.pagerduty.signing import signature_header
from jirasync.store.db import Database
from jirasync.sync.runtime import SyncRuntime

SERVICE = "PSVC001"  # Checkout API in the PagerDuty simulator's default seed
PROJECT = "SUP"
OWN_PD_USERS = frozenset({"PBOT001"})


def _jira_get(stack: Stack, path: str, **params: Any) -> Any:
    with stack.jira("admin") as jira:
        return jira.get(path, params=params).json()


def setup_document(stack: Stack) -> dict[str, Any]:
    types = _jira_get(stack, f"/rest/api/2/project/{PROJECT}", expand="issueTypes")["issueTypes"]
    bug = next(t["id"] for t in types if t["name"] == "Bug")
    in_progress = next(
        s["id"] for s in _jira_get(stack, "/rest/api/2/status") if s["name"] == "In Progress"
    )
    rule = {
        "name": "Checkout incidents (bench)",
        "enabled": True,
        "config": {
            "sync_comments": True,
            "services": [{"id": SERVICE, "type": "service_reference"}],
            "projects": [{"key": PROJECT}],
            "issue_types": [{"id": bug, "label": "Bug"}],
            "autocreate_issues": True,
            "autocreate_issues_config": [
                {
                    "condition": {"pd_events": ["incident.trigger"]},
                    "actions": [{"key": "jira_append_description"}],
                    "actions_params": {
                        "jira_append_description": [
                            {"key": "incident.title", "icon": "pd"},
                            {"key": "incident.html_url", "icon": "pd"},
                        ]
                    },
                }
            ],
            "react_on_incident_event": True,
            "react_on_incident_event_config": [
                {
                    "condition": {"pd_events": ["incident.acknowledge"]},
                    "actions": [{"key": "jira_change_status"}],
                    "actions_params": {
                        "jira_change_status": {"id": in_progress, "label": "In Progress"}
                    },
                }
            ],
            "react_on_issue_status_change": True,
            "react_on_issue_status_change_config": [
                {"jira_status_categories": ["done"], "actions": [{"key": "pd_resolve"}]},
            ],
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
                "name": "pagerduty",
                "kind": "pagerduty",
                "base_url": stack.pagerduty_url,
                "credentials": {"api_key": "pdsim-account-key-0001"},
                "options": {"from_email": PD_FROM, "own_user_ids": sorted(OWN_PD_USERS)},
            },
        ],
        "rules": {"pagerduty": [{"connection": "pagerduty", "jira": "jira", "rule": rule}]},
    }


def driven(event: Event) -> bool:
    """A PagerDuty webhook of a change someone other than jirasync made."""
    if event.source != "pagerduty":
        return False
    agent = (event.json().get("event") or {}).get("agent") or {}
    return agent.get("id") not in OWN_PD_USERS


def issues_by_incident(stack: Stack) -> Counter[str]:
    """Issues per incident, from the marker label jirasync puts on the issues it creates."""
    counts: Counter[str] = Counter()
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
                    if label.startswith("pagerduty-"):
                        counts[label.removeprefix("pagerduty-").upper()] += 1
            start += len(page["issues"])
            if not page["issues"] or start >= page["total"]:
                return counts


class PagerDutyBench:
    def __init__(self, bench: BenchStack, concurrency: int = 16, rate: float | None = None) -> None:
        self.bench = bench
        self.rate = rate
        self.stack = bench.stack
        self.concurrency = concurrency
        self.incidents: list[str] = []
        self.echo: list[Event] = []

    def _workload(
        self,
        name: str,
        description: str,
        requests: list[Request],
        settle_s: float,
        statuses: tuple[int, ...],
    ) -> tuple[Workload, list[httpx.Response]]:
        stack = self.stack
        after = self.bench.last_event_id()
        stack.reset_counts()
        cpu = self.bench.cpu()
        started = time.perf_counter()
        driver = Driver(self.concurrency, rate=self.rate)
        answers = driver.run(stack.pagerduty_url, requests, headers=_pd_headers())
        expect(answers, *statuses)
        stack.settle(timeout=settle_s)
        wall = time.perf_counter() - started
        cpu_used = self.bench.cpu_since(cpu)
        sim = {
            "jira": subtract(stack.requests(stack.jira_url), Counter()),
            "pagerduty": subtract(stack.requests(stack.pagerduty_url), driver.sent),
        }
        events = read_events(stack.settings, after)
        mine, echo = split(events, driven)
        self.echo += echo
        workload = Workload(name, description, mine, echo, sim_calls=sim, items=len(requests))
        workload.extra.update(
            {
                "driver_seconds": round(driver.seconds, 3),
                "wall_seconds": round(wall, 3),
                "cpu_seconds": cpu_used,
            }
        )
        return workload, answers

    def w1_create(self, n: int) -> Workload:
        requests = [
            Request(
                "POST",
                "/incidents",
                "POST /incidents",
                json={
                    "incident": {
                        "type": "incident",
                        "title": f"bench incident {i}",
                        "service": {"id": SERVICE, "type": "service_reference"},
                        "urgency": "high",
                    }
                },
            )
            for i in range(n)
        ]
        w, answers = self._workload(
            "W1 create", f"{n} incidents triggered → {n} issues", requests, 60 + n * 0.5, (201,)
        )
        self.incidents = [a.json()["incident"]["id"] for a in answers]
        self._outcome(w)
        per = w.per_item(warm=True)
        w.targets += [
            Target("Jira calls per incident ≤ 2", 2, per.get("jira", 0.0)),
            Target("PagerDuty calls per incident ≤ 1", 1, per.get("pagerduty", 0.0)),
            Target("echo writes = 0", 0, sum(len(e.writes) for e in w.echo)),
        ]
        return w

    def w2_status(self, n: int) -> Workload:
        chosen = self.incidents[:n]
        requests = [
            Request(
                "PUT",
                f"/incidents/{incident}",
                "PUT /incidents/{id}",
                json={"incident": {"type": "incident_reference", "status": "acknowledged"}},
            )
            for incident in chosen
        ]
        w, _ = self._workload(
            "W2 status",
            f"{len(chosen)} incidents acknowledged → issues In Progress",
            requests,
            60 + n * 0.5,
            (200,),
        )
        in_progress = self._count_in_progress()
        w.extra["issues_in_progress"] = in_progress
        if in_progress < len(chosen):
            w.notes.append(f"only {in_progress} of {len(chosen)} issues reached In Progress")
        per = w.per_item(warm=True)
        w.targets += [
            Target("Jira calls per change ≤ 1 (warm caches)", 1, per.get("jira", 0.0)),
            Target("echo writes = 0", 0, sum(len(e.writes) for e in w.echo)),
        ]
        return w

    def w3_notes(self, n: int) -> Workload:
        chosen = self.incidents[:n]
        requests = [
            Request(
                "POST",
                f"/incidents/{incident}/notes",
                "POST /incidents/{id}/notes",
                json={"note": {"content": f"bench note on {incident}"}},
            )
            for incident in chosen
        ]
        w, _ = self._workload(
            "W3 notes",
            f"{len(chosen)} notes → {len(chosen)} comments",
            requests,
            60 + n * 0.5,
            (200, 201),
        )
        per = w.per_item(warm=True)
        w.targets += [
            Target("calls per note = 1", 1, round(sum(per.values()), 3)),
            Target("echo writes = 0", 0, sum(len(e.writes) for e in w.echo)),
        ]
        return w

    def w4_replay(self) -> Workload:
        """Restart jirasync, then re-POST every delivered W1 webhook, signature and all."""
        stack = self.stack
        log = httpx.get(
            f"{stack.pagerduty_url}/_sim/webhooks",
            params={"event": "incident.triggered"},
            timeout=60,
        ).json()["deliveries"]
        wanted = set(self.incidents)
        deliveries = [
            d for d in log if d["state"] == "delivered" and d["key"] and _incident(d) in wanted
        ]
        restart_started = time.perf_counter()
        self.bench.restart()
        restart_s = time.perf_counter() - restart_started
        after = self.bench.last_event_id()
        dropped_before = duplicate_deliveries(stack.settings)
        stack.reset_counts()
        base = stack.jirasync_url
        requests = [
            Request(
                "POST",
                d["url"].removeprefix(base),
                "POST /webhooks/pagerduty/{id}",
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
            "pagerduty": subtract(stack.requests(stack.pagerduty_url), Counter()),
        }
        w = Workload(
            "W4 replay",
            f"jirasync restarted, {len(requests)} W1 webhooks re-POSTed with their signatures",
            mine,
            echo,
            sim_calls=sim,
            items=len(requests),
        )
        dropped = duplicate_deliveries(stack.settings) - dropped_before
        writes = sum(len(e.writes) for e in events)
        sim_writes = sum(
            v for system in sim.values() for k, v in system.items() if k.split()[0] != "GET"
        )
        w.extra.update(
            {
                "replayed": len(requests),
                "answers": dict(codes),
                "new_inbox_events": len(events),
                "dropped_as_redelivered": dropped,
                "restart_seconds": round(restart_s, 3),
                "replay_seconds": round(driver.seconds, 3),
                "replay_requests_per_s": round(len(requests) / driver.seconds, 1)
                if driver.seconds
                else None,
            }
        )
        self._outcome(w)
        w.targets += [
            Target("writes (jirasync log) = 0", 0, writes),
            Target("writes seen by the simulators = 0", 0, sim_writes),
        ]
        w.notes.append(
            f"{dropped} of {len(requests)} replayed webhooks dropped at intake by delivery id "
            f"(answers {dict(codes)}), {len(events)} new inbox events"
        )
        return w

    def w4b_replay_new_ids(self) -> Workload:
        """The W1 webhooks again, as if PagerDuty had sent each event a second time under a new
        event id (re-signed with the subscription's secret): past intake's duplicate check, so
        the worker and the planner must find the links and write nothing."""
        stack = self.stack
        log = httpx.get(
            f"{stack.pagerduty_url}/_sim/webhooks",
            params={"event": "incident.triggered"},
            timeout=60,
        ).json()["deliveries"]
        wanted = set(self.incidents)
        deliveries = [d for d in log if d["state"] == "delivered" and _incident(d) in wanted]
        secrets = _webhook_secrets(stack)
        base = stack.jirasync_url
        requests = []
        for d in deliveries:
            body = json.loads(d["body"])
            body["event"]["id"] = f"{body['event']['id']}-again"
            raw = json.dumps(body).encode()
            headers = {
                "Content-Type": "application/json",
                "X-Webhook-Id": f"{d['headers'].get('X-Webhook-Id', d['id'])}-again",
                "X-PagerDuty-Signature": signature_header(secrets, raw),
            }
            requests.append(
                Request(
                    "POST",
                    d["url"].removeprefix(base),
                    "POST /webhooks/pagerduty/{id}",
                    content=raw,
                    headers=headers,
                )
            )
        after = self.bench.last_event_id()
        stack.reset_counts()
        cpu = self.bench.cpu()
        started = time.perf_counter()
        driver = Driver(self.concurrency)
        answers = driver.run(base, requests)
        expect(answers, 202)
        stack.settle(timeout=120)
        wall = time.perf_counter() - started
        events = read_events(stack.settings, after)
        mine, echo = split(events, driven)
        sim = {
            "jira": subtract(stack.requests(stack.jira_url), Counter()),
            "pagerduty": subtract(stack.requests(stack.pagerduty_url), Counter()),
        }
        w = Workload(
            "W4b replay, new ids",
            f"{len(requests)} W1 webhooks re-sent under new event ids (re-signed) after the "
            "restart: through the worker and planner",
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
        self._outcome(w)
        writes = sum(len(e.writes) for e in events)
        w.targets += [
            Target("writes = 0", 0, writes),
            Target("warm calls per event = 0", 0, _sum(w.per_item(warm=True))),
        ]
        return w

    def w5_echo(self) -> Workload:
        echo = self.echo
        kinds = Counter(kind(e) for e in echo)
        w = Workload(
            "W5 echo",
            "webhooks caused by jirasync's own writes in W1-W3, arriving by themselves",
            echo,
            [],
        )
        w.extra["echo_kinds"] = dict(sorted(kinds.items()))
        writes = sum(len(e.writes) for e in echo)
        w.targets.append(Target("writes = 0", 0, writes))
        w.notes.append(
            "echo events by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        )
        return w

    def _outcome(self, w: Workload) -> None:
        counts = issues_by_incident(self.stack)
        w.duplicates = sum(max(0, counts.get(i, 0) - 1) for i in self.incidents)
        w.lost = sum(1 for i in self.incidents if counts.get(i, 0) == 0)

    def _count_in_progress(self) -> int:
        with self.stack.jira("admin") as jira:
            found = jira.post(
                "/rest/api/2/search",
                json={
                    "jql": f'project = {PROJECT} AND status = "In Progress"',
                    "maxResults": 0,
                },
            ).json()
        return int(found["total"])


def _sum(values: dict[str, float]) -> float:
    return round(sum(values.values()), 3)


def _webhook_secrets(stack: Stack) -> list[str]:
    """The signing secrets jirasync keeps for its PagerDuty subscriptions."""

    async def read(db: Database, secrets: SecretBox) -> list[str]:
        runtime = SyncRuntime(db, secrets)
        try:
            pagerduty = await runtime.pool.pagerduty(stack.connections["pagerduty"])
            return [s.get_secret_value() for s in pagerduty.credentials.webhook_secrets.values()]
        finally:
            await runtime.close()

    found: list[str] = asyncio.run(stack._store(read))
    return found


def _pd_headers() -> dict[str, str]:
    return {**PD_HEADERS, "From": "alice@example.com"}


def _incident(delivery: dict[str, Any]) -> str:
    return str(delivery["key"]).rsplit(":", 1)[-1]


def run(
    n: int, n_other: int | None = None, concurrency: int = 16, rate: float | None = None
) -> list[Workload]:
    """All five PagerDuty workloads on a fresh stack; `n_other` incidents for W2/W3."""
    n_other = n if n_other is None else min(n_other, n)
    with tempfile.TemporaryDirectory() as tmp, bench_stack(Path(tmp)) as bench:
        stack = bench.stack
        stack.apply(setup_document(stack))
        stack.check(fix=True)
        pd = PagerDutyBench(bench, concurrency, rate)
        workloads = [pd.w1_create(n), pd.w2_status(n_other), pd.w3_notes(n_other)]
        w5 = pd.w5_echo()
        workloads += [pd.w4_replay(), pd.w4b_replay_new_ids(), w5]
        return workloads
