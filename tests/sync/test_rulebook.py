"""The rule book reads the stored rules on every lookup but parses a rule again only when its row
changed: an edit, a new rule or a deleted one applies to the next lookup; a rule that no longer
validates is left out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, update

from jirasync.store.db import Database
from jirasync.store.models import Connection
from jirasync.store.models import Rule as RuleRow
from jirasync.sync.rulebook import RuleBook


def definition(project: str) -> dict[str, Any]:
    return {
        "config": {
            "services": [{"id": "PSVC1", "type": "service_reference"}],
            "projects": [{"key": project}],
            "issue_types": [{"id": "10004", "label": "Bug"}],
        }
    }


async def _setup(db: Database) -> tuple[int, int]:
    async with db.write() as conn:
        jira = (
            await conn.execute(
                insert(Connection).values(kind="jira", name="jira", base_url="http://j")
            )
        ).lastrowid
        pagerduty = (
            await conn.execute(
                insert(Connection).values(kind="pagerduty", name="pd", base_url="http://p")
            )
        ).lastrowid
    return jira, pagerduty


async def _add(db: Database, jira: int, pagerduty: int, name: str, project: str) -> int:
    values = {
        "connection_id": pagerduty,
        "jira_connection_id": jira,
        "kind": "pagerduty",
        "name": name,
        "definition": definition(project),
    }
    async with db.write() as conn:
        rule_id: int = (await conn.execute(insert(RuleRow).values(values))).lastrowid
    return rule_id


async def _projects(book: RuleBook, pagerduty: int) -> list[tuple[str, str]]:
    rules = await book.pagerduty(pagerduty_connection_id=pagerduty)
    return [(r.rule.name, r.rule.config.projects[0].key) for r in rules]


async def test_changes_apply_to_the_next_lookup(sqlite_db: Database) -> None:
    jira, pagerduty = await _setup(sqlite_db)
    book = RuleBook(sqlite_db)
    first = await _add(sqlite_db, jira, pagerduty, "Ops", "OPS")
    assert await _projects(book, pagerduty) == [("Ops", "OPS")]

    await _add(sqlite_db, jira, pagerduty, "Support", "SUP")
    async with sqlite_db.write() as conn:
        await conn.execute(
            update(RuleRow).where(RuleRow.id == first).values(definition=definition("CORE"))
        )
    assert await _projects(book, pagerduty) == [("Ops", "CORE"), ("Support", "SUP")]
    assert await book.pagerduty(pagerduty_connection_id=pagerduty + 100) == []
    assert len(await book.pagerduty(jira_connection_id=jira)) == 2

    async with sqlite_db.write() as conn:
        await conn.execute(delete(RuleRow).where(RuleRow.id == first))
    assert await _projects(book, pagerduty) == [("Support", "SUP")]


async def test_a_rule_that_no_longer_validates_is_left_out(sqlite_db: Database) -> None:
    jira, pagerduty = await _setup(sqlite_db)
    book = RuleBook(sqlite_db)
    rule_id = await _add(sqlite_db, jira, pagerduty, "Ops", "OPS")
    assert len(await book.pagerduty(pagerduty_connection_id=pagerduty)) == 1

    async with sqlite_db.write() as conn:
        await conn.execute(
            update(RuleRow).where(RuleRow.id == rule_id).values(definition={"config": []})
        )
    assert await book.pagerduty(pagerduty_connection_id=pagerduty) == []
