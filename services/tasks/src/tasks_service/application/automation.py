"""Working calendars and team automation settings: managers and admins change them, every
user reads them (ADR 0020)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from taskhive_shared.ids import uuid7
from tasks_service.application.calendar_events import (
    CALENDAR_CREATED,
    CALENDAR_UPDATED,
    record_calendar,
    record_calendar_deleted,
    record_team_settings,
)
from tasks_service.application.cursors import as_str, as_uuid, check_limit, decode, encode
from tasks_service.application.ports import Clock, TasksUnitOfWork, UnitOfWorkFactory
from tasks_service.application.results import Page
from tasks_service.application.task_access import load_actor
from tasks_service.domain.automation import (
    AutoAssign,
    Calendar,
    TeamSettings,
    check_may_automate,
    pick_assignee,
)
from tasks_service.domain.errors import Conflict, NotFound, StaleVersion, ValidationFailed

_CURSOR_SPEC = "calendars"


class CalendarNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("calendar")


class TeamNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("team")


class SlaReapplier(Protocol):
    """Enqueues the SLA re-apply job (the SLA due times follow a calendar's change)."""

    def reapply_sla_policies(self) -> None: ...


@dataclass(frozen=True, slots=True)
class AutomationHandlers:
    uow: UnitOfWorkFactory
    clock: Clock
    jobs: SlaReapplier | None = None
    """None: nothing to enqueue (tests of calendars alone)."""

    def _reapply_after_commit(self, uow: TasksUnitOfWork) -> None:
        if self.jobs is not None:
            uow.after_commit(self.jobs.reapply_sla_policies)

    def create_calendar(self, actor_id: uuid.UUID, values: Mapping[str, Any]) -> Calendar:
        with self.uow() as uow:
            check_may_automate(load_actor(uow, actor_id))
            calendar = Calendar.create(
                calendar_id=uuid7(), values=values, created_by=actor_id, at=self.clock.now()
            )
            uow.automation.add_calendar(calendar)
            record_calendar(uow, CALENDAR_CREATED, calendar, actor_id)
            uow.commit()
        return calendar

    def update_calendar(
        self,
        actor_id: uuid.UUID,
        calendar_id: uuid.UUID,
        values: Mapping[str, Any],
        expected_version: int | None = None,
    ) -> Calendar:
        with self.uow() as uow:
            check_may_automate(load_actor(uow, actor_id))
            calendar = uow.automation.calendar(calendar_id, for_update=True)
            if calendar is None:
                raise CalendarNotFound()
            if expected_version not in (None, calendar.version):
                raise StaleVersion(calendar.version)
            read_version = calendar.version
            if calendar.update(values, self.clock.now()):
                uow.automation.save_calendar(calendar, expected_version=read_version)
                record_calendar(uow, CALENDAR_UPDATED, calendar, actor_id)
                self._reapply_after_commit(uow)
                uow.commit()
        return calendar

    def delete_calendar(
        self, actor_id: uuid.UUID, calendar_id: uuid.UUID, expected_version: int | None = None
    ) -> None:
        with self.uow() as uow:
            check_may_automate(load_actor(uow, actor_id))
            calendar = uow.automation.calendar(calendar_id, for_update=True)
            if calendar is None:
                raise CalendarNotFound()
            if expected_version not in (None, calendar.version):
                raise StaleVersion(calendar.version)
            if uow.automation.calendar_in_use(calendar_id):
                raise Conflict("Teams work this calendar; give them another one first.")
            uow.automation.delete_calendar(calendar_id)
            record_calendar_deleted(uow, calendar, actor_id, self.clock.now())
            uow.commit()

    def calendar(self, actor_id: uuid.UUID, calendar_id: uuid.UUID) -> Calendar:
        with self.uow() as uow:
            load_actor(uow, actor_id)
            calendar = uow.automation.calendar(calendar_id)
        if calendar is None:
            raise CalendarNotFound()
        return calendar

    def calendars(self, actor_id: uuid.UUID, limit: int, cursor: str | None) -> Page[Calendar]:
        check_limit(limit)
        after = None
        if cursor is not None:
            name, last_id = decode(cursor, _CURSOR_SPEC, (as_str, as_uuid))
            after = (name, last_id)
        with self.uow() as uow:
            load_actor(uow, actor_id)
            rows = uow.automation.calendar_page(after, limit + 1)
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode(_CURSOR_SPEC, (items[-1].name, items[-1].id))
        return Page(items=items, next_cursor=next_cursor)

    def team_settings(self, actor_id: uuid.UUID, team_id: uuid.UUID) -> TeamSettings:
        with self.uow() as uow:
            load_actor(uow, actor_id)
            if not uow.replica.team_exists(team_id):
                raise TeamNotFound()
            return uow.automation.team_settings(team_id)

    def put_team_settings(
        self,
        actor_id: uuid.UUID,
        team_id: uuid.UUID,
        calendar_id: uuid.UUID | None,
        auto_assign: AutoAssign,
        expected_version: int | None = None,
    ) -> TeamSettings:
        with self.uow() as uow:
            check_may_automate(load_actor(uow, actor_id))
            if not uow.replica.team_exists(team_id):
                raise TeamNotFound()
            if calendar_id is not None and uow.automation.calendar(calendar_id) is None:
                raise ValidationFailed.single("calendar_id", "No calendar has this id.")
            settings = uow.automation.team_settings(team_id, for_update=True)
            if expected_version not in (None, settings.version):
                raise StaleVersion(settings.version)
            read_version = settings.version
            calendar_changed = calendar_id != settings.calendar_id
            if settings.replace_with(calendar_id, auto_assign, self.clock.now()):
                uow.automation.save_team_settings(settings, expected_version=read_version)
                record_team_settings(uow, settings, actor_id, self.clock.now())
                if calendar_changed:
                    self._reapply_after_commit(uow)
                uow.commit()
        return settings


def auto_assignee(uow: TasksUnitOfWork, team_id: uuid.UUID) -> uuid.UUID | None:
    """The member a new task of the team gets when it has none (its settings' rule). The
    team's settings row stays locked until the commit, so concurrent creates in one team
    pick one after the other, each seeing the assignments before it."""
    settings = uow.automation.team_settings(team_id, for_update=True)
    if settings.auto_assign is AutoAssign.OFF:
        return None
    candidates = uow.automation.assignment_candidates(team_id)
    picked = pick_assignee(settings.auto_assign, candidates, settings.last_assigned_id)
    if picked is not None:
        uow.automation.record_auto_assignment(team_id, picked)
    return picked
