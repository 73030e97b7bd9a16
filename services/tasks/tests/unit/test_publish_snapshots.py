"""`publish-snapshots` over the fakes: every calendar and saved team settings, batch by batch,
built like the live events (actor none, the current version); deleted calendars and teams
that never saved settings have none. (The task snapshots, with their status history from the
history log, are tested on PostgreSQL: tests/api/test_event_contracts.py.)"""

from __future__ import annotations

import pytest
from tasks_unit_fakes import Harness

from tasks_service.application import calendar_events as ce
from tasks_service.application.automation import AutomationHandlers
from tasks_service.application.publish_snapshots import PublishSnapshotsHandler
from tasks_service.domain.automation import AutoAssign


class NoJobs:
    def reapply_sla_policies(self) -> None:
        """The SLAs are not what these tests look at."""


def test_every_calendar_and_saved_team_settings_in_batches(harness: Harness) -> None:
    automation = AutomationHandlers(harness.uow, harness.clock, NoJobs())
    boss = harness.store.add_user("manager")
    teams = [harness.store.add_team() for _ in range(3)]
    calendars = [
        automation.create_calendar(boss, {"name": f"C{i}", "timezone": "UTC"}) for i in range(3)
    ]
    automation.update_calendar(boss, calendars[0].id, {"day_end": "18:00"}, None)
    automation.delete_calendar(boss, calendars[2].id, None)
    for team in teams[:2]:
        automation.put_team_settings(boss, team, calendars[0].id, AutoAssign.ROUND_ROBIN)
    written = len(harness.store.state.events)

    counts = PublishSnapshotsHandler(harness.uow, harness.clock)(batch_size=1)

    assert (counts.tasks, counts.calendars, counts.team_settings) == (0, 2, 2)
    snapshots = harness.store.state.events[written:]
    calendar_snapshots = {d["calendar_id"]: d for t, d in snapshots if t == ce.CALENDAR_SNAPSHOT}
    assert set(calendar_snapshots) == {str(calendars[0].id), str(calendars[1].id)}
    first = calendar_snapshots[str(calendars[0].id)]
    assert (first["version"], first["actor_id"], first["day_end"]) == (2, None, "18:00:00")
    settings = [d for t, d in snapshots if t == ce.TEAM_SETTINGS_SNAPSHOT]
    assert sorted(d["team_id"] for d in settings) == sorted(str(team) for team in teams[:2])
    assert {(d["version"], d["actor_id"], d["auto_assign"]) for d in settings} == {
        (1, None, "round_robin")
    }
    assert {t for t, _ in snapshots} == {ce.CALENDAR_SNAPSHOT, ce.TEAM_SETTINGS_SNAPSHOT}


def test_a_batch_size_below_one_is_refused(harness: Harness) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        PublishSnapshotsHandler(harness.uow, harness.clock)(batch_size=0)
