"""The built-in seed (default_seed.yaml), used when the simulator starts without one."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def default_seed() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("default_seed.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data
