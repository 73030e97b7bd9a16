"""Charts drawn on the server: geometry only (the templates write the SVG), so a chart is
readable without JavaScript and comes with a table as its text alternative.

Three shapes: grouped bars (per day, per week), lines (a burndown) and ranked horizontal bars
(a distribution, whose labels are too long to stand under a bar). Values are counts (never
negative); every chart scales to its largest value, and an all-zero chart stays flat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 200
AXIS = 24
"""Room under the bars for the day labels."""
PLOT = HEIGHT - AXIS
"""The baseline: where a zero stands."""
TOP = 8
"""Room above the largest value, so that a line's dots are not cut at the edge."""
SPAN = PLOT - TOP
"""The height of the largest value."""
MAX_LEVELS = 4
"""Horizontal guide lines at round values: few enough to stay out of the way."""
TICK_MARGIN = 16
"""A centred label (`MM-DD`, about 28 px) this far from either edge is not cut off."""
ROW = 26
"""Height of one row of a ranked chart."""
LABEL_WIDTH = 180
"""Room left of a ranked chart's bars for their labels."""
VALUE_WIDTH = 56
"""Room right of a ranked chart's longest bar for its value."""


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: str
    label: str


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]
    """(x, label) under the groups, every few days so that they never overlap."""
    peak: int
    levels: tuple[tuple[float, int], ...] = ()
    """(y, value) of the guide lines."""


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    value: int
    label: str


@dataclass(frozen=True, slots=True)
class Line:
    series: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        """The `points` attribute of an SVG polyline."""
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True, slots=True)
class LineChart:
    width: int
    height: int
    lines: tuple[Line, ...]
    ticks: tuple[tuple[float, str], ...]
    peak: int
    levels: tuple[tuple[float, int], ...]


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    value: int
    y: float
    """Top of the bar."""
    width: float
    share: int
    """Percent of the total, rounded."""


@dataclass(frozen=True, slots=True)
class RankedChart:
    width: int
    height: int
    rows: tuple[Row, ...]
    peak: int
    bar_x: int
    bar_height: float


def _peak(series: Sequence[tuple[str, Sequence[int]]]) -> int:
    return max((v for _, values in series for v in values), default=0) or 1


def _ticks(labels: Sequence[str], slot: float) -> tuple[tuple[float, str], ...]:
    """A label under every few slots: at most about seven, so they never overlap."""
    step = max(1, len(labels) // 6)
    return tuple(
        (round(min(max(index * slot + slot / 2, TICK_MARGIN), WIDTH - TICK_MARGIN), 2), label)
        for index, label in enumerate(labels)
        if index % step == 0
    )


def level_step(peak: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 … that needs at most `MAX_LEVELS` lines."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if peak // step <= MAX_LEVELS:
                return step
        magnitude *= 10


def levels(peak: int) -> tuple[tuple[float, int], ...]:
    """Guide lines at multiples of `level_step(peak)` up to the peak, as (y, value)."""
    step = level_step(peak)
    return tuple((_y(value, peak), value) for value in range(step, peak + 1, step))


def _y(value: int, peak: int) -> float:
    return round(PLOT - SPAN * value / peak, 2)


def grouped_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> BarChart:
    """One group per label, one bar per series, scaled to the largest value."""
    peak = _peak(series)
    groups = max(len(labels), 1)
    group_width = WIDTH / groups
    bar_width = max(1.0, group_width * 0.8 / max(len(series), 1))
    bars = []
    for index, label in enumerate(labels):
        for number, (name, values) in enumerate(series):
            value = values[index]
            bars.append(
                Bar(
                    x=round(index * group_width + group_width * 0.1 + number * bar_width, 2),
                    y=_y(value, peak),
                    width=round(bar_width, 2),
                    height=round(SPAN * value / peak, 2),
                    value=value,
                    series=name,
                    label=label,
                )
            )
    return BarChart(WIDTH, HEIGHT, tuple(bars), _ticks(labels, group_width), peak, levels(peak))


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> LineChart:
    """One point per label and series, at the middle of the label's slot (as a bar group's)."""
    peak = _peak(series)
    slot = WIDTH / max(len(labels), 1)
    lines = tuple(
        Line(
            series=name,
            points=tuple(
                Point(
                    x=round(index * slot + slot / 2, 2),
                    y=_y(values[index], peak),
                    value=values[index],
                    label=label,
                )
                for index, label in enumerate(labels)
            ),
        )
        for name, values in series
    )
    return LineChart(WIDTH, HEIGHT, lines, _ticks(labels, slot), peak, levels(peak))


def ranked_bars(items: Sequence[tuple[str, int]]) -> RankedChart:
    """A row per item in the given order, the bar's length proportional to its count."""
    peak = max((count for _, count in items), default=0) or 1
    total = sum(count for _, count in items) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = tuple(
        Row(
            label=label,
            value=count,
            y=float(index * ROW + 3),
            width=round(room * count / peak, 2),
            share=round(100 * count / total),
        )
        for index, (label, count) in enumerate(items)
    )
    return RankedChart(WIDTH, max(len(items), 1) * ROW, rows, peak, LABEL_WIDTH, ROW - 6)
