"""Soak fixtures: the whole stack on real sockets (see jirasync.devstack)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jirasync.devstack import Stack, running_stack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path) as running:
        yield running
