"""SLA policies and the tasks' SLA clocks (ADR 0020).

- `SlaPolicyHandlers`: managers and admins keep the policies; every change enqueues the
  re-apply job after its commit.
- `follow_slas` (sla_tracking): on every change of a task, in the same transaction.
- `EscalateSlas` (beat, every 30 s): the tasks whose next SLA instant has come are evaluated
  again; entering `at_risk` announces it to the assignees, `breached` raises the priority and
  tells the team's managers, each once (flags on the SLA row, in the task's transaction).
- `ReapplySlaPolicies` (after a policy or calendar change): every running clock evaluated
  again under the policies as they are now; evaluating twice gives the same rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from taskhive_shared.ids import uuid7
from tasks_service.application.cursors import as_str, as_uuid, check_limit, decode, encode
from tasks_service.application.ports import Clock, TasksUnitOfWork, UnitOfWorkFactory
from tasks_service.application.results import Page
from tasks_service.application.task_access import load_actor
from tasks_service.domain.automation import check_may_automate
from tasks_service.domain.calendar import WorkingCalendar
from tasks_service.domain.errors import NotFound, StaleVersion, ValidationFailed
from tasks_service.domain.model import Task
from tasks_service.domain.sla import Escalation, SlaPolicy, TaskSla, select_policy

_CURSOR_SPEC = "sla-policies"
ESCALATE_SLAS = "tasks.escalate_slas"
REAPPLY_SLA_POLICIES = "tasks.reapply_sla_policies"
BATCH = 500


class PolicyNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("SLA policy")


class SlaJobs(Protocol):
    """Hands the re-apply job to the queue (Celery; in-process when embedded)."""

    def reapply_sla_policies(self) -> None: ...


def _check_team(uow: TasksUnitOfWork, values: Mapping[str, Any]) -> None:
    team_id = values.get("team_id")
    if isinstance(team_id, uuid.UUID) and not uow.replica.team_exists(team_id):
        raise ValidationFailed.single("team_id", "No team has this id.")


@dataclass(frozen=True, slots=True)
class SlaPolicyHandlers:
    uow: UnitOfWorkFactory
    clock: Clock
    jobs: SlaJobs

    def create(self, actor_id: uuid.UUID, values: Mapping[str, Any]) -> SlaPolicy:
        with self.uow() as uow:
            check_may_automate(load_actor(uow, actor_id))
            _check_team(uow, values)
            policy = SlaPolicy.create(
                policy_id=uuid7(), values=values, created_by=actor_id, at=self.clock.now()
            )
            uow.automation.add_policy(policy)
            uow.after_commit(self.jobs.reapply_sla_policies)
            uow.commit()
        return policy

    def update(
        self,
        actor_id: uuid.UUID,
        policy_id: uuid.UUID,
        values: Mapping[str, Any],
        expected_version: int | None = None,
    ) -> SlaPolicy:
        with self.uow() as uow:
            check_may_automate(load_actor(uow, actor_id))
            policy = self._locked(uow, policy_id, expected_version)
            _check_team(uow, values)
            read_version = policy.version
            if policy.update(values, self.clock.now()):
                uow.automation.save_policy(policy, expected_version=read_version)
                uow.after_commit(self.jobs.reapply_sla_policies)
                uow.commit()
        return policy

    def delete(
        self, actor_id: uuid.UUID, policy_id: uuid.UUID, expected_version: int | None = None
    ) -> None:
        with self.uow() as uow:
            check_may_automate(load_actor(uow, actor_id))
            self._locked(uow, policy_id, expected_version)
            uow.automation.delete_policy(policy_id)
            uow.after_commit(self.jobs.reapply_sla_policies)
            uow.commit()

    @staticmethod
    def _locked(
        uow: TasksUnitOfWork, policy_id: uuid.UUID, expected_version: int | None
    ) -> SlaPolicy:
        policy = uow.automation.policy(policy_id, for_update=True)
        if policy is None:
            raise PolicyNotFound()
        if expected_version not in (None, policy.version):
            raise StaleVersion(policy.version)
        return policy

    def get(self, actor_id: uuid.UUID, policy_id: uuid.UUID) -> SlaPolicy:
        with self.uow() as uow:
            load_actor(uow, actor_id)
            policy = uow.automation.policy(policy_id)
        if policy is None:
            raise PolicyNotFound()
        return policy

    def page(self, actor_id: uuid.UUID, limit: int, cursor: str | None) -> Page[SlaPolicy]:
        check_limit(limit)
        after = None
        if cursor is not None:
            name, last_id = decode(cursor, _CURSOR_SPEC, (as_str, as_uuid))
            after = (name, last_id)
        with self.uow() as uow:
            load_actor(uow, actor_id)
            rows = uow.automation.policy_page(after, limit + 1)
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode(_CURSOR_SPEC, (items[-1].name, items[-1].id))
        return Page(items=items, next_cursor=next_cursor)


@dataclass(frozen=True, slots=True)
class EscalateSlas:
    uow: UnitOfWorkFactory
    clock: Clock
    batch: int = BATCH

    def __call__(self, now: datetime | None = None) -> dict[str, int]:
        """Evaluate the tasks whose SLA instant has come; announce what they entered.

        Per batch, a few statements whatever its size: the tasks locked and loaded, their
        SLA rows, calendars and managers read, then (at commit) the SLA rows, task rows,
        history, outbox and scores written in one statement each."""
        now = now or self.clock.now()
        counts = {"evaluated": 0, "at_risk": 0, "breached": 0}
        while True:
            with self.uow() as uow:
                ids = uow.automation.due_slas(now, self.batch)
                if not ids:
                    return counts
                # The tasks' locks first, then their SLA rows: the order every writer takes.
                # A second run waits here for the first one's commit, then reads its flags.
                tasks = uow.tasks.get_many_for_update(ids)
                slas = uow.automation.task_slas([task.id for task in tasks])
                teams = {task.team_id for task in tasks}
                calendars = uow.automation.working_calendars(teams)
                managers = uow.automation.managers_of(teams)
                policies = uow.automation.policies()
                evaluated = []
                for task in tasks:
                    sla = slas.get(task.id)
                    if sla is None:
                        continue
                    escalated = _escalate(
                        task,
                        sla,
                        policies,
                        calendars[task.team_id],
                        managers.get(task.team_id, []) if task.team_id else [],
                        now,
                    )
                    evaluated.append(sla)
                    if escalated is not None:
                        counts[escalated.value] += 1
                counts["evaluated"] += len(ids)
                uow.automation.save_task_slas(evaluated)
                uow.commit()


def _escalate(
    task: Task,
    sla: TaskSla,
    policies: list[SlaPolicy],
    calendar: WorkingCalendar,
    managers: list[uuid.UUID],
    now: datetime,
) -> Escalation | None:
    """Evaluate one task's SLA; the aggregate records what it entered, at most once per entry
    (the flags are written with the SLA row, in the same transaction)."""
    policy = (
        None
        if task.is_archived
        else select_policy(policies, sla.priority_for(task.priority), task.team_id, task.tags)
    )
    sla.reevaluate(policy, calendar, now)
    escalation, status = sla.pending_escalation(), sla.status
    if escalation is Escalation.AT_RISK and status is not None:
        task.sla_at_risk(status.policy_id, status.response_due, status.resolution_due, now)
        sla.at_risk_notified = True
    elif escalation is Escalation.BREACHED and status is not None:
        sla.matched_priority = sla.priority_for(task.priority)
        task.escalate_sla_breach(
            status.policy_id, status.response_due, status.resolution_due, managers, now
        )
        sla.at_risk_notified = sla.breached_notified = True
    return escalation


@dataclass(frozen=True, slots=True)
class ReapplySlaPolicies:
    uow: UnitOfWorkFactory
    clock: Clock
    batch: int = BATCH

    def __call__(self, now: datetime | None = None) -> dict[str, int]:
        """Every running SLA clock evaluated under today's policies and calendars; per batch
        the tasks and SLA rows read, and the rows written, in one statement each."""
        now = now or self.clock.now()
        after: uuid.UUID | None = None
        changed = 0
        while True:
            with self.uow() as uow:
                ids = uow.automation.open_slas_after(after, self.batch)
                if not ids:
                    return {"evaluated": changed}
                after = ids[-1]
                policies = uow.automation.policies()
                subjects = uow.automation.sla_subjects(ids)
                slas = uow.automation.task_slas([subject.task_id for subject in subjects])
                calendars = uow.automation.working_calendars(s.team_id for s in subjects)
                evaluated = []
                for subject in subjects:
                    sla = slas.get(subject.task_id)
                    if sla is None:
                        continue
                    priority = sla.priority_for(subject.priority)
                    policy = select_policy(policies, priority, subject.team_id, subject.tags)
                    sla.reevaluate(policy, calendars[subject.team_id], now)
                    evaluated.append(sla)
                uow.automation.save_task_slas(evaluated)
                changed += len(evaluated)
                uow.commit()
