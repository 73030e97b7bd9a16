"""Timesheets: a user's (or a team's) ISO week, days by tasks, with expected hours and
overtime in a time zone; submitted by the user, approved or rejected by their managers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from timetracking_service.application.actors import actor_of
from timetracking_service.application.entries import Caller, UnitOfWorkFactory, zone_of
from timetracking_service.application.ports import (
    Clock,
    TimesheetStep,
    TimeUnitOfWork,
    WeekGrid,
)
from timetracking_service.domain.calendar import DEFAULT_CALENDAR, WeekBalance, week_balance
from timetracking_service.domain.errors import PermissionDenied, UserNotFound, ValidationFailed
from timetracking_service.domain.model import (
    Actor,
    Role,
    Timesheet,
    may_act_for,
    may_decide_timesheet,
)

MAX_REASON_CHARS = 1000


@dataclass(frozen=True, slots=True)
class TimesheetView:
    sheet: Timesheet
    timezone: str
    balance: WeekBalance
    tasks: list[dict[str, Any]]
    """Task rows as the database rendered them (`WeekGrid.tasks`), by title."""


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=offset) for offset in range(7)]


class Timesheets:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = unit_of_work
        self._clock = clock

    def view(
        self, caller: Caller, user_id: uuid.UUID | None, monday: date, zone_name: str | None
    ) -> TimesheetView:
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            owner = user_id or actor.user_id
            if not may_act_for(actor, owner, uow.members.get(owner)):
                raise UserNotFound(str(owner))
            zone = self._zone(uow, actor, zone_name)
            return self.views(uow, [owner], monday, zone)[0]

    def team_view(
        self, caller: Caller, team_id: uuid.UUID, monday: date, zone_name: str | None
    ) -> list[TimesheetView]:
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            if not (actor.role is Role.ADMIN or (actor.is_manager and team_id in actor.team_ids)):
                raise PermissionDenied("Only the team's managers and admins see its week.")
            members = sorted(uow.members.of_team(team_id), key=lambda m: m.user_id)
            zone = self._zone(uow, actor, zone_name)
            return self.views(uow, [m.user_id for m in members], monday, zone)

    def submit(self, caller: Caller, user_id: uuid.UUID | None, monday: date) -> Timesheet:
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            owner = user_id or actor.user_id
            if not may_act_for(actor, owner, uow.members.get(owner)):
                raise UserNotFound(str(owner))
            sheet = uow.timesheets.get(owner, monday, for_update=True)
            sheet.submit(actor.user_id, self._clock.now())
            uow.timesheets.save(sheet)
            uow.commit()
            return sheet

    def decide(
        self,
        caller: Caller,
        user_id: uuid.UUID,
        monday: date,
        *,
        approve: bool,
        reason: str | None = None,
    ) -> Timesheet:
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            member = uow.members.get(user_id)
            if not may_decide_timesheet(actor, member):
                raise PermissionDenied("Managers of the user's team (or admins) decide.")
            sheet = uow.timesheets.get(user_id, monday, for_update=True)
            now = self._clock.now()
            if approve:
                sheet.approve(actor.user_id, now)
            else:
                if not reason or not reason.strip():
                    raise ValidationFailed({"reason": ["A rejection needs a reason."]})
                sheet.reject(actor.user_id, now, reason.strip())
            uow.timesheets.save(sheet)
            uow.commit()
            return sheet

    def unlock(self, caller: Caller, user_id: uuid.UUID, monday: date, reason: str) -> Timesheet:
        """Reopen an approved week (managers of the user's team, admins; never one's own),
        with a reason kept in the history and sent in the event."""
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            if not may_decide_timesheet(actor, uow.members.get(user_id)):
                raise PermissionDenied("Managers of the user's team (or admins) unlock.")
            if not reason.strip():
                raise ValidationFailed({"reason": ["An unlock needs a reason."]})
            sheet = uow.timesheets.get(user_id, monday, for_update=True)
            sheet.unlock(actor.user_id, self._clock.now(), reason.strip())
            uow.timesheets.save(sheet)
            uow.commit()
            return sheet

    def history(
        self, caller: Caller, user_id: uuid.UUID | None, monday: date
    ) -> list[TimesheetStep]:
        """Every step of a week, oldest first: who submitted, approved, rejected, unlocked."""
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            owner = user_id or actor.user_id
            if not may_act_for(actor, owner, uow.members.get(owner)):
                raise UserNotFound(str(owner))
            return uow.timesheets.history(owner, monday)

    def _zone(self, uow: TimeUnitOfWork, actor: Actor, zone_name: str | None) -> ZoneInfo:
        if zone_name:
            return ZoneInfo(zone_name)
        return zone_of(uow.members.get(actor.user_id))

    def views(
        self, uow: TimeUnitOfWork, owners: list[uuid.UUID], monday: date, zone: ZoneInfo
    ) -> list[TimesheetView]:
        """The weeks of `owners` in `zone`, read in the caller's unit of work: one query for
        the cells (aggregated in SQL), one for the timesheets, one for the calendars."""
        days = week_days(monday)
        grids = uow.entries.week_grids(owners, monday, zone.key)
        sheets = uow.timesheets.of_users(owners, monday)
        calendars = uow.calendars.for_users(owners)
        empty = WeekGrid(worked={}, tasks=[])
        views = []
        for owner in owners:
            grid = grids.get(owner, empty)
            calendar = calendars.get(owner, DEFAULT_CALENDAR)
            views.append(
                TimesheetView(
                    sheet=sheets[owner],
                    timezone=zone.key,
                    balance=week_balance(days, grid.worked, calendar),
                    tasks=grid.tasks,
                )
            )
        return views
