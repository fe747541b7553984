"""Benchmark: parse time per query, and evaluations per second over 10,000 issue JSONs.

Run with `uv run python -m jirasync.jql.bench`. Figures only; nothing is asserted.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from jirasync.jql import EvalContext, compile_matcher, matches, parse, sort_key

QUERY = (
    'project = OPS AND status in ("In Progress", Open) AND priority >= High '
    "AND labels = pagerduty AND updated >= -7d"
)
QUERIES = (
    QUERY,
    "assignee = currentUser() AND resolution = Unresolved ORDER BY priority DESC, key",
    'summary ~ "database fail*" OR text ~ "pooler" AND created > startOfMonth(-1)',
    'status changed from Open to Done by alice after "-4w 2d"',
    '(project = VPP OR project = VI) AND statusCategory not in (Done) AND "Delivery Team" in '
    '("JIRA Helix", JIRA, "JIRA Fusion") AND fixVersion != Post-MVP ORDER BY status DESC',
)
# Every clause false for every issue, so all five run each time (no short-circuit).
WORST_CASE = (
    "project = NOPE OR status = Closed OR priority > Highest OR labels = none OR updated < -30d"
)
NOW = datetime(2024, 3, 10, 12, tzinfo=UTC)
STATUSES = (("1", "Open"), ("3", "In Progress"), ("10001", "Done"))
PRIORITIES = (("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low"))
LABELS = ("pagerduty", "sev1", "customer", "infra", "flaky")


def make_issues(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    issues = []
    for number in range(1, count + 1):
        status_id, status = rng.choice(STATUSES)
        priority_id, priority = rng.choice(PRIORITIES)
        updated = NOW - timedelta(minutes=rng.randrange(60 * 24 * 20))
        project = rng.choice(("OPS", "OPS", "DEV"))
        issues.append(
            {
                "id": str(10000 + number),
                "key": f"{project}-{number}",
                "self": f"https://jira.example/rest/api/2/issue/{10000 + number}",
                "fields": {
                    "project": {"id": "10000", "key": project, "name": project.title()},
                    "status": {"id": status_id, "name": status},
                    "priority": {"id": priority_id, "name": priority},
                    "labels": rng.sample(LABELS, rng.randrange(3)),
                    "updated": updated.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                    "summary": f"Issue {number} database failure",
                },
            }
        )
    return issues


def bench_parse(rounds: int = 2000) -> float:
    """Microseconds per parse, averaged over the sample queries (grammar already loaded)."""
    parse(QUERY)
    start = time.perf_counter()
    for _ in range(rounds // len(QUERIES)):
        for query in QUERIES:
            parse(query)
    return (time.perf_counter() - start) / rounds * 1e6


def bench_matches(
    issues: list[dict[str, Any]], query: str = QUERY, repeat: int = 3
) -> tuple[float, int]:
    """Best evaluations per second of `query` (parsed and compiled once) over the issues."""
    context = EvalContext(clock=lambda: NOW, priorities=[p for _, p in PRIORITIES])
    predicate = compile_matcher(parse(query), context)
    best = 0.0
    hits = 0
    for _ in range(repeat):
        start = time.perf_counter()
        hits = sum(1 for issue in issues if predicate(issue))
        best = max(best, len(issues) / (time.perf_counter() - start))
    assert hits == sum(1 for issue in issues if matches(query, issue, context))
    return best, hits


def bench_matches_call(issues: list[dict[str, Any]]) -> float:
    """Evaluations per second through `matches(text, issue, ctx)` (cached parse and compile)."""
    context = EvalContext(clock=lambda: NOW, priorities=[p for _, p in PRIORITIES])
    start = time.perf_counter()
    for issue in issues:
        matches(QUERY, issue, context)
    return len(issues) / (time.perf_counter() - start)


def bench_sort(issues: list[dict[str, Any]]) -> float:
    key = sort_key(parse("ORDER BY priority DESC, updated DESC, key").order_by)
    start = time.perf_counter()
    sorted(issues, key=key)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    issues = make_issues(10_000)
    parse_us = bench_parse()
    rate, hits = bench_matches(issues)
    worst_rate, _ = bench_matches(issues, WORST_CASE)
    call_rate = bench_matches_call(issues)
    sort_ms = bench_sort(issues)
    print(f"query: {QUERY}")
    print(f"parse: {parse_us:.1f} µs/query (mean over {len(QUERIES)} sample queries)")
    print(f"evaluate: {rate:,.0f} evaluations/s over {len(issues):,} issues ({hits:,} matched)")
    print(f"evaluate, all 5 clauses run: {worst_rate:,.0f} evaluations/s ({WORST_CASE})")
    print(f"matches(text, issue, ctx) per call: {call_rate:,.0f} evaluations/s")
    print(f"sort: {sort_ms:.1f} ms for {len(issues):,} issues by 3 keys")


if __name__ == "__main__":
    main()
