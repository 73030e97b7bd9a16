"""A rebuild from snapshots into fresh tables, switched in, equals the model the live events
built incrementally; events arriving while it collects reach both generations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from analytics_service.bootstrap import build_rebuild
from analytics_service.config import AnalyticsSettings
from analytics_service.domain.errors import NoRebuildCollecting
from services.analytics.tests.events import T0, TaskScript, hours
from taskhive_shared.events.consumer import Outcome
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.ids import uuid7


def two_phases() -> tuple[list[EventEnvelope], list[EventEnvelope], list[TaskScript]]:
    """Events before a rebuild starts, events while it collects, and the tasks."""
    alice, team = uuid7(), uuid7()
    first = TaskScript(created_by=alice, team_id=str(team), story_points=3, tags=["a"])
    second = TaskScript(
        created_by=alice,
        team_id=str(team),
        parent_task_id=str(first.task_id),
        due_date=(T0 + hours(30)).isoformat(),
    )
    before = [
        first.created(T0),
        first.assigned(T0 + hours(1), alice),
        first.moved("in_progress", T0 + hours(2)),
        second.created(T0 + hours(3)),
        second.moved("blocked", T0 + hours(4)),
    ]
    during = [
        second.moved("in_progress", T0 + hours(20)),
        first.moved("done", T0 + hours(26)),
        second.moved("done", T0 + hours(40)),
        second.moved("in_review", T0 + hours(41)),
    ]
    return before, during, [first, second]


def test_a_rebuild_from_snapshots_equals_the_incremental_model(
    deliver: Callable[[EventEnvelope], Outcome],
    clean_model: Callable[[], None],
    model_dump: Callable[[], dict[str, Any]],
    analytics_settings: AnalyticsSettings,
) -> None:
    before, during, scripts = two_phases()
    clean_model()
    for envelope in before + during:
        deliver(envelope)
    incremental = model_dump()

    clean_model()
    rebuild = build_rebuild(analytics_settings)
    for envelope in before:
        deliver(envelope)
    rebuild.start()
    assert rebuild.state() == "collecting"
    for envelope in during:
        deliver(envelope)
    for script in scripts:
        deliver(script.snapshot(T0 + timedelta(days=5)))
    rebuild.switch()
    assert rebuild.state() == "idle"
    assert model_dump() == incremental
    # The live model goes on after the switch.
    for envelope in before[:2]:
        assert deliver(envelope) is Outcome.DUPLICATE


def test_switch_without_start_is_refused(analytics_settings: AnalyticsSettings) -> None:
    rebuild = build_rebuild(analytics_settings)
    with pytest.raises(NoRebuildCollecting):
        rebuild.switch()
    rebuild.start()
    rebuild.abort()
    assert rebuild.state() == "idle"
