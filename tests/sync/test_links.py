"""Links as read back: each with its own comment twins, whichever lookup finds it (the lookups
read a link and its twins in one query)."""

from __future__ import annotations

from sqlalchemy import insert

from jirasync.store.db import Database
from jirasync.store.models import Connection
from jirasync.sync.links import Links, SourceRef


async def _connections(db: Database) -> tuple[int, int, int]:
    ids = []
    async with db.write() as conn:
        for kind in ("jira", "pagerduty", "hackerone"):
            values = {"kind": kind, "name": kind, "base_url": f"http://{kind}"}
            ids.append((await conn.execute(insert(Connection).values(values))).lastrowid)
    return ids[0], ids[1], ids[2]


async def test_each_link_of_an_issue_has_its_own_twins(sqlite_db: Database) -> None:
    jira, pagerduty, hackerone = await _connections(sqlite_db)
    links = Links(sqlite_db)
    incident = await links.create(
        SourceRef(pagerduty, "incident", "PINC1"), jira, "10", "OPS-1", {}
    )
    report = await links.create(SourceRef(hackerone, "report", "77"), jira, "10", "OPS-1", {})
    await links.mirror(incident.id, "NOTE1", "c1", "pagerduty")
    await links.mirror(incident.id, "NOTE2", "c2", "jira")
    await links.mirror(report.id, "act9", "c3", "jira")

    found = await links.by_issue(jira, "10")

    assert [link.id for link in found] == [incident.id, report.id]
    assert found[0].mirrored == {"NOTE1", "c1", "NOTE2", "c2"}
    assert found[0].note_twins == {"c2": "NOTE2"}
    assert found[1].mirrored == {"act9", "c3"}
    assert found[1].note_twins == {"c3": "act9"}


async def test_a_link_without_twins_and_no_link(sqlite_db: Database) -> None:
    jira, pagerduty, _ = await _connections(sqlite_db)
    links = Links(sqlite_db)
    source = SourceRef(pagerduty, "incident", "PINC1")
    await links.create(source, jira, "10", "OPS-1", {"jira.status": "1"})

    found = await links.by_source(source)

    assert found is not None
    assert (found.issue_key, found.mirrored, found.note_twins) == ("OPS-1", frozenset(), {})
    assert found.last_synced == {"jira.status": "1"}
    assert await links.by_source(SourceRef(pagerduty, "incident", "PINC2")) is None
    assert await links.by_issue(jira, "11") == []
