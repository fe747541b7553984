"""The public `h1` client (Uber's, PyPI 1.4.2, needs `six`) reads reports, lists them and follows
pagination against the simulator: an independent check of the report shape and of absolute
`links.next` URLs. `h1` raises on any object type or missing attribute it does not expect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

client_module = pytest.importorskip("h1.client")
models = pytest.importorskip("h1.models")

TOKEN = ("jirasync-sim", "h1-sim-token-0123456789abcdef")


def body(type_: str, **attributes: Any) -> dict[str, Any]:
    return {"data": {"type": type_, "attributes": attributes}}


@pytest.fixture
def h1(sim_url: str) -> Iterator[Any]:
    client = client_module.HackerOneClient(*TOKEN)
    client.BASE_URL = f"{sim_url}/v1"  # instance attribute: no global state changed
    yield client
    client.s.close()


def test_h1_reads_a_report_with_its_relationships(h1: Any, api: httpx.Client) -> None:
    comment = body("activity-comment", message="hi", internal=False)
    bounty = {"data": {"message": "thanks", "amount": 500, "bonus_amount": 50}}
    api.post("/reports/100001/activities", json=comment)
    api.post("/reports/100001/state_changes", json=body("state-change", state="triaged"))
    api.put("/reports/100001/assignee", json={"data": {"type": "user", "id": 4954}})
    api.post("/reports/100001/bounties", json=bounty)
    api.post("/reports/100001/swags", json={"data": {"message": "a shirt"}})
    api.post(
        "/reports/100001/issue_tracker_reference_id",
        json=body("issue-tracker-reference-id", reference="SEC-1"),
    )

    report = h1.get_resource(models.Report, 100001)

    assert report.title == "Stored XSS in profile bio"
    assert report.state == "triaged"
    assert report.reporter.username == "demo-hacker"
    assert report.assignee.username == "alice-sec"
    assert report.program.handle == "acme"
    assert report.total_payout == Decimal("550.00")
    assert report.triaged_at is not None and report.bounty_awarded_at is not None
    assert report.issue_tracker_reference_id == "SEC-1"
    types = [a.TYPE for a in report.activities]
    assert types[0] == "activity-reference-id-added"
    assert {"activity-comment", "activity-bug-triaged", "activity-bounty-awarded"} <= set(types)
    assert len(report.swag) == 1


def test_h1_lists_and_follows_pagination(h1: Any, control: httpx.Client) -> None:
    for n in range(27):  # 30 reports with the seed: two pages of HackerOne's default 25
        response = control.post(
            "/programs/acme/reports",
            json={"reporter": "second-hacker", "title": f"Bulk finding {n}"},
        )
        assert response.status_code == 201

    listed = list(h1.find_resources(models.Report, program=["acme"]))
    assert len(listed) == 30
    assert len({r.id for r in listed}) == 30

    pages = list(h1.find_resources(models.Report, program=["acme"], yield_pages=True))
    assert [len(p) for p in pages] == [25, 5]

    newer = h1.find_resources(
        models.Report,
        program=["acme"],
        state=["new"],
        created_at__gt=dt.datetime(2026, 11, 1, 12, 0),
    )
    assert all(r.state == "new" for r in newer)
    assert "Stored XSS in profile bio" not in [r.title for r in newer]


def test_h1_sees_403_for_another_programs_report(h1: Any) -> None:
    with pytest.raises(Exception, match="403"):
        h1.get_resource(models.Report, 100101)
