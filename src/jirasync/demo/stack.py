"""The demo's stack: the three simulators (default seeds plus the demo's data) and jirasync on
127.0.0.1, configured as an admin would (apply the set-up document, `check --fix`, paste the
HackerOne webhook), with SQLite in the demo's data folder.

The simulators keep no state between runs and reuse their ids (PagerDuty `Q…01`, Jira issue
10005, the same Jira delivery ids), so the links, queue and cursors of a previous run would
point at objects that are gone or are now others. Each run therefore starts the demo's database
afresh; only the secret key in the data folder is kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from jirasync.access.accounts import create_account
from jirasync.access.login_links import LINK_PATH, create_login_link
from jirasync.config import Settings
from jirasync.crypto import SecretBox
from jirasync.demo import DEFAULT_DATA_DIR, DEFAULT_PORTS, world
from jirasync.devstack import Ports, Stack, serving_stack
from jirasync.store.db import Database
from jirasync.store.models import Account, AccountRole
from jirasync.sync.registration import Report

DEMO_DATABASE = "demo.db"
DEMO_ADMIN = "demo-admin"


class DemoError(RuntimeError):
    """The demo could not be set up (the message says which step and why)."""


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path = DEFAULT_DATA_DIR
    ports: Ports = field(default_factory=lambda: Ports(**DEFAULT_PORTS))
    log_level: Literal["debug", "info", "warning", "error"] = "warning"


@dataclass
class Demo:
    stack: Stack
    data_dir: Path
    webhooks: list[Report] = field(default_factory=list)

    @property
    def database_url(self) -> str:
        return self.stack.settings.database


def demo_settings(options: DemoOptions) -> Settings:
    data_dir = options.data_dir.resolve()
    return Settings(
        database_url=f"sqlite+aiosqlite:///{data_dir / DEMO_DATABASE}",
        data_dir=data_dir,
        log_level=options.log_level,
    )


def forget_previous_run(data_dir: Path) -> None:
    """Remove the demo database of an earlier run (never anything else in the folder)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (data_dir / f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)


@contextmanager
def running_demo(options: DemoOptions = DemoOptions()) -> Iterator[Demo]:
    """The demo stack, configured; raises `PortInUse` before anything starts if a port is busy,
    and `DemoError` if the set-up fails."""
    settings = demo_settings(options)
    sims = world.simulators()
    with serving_stack(
        settings,
        options.ports,
        jira=sims["jira"],
        pagerduty=sims["pagerduty"],
        hackerone=sims["hackerone"],
        prepare=lambda: forget_previous_run(settings.data_dir),
    ) as stack:
        demo = Demo(stack, settings.data_dir)
        configure(demo)
        yield demo


def configure(demo: Demo) -> None:
    """Connections, rules and user mappings; then the webhooks on all three simulators."""
    stack = demo.stack
    stack.apply(world.setup_document(stack.jira_url, stack.pagerduty_url, stack.hackerone_url))
    demo.webhooks = stack.check(fix=True)
    if failed := [f"{r.connection}: {e}" for r in demo.webhooks for e in r.errors]:
        raise DemoError("registering the webhooks failed: " + "; ".join(failed))
    paste_hackerone_webhook(stack)


def paste_hackerone_webhook(stack: Stack) -> None:
    """What an admin pastes into the program's webhook settings (HackerOne has no API for it);
    the simulator's control route stands in for the settings page."""
    url = f"{stack.jirasync_url}/webhooks/hackerone/{stack.connections['hackerone']}"
    answer = httpx.put(
        f"{stack.hackerone_url}/_sim/programs/{world.PROGRAM}/webhooks",
        json={"webhooks": [{"url": url, "events": "all"}]},  # the program's webhook secret
        timeout=10,
    )
    if answer.status_code != 200:
        raise DemoError(f"setting the HackerOne webhook failed: HTTP {answer.status_code}")


def one_time_login_link(demo: Demo) -> str | None:
    """The web UI's one-time login link, for the banner: it signs one browser in as the demo's
    admin account (whose password nobody knows), once, within a day."""

    async def mint(db: Database, _: SecretBox) -> str:
        async with db.sessions() as session:
            account = await session.scalar(select(Account).where(Account.username == DEMO_ADMIN))
        if account is None:
            password = SecretStr(secrets.token_urlsafe(24))
            account = await create_account(db, DEMO_ADMIN, password, AccountRole.ADMIN)
        return await create_login_link(db, account.id, timedelta(days=1))

    token: str = demo.stack.on_store(mint)
    return f"{demo.stack.jirasync_url}{LINK_PATH}{token}"
