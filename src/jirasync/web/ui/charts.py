"""Small bar charts drawn on the server as inline SVG (templates/_chart.html; no chart library,
no script): the geometry of a bar per value, and a text alternative for screen readers."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, GAP = 600, 120, 1


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class Chart:
    label: str
    bars: list[Bar]
    colour: str
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def summary(self) -> str:
        values = [b.value for b in self.bars]
        return f"{self.label}: {sum(values)} in total, at most {max(values, default=0)} a minute"


def bar_chart(values: list[int], label: str, colour: str = "#1f5fbf") -> Chart:
    """Bars from oldest (left) to newest (right); the tallest bar fills the height."""
    top = max(values, default=0) or 1
    step = WIDTH / max(len(values), 1)
    bars = [
        Bar(i * step, HEIGHT - HEIGHT * v / top, max(step - GAP, 1), HEIGHT * v / top, v)
        for i, v in enumerate(values)
    ]
    return Chart(label, bars, colour)
