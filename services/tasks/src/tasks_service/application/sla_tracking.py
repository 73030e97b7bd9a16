"""Every change of a task brings its SLA up to date in the same transaction (ADR 0020):
its clock follows the status, and the policy that now matches is evaluated at the change's
instant. Called by `record_changes`, so every path that saves a task passes here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tasks_service.application.ports import TasksUnitOfWork
from tasks_service.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar
from tasks_service.domain.events import (
    StatusChanged,
    TaskArchived,
    TaskCreated,
    TaskEdited,
    TaskEvent,
    TaskRestored,
)
from tasks_service.domain.model import Task
from tasks_service.domain.sla import SlaClock, SlaPolicy, TaskSla, select_policy

_SLA_FIELDS = frozenset({"status", "priority", "team_id", "tags"})


def _concerns_sla(event: TaskEvent) -> bool:
    match event:
        # Not SlaBreached: its priority raise keeps the policy (matched_priority), and the
        # escalation job has just evaluated the task.
        case TaskCreated() | StatusChanged() | TaskArchived() | TaskRestored():
            return True
        case TaskEdited(changes=changes):
            return any(change.field in _SLA_FIELDS for change in changes)
    return False


def _sets_priority(event: TaskEvent) -> bool:
    """A person (not the breach escalation) chose the priority."""
    return isinstance(event, TaskEdited) and any(c.field == "priority" for c in event.changes)


def calendar_of(uow: TasksUnitOfWork, team_id: uuid.UUID | None) -> WorkingCalendar:
    return uow.automation.working_calendar(team_id) or DEFAULT_CALENDAR


def follow_slas(uow: TasksUnitOfWork, saved: Iterable[tuple[Task, list[TaskEvent]]]) -> None:
    """Bring the SLA of every task that just changed in a way that matters up to date."""
    policies: list[SlaPolicy] | None = None
    for task, events in saved:
        relevant = [event for event in events if _concerns_sla(event)]
        if not relevant:
            continue
        at = relevant[-1].at
        if policies is None:
            policies = uow.automation.policies()
        calendar = calendar_of(uow, task.team_id)
        # A task created in this transaction has no SLA record yet: no lookup for it.
        created = any(isinstance(event, TaskCreated) for event in events)
        sla = None if created else uow.automation.task_sla(task.id)
        if sla is None:
            sla = TaskSla(clock=SlaClock.start(task.id, task.status, task.created_at))
        sla.clock.follow(task.status, at, calendar)
        if any(_sets_priority(event) for event in relevant):
            sla.matched_priority = None
        policy = (
            None
            if task.is_archived
            else select_policy(policies, sla.priority_for(task.priority), task.team_id, task.tags)
        )
        sla.reevaluate(policy, calendar, at)
        uow.automation.save_task_sla(sla)
