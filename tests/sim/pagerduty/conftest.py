"""A PagerDuty simulator and a webhook receiver on real 127.0.0.1 sockets, shared by the
module's tests; each test starts from the default seed (`POST /_sim/reset`).

pytest runs with --import-mode=importlib, so test modules import the shared helpers through
this folder put on sys.path under a name no other test folder uses (`pd_sim_helpers`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pd_sim_helpers import ACCOUNT_KEY, Api, Receiver

from jirasync.serving import ServerThread
from jirasync.sim.common import SimConfig
from jirasync.sim.pagerduty import PagerDutySimulator, create_app


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    with ServerThread(lambda url: rec.app()) as server:
        rec.url = server.url + "/hook"
        yield rec


@pytest.fixture(scope="session")
def server(receiver: Receiver) -> Iterator[ServerThread]:
    def factory(url: str) -> Any:
        options = {
            "webhook_url": receiver.url,
            "webhook_backoff_s": [0.02],
            "webhook_timeout_s": 0.5,
        }
        return create_app(SimConfig(base_url=url, options=options))

    with ServerThread(factory) as srv:
        yield srv


@pytest.fixture
def sim(server: ServerThread) -> PagerDutySimulator:
    return server.app.state.sim  # type: ignore[no-any-return]


@pytest.fixture
def api(server: ServerThread, receiver: Receiver) -> Iterator[Api]:
    headers = {
        "Authorization": f"Token token={ACCOUNT_KEY}",
        "Accept": "application/vnd.pagerduty+json;version=2",
    }
    with Api(base_url=server.url, headers=headers, timeout=10) as client:
        client.post("/_sim/reset").raise_for_status()
        receiver.clear()
        yield client
        client.post("/_sim/reset")
