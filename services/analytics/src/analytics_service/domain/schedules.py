"""Weekly report schedules per team: when a week's report is due, who may schedule one, and
who may receive its link.

A schedule names a slot (ISO weekday, hour, IANA time zone). A week's *period* is the local
date of its slot; the report of that period is made once the slot has passed, and only for
slots after the schedule was made or last changed (no burst of past weeks). The run row
(schedule, period) is the exactly-once key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from analytics_service.domain.visibility import Actor

SCHEDULE_KINDS = ("team_performance", "tasks")
CATCH_UP = timedelta(days=1)
"""A slot missed by longer than this (beat down for days) is skipped, not sent late."""


@dataclass(frozen=True, slots=True)
class Person:
    """Someone a link may be sent to (from the users replica)."""

    id: uuid.UUID
    role: str
    is_active: bool
    email: str | None
    team_ids: frozenset[uuid.UUID]

    def may_receive(self, team_id: uuid.UUID) -> bool:
        """Who may see the team's figures (ADR 0021's visibility) may get its report."""
        return self.is_active and (self.role in ("manager", "admin") or team_id in self.team_ids)


def may_schedule(actor: Actor, team_id: uuid.UUID) -> bool:
    """Admins, and the managers who are members of the team."""
    return actor.role == "admin" or (actor.role == "manager" and team_id in actor.team_ids)


@dataclass(slots=True)
class ReportSchedule:
    id: uuid.UUID
    team_id: uuid.UUID
    created_by: uuid.UUID
    kind: str
    format: str
    weekday: int
    """ISO: Monday 1 … Sunday 7."""
    hour: int
    timezone: str
    recipient_ids: tuple[uuid.UUID, ...] | None
    """None: the team's managers at sending time."""
    created_at: datetime
    updated_at: datetime
    version: int = field(default=1)

    def slot_on_or_before(self, now: datetime) -> datetime:
        """The latest slot (UTC) not after `now`."""
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        day = local.date() - timedelta(days=(local.isoweekday() - self.weekday) % 7)
        slot = datetime.combine(day, time(self.hour), zone).astimezone(UTC)
        if slot > now:
            slot = datetime.combine(day - timedelta(days=7), time(self.hour), zone).astimezone(UTC)
        return slot

    def due_period(self, now: datetime) -> date | None:
        """The period whose report is due at `now`, if any (claimed once by the job)."""
        slot = self.slot_on_or_before(now)
        if slot < self.updated_at or now - slot > CATCH_UP:
            return None
        return slot.astimezone(ZoneInfo(self.timezone)).date()

    def next_run_at(self, now: datetime) -> datetime:
        after = max(now, self.updated_at)
        return self.slot_on_or_before(after + timedelta(days=7))

    def report_params(self, period: date) -> dict[str, str]:
        """The week before the slot's day, in the schedule's time zone."""
        params = {"team_id": str(self.team_id)}
        if self.kind == "team_performance":
            params |= {
                "from": (period - timedelta(days=7)).isoformat(),
                "to": (period - timedelta(days=1)).isoformat(),
                "tz": self.timezone,
            }
        return params


@dataclass(frozen=True, slots=True)
class ScheduleRun:
    schedule_id: uuid.UUID
    period: date
    report_id: uuid.UUID
    created_at: datetime
