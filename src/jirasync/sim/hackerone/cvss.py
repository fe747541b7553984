"""CVSS 3.x base score from HackerOne's metric names (`attack_vector: network` …), so a
severity set from metrics gets the score and rating HackerOne would compute.

Weights and formula: FIRST's CVSS v3.1 specification, section 7 (base metrics equations).
"""

from __future__ import annotations

import math

WEIGHTS: dict[str, dict[str, float]] = {
    "attack_vector": {"network": 0.85, "adjacent": 0.62, "local": 0.55, "physical": 0.2},
    "attack_complexity": {"low": 0.77, "high": 0.44},
    "privileges_required": {"none": 0.85, "low": 0.62, "high": 0.27},
    "user_interaction": {"none": 0.85, "required": 0.62},
    "scope": {"unchanged": 0.0, "changed": 0.0},
    "confidentiality": {"none": 0.0, "low": 0.22, "high": 0.56},
    "integrity": {"none": 0.0, "low": 0.22, "high": 0.56},
    "availability": {"none": 0.0, "low": 0.22, "high": 0.56},
}
METRICS = tuple(WEIGHTS)
# Privileges weigh more when the scope changes.
CHANGED_PRIVILEGES = {"none": 0.85, "low": 0.68, "high": 0.5}


def invalid_metric(metrics: dict[str, object]) -> str | None:
    """The first CVSS 3 metric that is missing or has an unknown value, if any."""
    for name in METRICS:
        value = metrics.get(name)
        if not isinstance(value, str) or value not in WEIGHTS[name]:
            return name
    return None


def base_score(metrics: dict[str, str]) -> float:
    """Base score (0.0-10.0) for a complete, valid metric set."""
    changed = metrics["scope"] == "changed"
    c, i, a = (WEIGHTS[m][metrics[m]] for m in ("confidentiality", "integrity", "availability"))
    iss = 1 - (1 - c) * (1 - i) * (1 - a)
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    privileges = (CHANGED_PRIVILEGES if changed else WEIGHTS["privileges_required"])[
        metrics["privileges_required"]
    ]
    exploitability = (
        8.22
        * WEIGHTS["attack_vector"][metrics["attack_vector"]]
        * WEIGHTS["attack_complexity"][metrics["attack_complexity"]]
        * privileges
        * WEIGHTS["user_interaction"][metrics["user_interaction"]]
    )
    if impact <= 0:
        return 0.0
    total = impact + exploitability
    return _round_up(min(1.08 * total if changed else total, 10.0))


def rating(score: float) -> str:
    if score == 0:
        return "none"
    if score < 4.0:
        return "low"
    if score < 7.0:
        return "medium"
    if score < 9.0:
        return "high"
    return "critical"


def _round_up(value: float) -> float:
    """The specification's Roundup: smallest one-decimal number >= value, computed on integers
    to avoid float artefacts (v3.1 Appendix A)."""
    whole = round(value * 100_000)
    if whole % 10_000 == 0:
        return whole / 100_000.0
    return (math.floor(whole / 10_000) + 1) / 10.0
