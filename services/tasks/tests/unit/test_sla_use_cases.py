"""SLA over time with a controllable clock: targets in working hours, at risk at 75 %,
breach escalation exactly once, the pause while blocked, policies re-applied."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from tasks_unit_fakes import Harness, create_task, patch

from tasks_service.application import integration as ie
from tasks_service.application.automation import AutomationHandlers
from tasks_service.application.sla import EscalateSlas, ReapplySlaPolicies, SlaPolicyHandlers
from tasks_service.domain.automation import AutoAssign
from tasks_service.domain.errors import PermissionDenied, ValidationFailed
from tasks_service.domain.sla import SlaState, SlaStatus

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


class RecordedJobs:
    def __init__(self) -> None:
        self.reapplied = 0

    def reapply_sla_policies(self) -> None:
        self.reapplied += 1


class Sla:
    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.jobs = RecordedJobs()
        self.policies = SlaPolicyHandlers(harness.uow, harness.clock, self.jobs)
        self.escalate = EscalateSlas(harness.uow, harness.clock)
        self.reapply = ReapplySlaPolicies(harness.uow, harness.clock)
        self.automation = AutomationHandlers(harness.uow, harness.clock, self.jobs)
        self.manager = harness.store.add_user("manager")

    def set_time(self, moment: datetime) -> None:
        """The next reading is `moment` (the fake clock ticks a second per reading)."""
        self.harness.clock.at = moment - timedelta(seconds=1)

    def policy(self, **values: object) -> uuid.UUID:
        body = {
            "name": "High",
            "priorities": ["high"],
            "response_hours": Decimal(2),
            "resolution_hours": Decimal(16),
        } | values
        return self.policies.create(self.manager, body).id

    def status(self, task_id: uuid.UUID) -> SlaStatus | None:
        return self.harness.store.state.slas[task_id].status

    def events(self, event_type: str) -> list[dict[str, object]]:
        return [data for kind, data in self.harness.store.state.events if kind == event_type]


@pytest.fixture
def sla(harness: Harness) -> Sla:
    return Sla(harness)


def test_a_task_runs_through_at_risk_to_a_breach_escalated_once(sla: Sla) -> None:
    harness = sla.harness
    team = uuid.uuid4()
    boss = harness.store.add_user("manager", team)
    ann = harness.store.add_user("member", team)
    sla.policy()
    sla.set_time(MONDAY_9)
    task_id = create_task(harness, ann, priority="high", team_id=team, assignees=[ann])
    status = sla.status(task_id)
    assert status is not None
    assert status.state is SlaState.ON_TRACK
    assert status.response_due == at(7, 11, 0)
    assert status.resolution_due == at(8, 17, 0)  # 16 working hours: Monday and Tuesday

    assert sla.escalate(at(7, 10, 29)) == {"evaluated": 0, "at_risk": 0, "breached": 0}
    assert sla.escalate(at(7, 10, 31))["at_risk"] == 1
    assert sla.status(task_id).state is SlaState.AT_RISK  # type: ignore[union-attr]
    assert sla.escalate(at(7, 10, 45))["at_risk"] == 0  # announced once
    [risk] = sla.events(ie.TASK_SLA_AT_RISK)
    assert risk["assignee_ids"] == [str(ann)]

    report = sla.escalate(at(7, 11, 0))
    assert report["breached"] == 1
    task = harness.store.state.tasks[task_id]
    assert task.priority == "urgent"
    # The raise keeps the task under its (high-priority) policy.
    assert sla.status(task_id).state is SlaState.BREACHED  # type: ignore[union-attr]
    [breach] = sla.events(ie.TASK_SLA_BREACHED)
    assert breach["old_priority"] == "high"
    assert breach["escalated_to"] == [str(boss)]
    assert harness.store.state.history[-1].action == "sla_breached"
    assert harness.store.state.history[-1].changes["automatic"]["new"] == "sla_breached"
    # The job running again (or a second worker) announces nothing more.
    assert sla.escalate(at(7, 11, 1)) == {"evaluated": 0, "at_risk": 0, "breached": 0}
    assert len(sla.events(ie.TASK_SLA_BREACHED)) == 1


def test_the_clock_pauses_while_blocked_and_stops_when_done(sla: Sla) -> None:
    harness = sla.harness
    ann = harness.store.add_user()
    sla.policy()
    sla.set_time(MONDAY_9)
    task_id = create_task(harness, ann, priority="high")
    sla.set_time(at(7, 10))
    patch(harness, ann, task_id, status="in_progress")
    sla.set_time(at(7, 12))
    patch(harness, ann, task_id, status="blocked")
    assert sla.status(task_id).state is SlaState.PAUSED  # type: ignore[union-attr]
    # Blocked past the original resolution target: no breach while paused.
    assert sla.escalate(at(9, 12))["breached"] == 0
    sla.set_time(at(9, 12))
    patch(harness, ann, task_id, status="in_progress")
    status = sla.status(task_id)
    assert status is not None
    # Paused Mon 12-17, Tue 9-17, Wed 9-12: 16 working hours move the target out.
    assert status.resolution_due == at(10, 17)
    assert (status.state, status.next_check_at) == (SlaState.ON_TRACK, at(10, 13))  # 75 %
    sla.set_time(at(10, 16))
    patch(harness, ann, task_id, status="done")
    assert sla.status(task_id).state is SlaState.MET  # type: ignore[union-attr]
    assert sla.escalate(at(11, 9))["evaluated"] == 0


def test_a_new_or_changed_policy_reapplies_to_open_tasks(sla: Sla) -> None:
    harness = sla.harness
    ann = harness.store.add_user()
    sla.set_time(MONDAY_9)
    task_id = create_task(harness, ann, priority="low", tags=["Billing"])
    assert sla.status(task_id) is None
    policy_id = sla.policy(priorities=["low"], tag="billing", response_hours=Decimal(1))
    assert sla.jobs.reapplied == 1
    sla.reapply(at(7, 11))
    status = sla.status(task_id)
    assert status is not None
    assert (status.policy_id, status.state) == (policy_id, SlaState.BREACHED)
    sla.policies.update(sla.manager, policy_id, {"response_hours": Decimal(4)})
    assert sla.jobs.reapplied == 2
    sla.reapply(at(7, 11))
    sla.reapply(at(7, 11))  # idempotent
    assert sla.status(task_id).state is SlaState.ON_TRACK  # type: ignore[union-attr]
    sla.policies.delete(sla.manager, policy_id)
    sla.reapply(at(7, 11))
    assert sla.status(task_id) is None


def test_the_most_specific_policy_governs_and_the_team_calendar_counts(sla: Sla) -> None:
    harness = sla.harness
    team = harness.store.add_team()
    ann = harness.store.add_user("member", team)
    calendar = sla.automation.create_calendar(
        sla.manager,
        {"name": "Late", "timezone": "Europe/Berlin", "day_start": "13:00", "day_end": "17:00"},
    )
    sla.automation.put_team_settings(sla.manager, team, calendar.id, AutoAssign.OFF)
    assert sla.jobs.reapplied == 1  # the team's SLAs follow its new calendar
    sla.policy(name="Everyone", response_hours=Decimal(1))
    team_policy = sla.policy(name="Team", team_id=team, response_hours=Decimal(2))
    sla.set_time(MONDAY_9)
    task_id = create_task(harness, ann, priority="high", team_id=team)
    status = sla.status(task_id)
    assert status is not None
    assert status.policy_id == team_policy
    # Berlin 13:00-17:00 is 12:00-16:00 UTC in December: two hours from noon.
    assert status.response_due == at(7, 14)


def test_only_staff_keep_policies_and_bad_values_are_named(sla: Sla) -> None:
    ann = sla.harness.store.add_user()
    with pytest.raises(PermissionDenied):
        sla.policies.create(ann, {"name": "x"})
    with pytest.raises(ValidationFailed) as refused:
        sla.policies.create(
            sla.manager,
            {"name": "x", "priorities": ["soon"], "response_hours": 0, "resolution_hours": 1},
        )
    assert set(refused.value.errors) == {"priorities", "response_hours"}
    with pytest.raises(ValidationFailed) as backwards:
        sla.policy(response_hours=Decimal(5), resolution_hours=Decimal(4))
    assert set(backwards.value.errors) == {"resolution_hours"}
