"""The charts' geometry as properties: everything drawn stays inside the picture, lengths are
proportional to values, the largest value fills the plot, and nothing overlaps."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from web_service.domain.charts import (
    MAX_LEVELS,
    PLOT,
    ROW,
    SPAN,
    TICK_MARGIN,
    TOP,
    WIDTH,
    grouped_bars,
    level_step,
    levels,
    line_chart,
    ranked_bars,
)

counts = st.integers(min_value=0, max_value=10**6)
# No deadline: this machine is shared, and a test asserts geometry, never speed.
relaxed = settings(deadline=None, max_examples=60)


@st.composite
def series_of(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, list[int]]]]:
    size = draw(st.integers(min_value=0, max_value=60))
    labels = [f"d{i}" for i in range(size)]
    names = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True))
    return labels, [(name, draw(st.lists(counts, min_size=size, max_size=size))) for name in names]


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.02


@relaxed
@given(series_of())
def test_bars_stand_on_the_axis_inside_the_picture_scaled_to_the_peak(
    data: tuple[list[str], list[tuple[str, list[int]]]],
) -> None:
    labels, series = data
    chart = grouped_bars(labels, series)
    assert len(chart.bars) == len(labels) * len(series)
    values = [v for _, vs in series for v in vs]
    assert chart.peak == (max(values, default=0) or 1)
    for bar in chart.bars:
        assert bar.x >= 0
        assert bar.x + bar.width <= WIDTH + 0.02
        assert bar.y >= TOP
        assert close(bar.y + bar.height, PLOT)
        assert close(bar.height, SPAN * bar.value / chart.peak)
    if any(values):
        assert max(bar.height for bar in chart.bars) == SPAN


@relaxed
@given(series_of())
def test_bars_of_one_series_never_overlap_and_keep_the_labels_order(
    data: tuple[list[str], list[tuple[str, list[int]]]],
) -> None:
    labels, series = data
    chart = grouped_bars(labels, series)
    for name, _ in series:
        own = [bar for bar in chart.bars if bar.series == name]
        assert [bar.label for bar in own] == labels
        for left, right in itertools.pairwise(own):
            assert left.x + left.width <= right.x + 0.02


@relaxed
@given(series_of())
def test_line_points_rise_with_their_values_and_move_left_to_right(
    data: tuple[list[str], list[tuple[str, list[int]]]],
) -> None:
    labels, series = data
    chart = line_chart(labels, series)
    assert [line.series for line in chart.lines] == [name for name, _ in series]
    for line, (_, values) in zip(chart.lines, series, strict=True):
        assert [p.value for p in line.points] == values
        xs = [p.x for p in line.points]
        assert xs == sorted(xs)
        assert len(set(xs)) == len(xs)
        for point in line.points:
            assert 0 <= point.x <= WIDTH
            assert TOP <= point.y <= PLOT
            assert close(PLOT - point.y, SPAN * point.value / chart.peak)
        assert len(line.path.split()) == len(values)
    for x, _ in chart.ticks:
        assert TICK_MARGIN <= x <= WIDTH - TICK_MARGIN


def test_a_burndown_of_three_days_draws_from_top_to_the_axis() -> None:
    chart = line_chart(["1", "2", "3"], [("points", [8, 4, 0])])
    [line] = chart.lines
    middle = PLOT - SPAN / 2
    assert [p.y for p in line.points] == [TOP, middle, PLOT]
    assert line.path == f"106.67,{float(TOP)} 320.0,{middle} 533.33,{float(PLOT)}"


@relaxed
@given(st.lists(st.tuples(st.text(min_size=1, max_size=40), counts), max_size=40))
def test_ranked_rows_are_stacked_proportional_and_shares_add_up(
    items: list[tuple[str, int]],
) -> None:
    chart = ranked_bars(items)
    assert chart.height == max(len(items), 1) * ROW
    assert [(row.label, row.value) for row in chart.rows] == items
    room = WIDTH - chart.bar_x
    for index, row in enumerate(chart.rows):
        assert row.y == index * ROW + 3
        assert row.y + chart.bar_height <= chart.height
        assert 0 <= row.width <= room
        assert close(row.width, (WIDTH - chart.bar_x - 56) * row.value / chart.peak)
    if sum(count for _, count in items):
        assert abs(sum(row.share for row in chart.rows) - 100) <= len(items)


@relaxed
@given(st.integers(min_value=1, max_value=10**9))
def test_guide_lines_are_few_round_and_below_the_peak(peak: int) -> None:
    step = level_step(peak)
    assert str(step).strip("0") in ("1", "2", "5")
    found = levels(peak)
    assert 1 <= len(found) <= MAX_LEVELS
    values = [value for _, value in found]
    assert values == [step * (i + 1) for i in range(len(values))]
    assert values[-1] <= peak < values[-1] + step
    for y, value in found:
        assert TOP <= y < PLOT
        assert close(PLOT - y, SPAN * value / peak)


@pytest.mark.parametrize(
    ("peak", "expected"), [(1, [1]), (4, [1, 2, 3, 4]), (7, [2, 4, 6]), (30, [10, 20, 30])]
)
def test_guide_lines_for_small_peaks(peak: int, expected: list[int]) -> None:
    assert [value for _, value in levels(peak)] == expected
