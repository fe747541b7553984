from __future__ import annotations

import pytest

from jirasync.engine import Done, EventContext, HandlerRegistry, Outcome
from jirasync.engine.registry import build_registry


async def _noop(ctx: EventContext) -> Outcome:
    return Done()


def test_one_handler_per_source() -> None:
    registry = HandlerRegistry()
    registry.register("jira", _noop)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("jira", _noop)
    assert registry.handler_for("jira") is _noop
    assert registry.handler_for("pagerduty") is None

    @registry.handler("pagerduty")
    async def handle(ctx: EventContext) -> Outcome:
        return Done()

    assert registry.sources == ["jira", "pagerduty"]


def test_handler_modules_are_loaded_by_name() -> None:
    registry = build_registry(["jirasync.bench.engine:register"])
    assert registry.sources == ["bench"]
    with pytest.raises(ValueError, match=r"package\.module:function"):
        build_registry(["jirasync.bench.engine"])
