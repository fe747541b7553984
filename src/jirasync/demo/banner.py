"""What `jirasync demo` prints once it is up: where everything listens, with which
credentials, what was set up, and what to try (rich markup)."""

from __future__ import annotations

from rich.markup import escape

from jirasync.demo import DEFAULT_PORTS
from jirasync.demo.stack import DEMO_DATABASE, Demo, one_time_login_link
from jirasync.demo.world import HACKERONE_API, HACKERONE_PERSON, PAGERDUTY_KEY


def banner(demo: Demo) -> str:
    return "\n".join(
        [
            "[bold]jirasync demo[/bold] is running — Ctrl-C to stop.",
            "",
            *_places(demo),
            "",
            "Set up: connections jira, pagerduty, hackerone; rules Checkout API → SUP, "
            "Payments → OPS, acme reports → OPS (on triage); webhooks on all three.",
            "",
            "Try:",
            *_things_to_try(demo),
        ]
    )


def _places(demo: Demo) -> list[str]:
    stack = demo.stack
    login = one_time_login_link(demo)
    rows = [
        ("jirasync", stack.jirasync_url, f"health: {stack.jirasync_url}/healthz"),
        *([("web UI", login, "one-time login link")] if login else []),
        ("Jira simulator", stack.jira_url, "admin/admin, alice/alice, bob/bob, dana/dana"),
        (
            "PagerDuty simulator",
            stack.pagerduty_url,
            f"API key {PAGERDUTY_KEY}, header From: alice@example.com",
        ),
        (
            "HackerOne simulator",
            stack.hackerone_url,
            f"API at /v1: jirasync's token {'/'.join(HACKERONE_API)}, "
            f"Alice Security's {'/'.join(HACKERONE_PERSON)}",
        ),
        ("database", str(demo.data_dir / DEMO_DATABASE), "afresh each run"),
    ]
    return [f"  {name:<20} {escape(place)}   ({escape(note)})" for name, place, note in rows]


def _things_to_try(demo: Demo) -> list[str]:
    stack = demo.stack
    moved = [
        f"--{part}-port {port}"
        for part, url in (
            ("jira", stack.jira_url),
            ("pagerduty", stack.pagerduty_url),
            ("hackerone", stack.hackerone_url),
        )
        if (port := int(url.rsplit(":", 1)[1])) != DEFAULT_PORTS[part]
    ]
    scenario = " ".join(["uv run jirasync demo --scenario --against-running", *moved])
    env = f"JIRASYNC_DATABASE_URL={demo.database_url} JIRASYNC_DATA_DIR={demo.data_dir}"
    return [
        f"  - the scripted story, from another terminal: {escape(scenario)}",
        "  - trigger an incident on Checkout API (PSVC001): an issue appears in SUP; triage "
        "HackerOne report 100001: an issue appears in OPS (docs/demo.md has the calls)",
        f"  - the CLI on the demo's database: {escape(env)} uv run jirasync backfill --dry-run",
    ]
