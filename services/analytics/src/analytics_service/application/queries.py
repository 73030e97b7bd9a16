"""The figures the API answers with, read from the counters (never from per-task rows, so a
dashboard costs the same at a million tasks as at a thousand) and checked against who asks."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from analytics_service.application.ports import AnalyticsUnitOfWork, Clock, Figures, HourlyTotals
from analytics_service.domain.errors import InvalidRequest, NotVisible
from analytics_service.domain.model import (
    ALL,
    DIMENSIONS,
    OPEN_STATUSES,
    Scope,
    bucket_upper_minutes,
    hour_of,
)
from analytics_service.domain.visibility import Actor

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@cache
def known_zones() -> frozenset[str]:
    """IANA zone names (a name is checked here, never opened as a path: `Etc` is a
    directory); without the tz database's pseudo-zones, which PostgreSQL may not know."""
    return frozenset(available_timezones() - {"Factory", "localtime", "posixrules"})


@dataclass(frozen=True, slots=True)
class Period:
    """A range of local days `[first, last]` in a time zone."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone).astimezone(UTC)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


@dataclass(frozen=True, slots=True)
class RangeArgs:
    first: date | None = None
    last: date | None = None
    timezone: str | None = None


def percentile_hours(histogram: Mapping[int, int], quantile: float) -> float | None:
    """The bucket bound (hours) under which `quantile` of the cycle times fall."""
    total = sum(histogram.values())
    if total == 0:
        return None
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= quantile * total:
            return round(bucket_upper_minutes(bucket) / 60, 2)
    return None  # pragma: no cover - the loop always reaches the total


class AnalyticsQueries:
    def __init__(self, unit_of_work: Callable[[], AnalyticsUnitOfWork], clock: Clock) -> None:
        self._uow = unit_of_work
        self._clock = clock

    def dashboard(self, actor_id: uuid.UUID, args: RangeArgs) -> dict[str, Any]:
        """The caller's own figures."""
        with self._uow() as uow:
            figures = uow.figures
            actor = figures.actor(actor_id)
            period = self._period(actor, args)
            now = self._clock.now()
            scope = (Scope.USER, actor_id)
            week_end = _next_monday(now.astimezone(period.zone))
            overdue, due_this_week = figures.due_split(*scope, now, week_end)
            last_7, last_30 = figures.completed_since(
                *scope,
                [hour_of(now - timedelta(days=days)) for days in (7, 30)],
                now + timedelta(hours=1),
            )
            return {
                "user_id": actor_id,
                "timezone": period.zone.key,
                "from": period.first,
                "to": period.last,
                "open": _open(figures, *scope),
                "overdue": overdue,
                "due_this_week": due_this_week,
                "done_last_7_days": last_7,
                "done_last_30_days": last_30,
                "per_day": _per_day(figures, scope, period),
            }

    def user(self, actor_id: uuid.UUID, user_id: uuid.UUID, args: RangeArgs) -> dict[str, Any]:
        with self._uow() as uow:
            figures = uow.figures
            actor = figures.actor(actor_id)
            if not actor.can_see_user(user_id) or not (
                user_id == actor_id or figures.user_known(user_id)
            ):
                raise NotVisible("No user with this id is visible to you")
            period = self._period(actor, args)
            scope = (Scope.USER, user_id)
            return {"user_id": user_id, **_performance(figures, scope, period, self._clock.now())}

    def team(
        self,
        actor_id: uuid.UUID,
        team_id: uuid.UUID,
        args: RangeArgs,
        parent_task_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        with self._uow() as uow:
            figures = uow.figures
            actor = figures.actor(actor_id)
            team = figures.team(team_id)
            if team is None or not actor.can_see_team(team_id):
                raise NotVisible("No team with this id is visible to you")
            period = self._period(actor, args)
            scope = (Scope.TEAM, team_id)
            answer: dict[str, Any] = {
                "team_id": team_id,
                "name": team.name,
                **_performance(figures, scope, period, self._clock.now()),
                "velocity": _velocity(figures, scope, period),
                "burndown": None,
            }
            if parent_task_id is not None:
                known, parent_team = figures.task_team(parent_task_id)
                if not known or parent_team != team_id:
                    raise InvalidRequest("parent", "Not a task of this team.")
                answer["burndown"] = _burndown(figures, parent_task_id, period)
            return answer

    def distribution(
        self,
        actor_id: uuid.UUID,
        by: str,
        team_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        """Current tasks (not archived) counted by one dimension, over one scope: a team, a
        user, or everything (managers and admins; a member's default is their own)."""
        if by not in DIMENSIONS:
            raise InvalidRequest("by", f"Must be one of: {', '.join(DIMENSIONS)}.")
        if team_id is not None and user_id is not None:
            raise InvalidRequest("team", "Give a team or a user, not both.")
        with self._uow() as uow:
            figures = uow.figures
            actor = figures.actor(actor_id)
            if team_id is not None:
                if figures.team(team_id) is None or not actor.can_see_team(team_id):
                    raise NotVisible("No team with this id is visible to you")
                scope, scope_id = Scope.TEAM, team_id
            elif user_id is not None:
                if not actor.can_see_user(user_id):
                    raise NotVisible("No user with this id is visible to you")
                scope, scope_id = Scope.USER, user_id
            elif actor.sees_everything:
                scope, scope_id = Scope.ALL, ALL
            else:
                scope, scope_id = Scope.USER, actor_id
            counts = figures.dimension(scope, scope_id, by)
            items = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            return {
                "by": by,
                "scope": scope,
                "scope_id": None if scope == Scope.ALL else scope_id,
                "total": sum(counts.values()),
                "items": [{"key": key, "count": count} for key, count in items],
            }

    def _period(self, actor: Actor, args: RangeArgs) -> Period:
        profile_zone = actor.timezone if actor.timezone in known_zones() else "UTC"
        name = args.timezone or profile_zone
        if name not in known_zones():
            raise InvalidRequest("tz", "Not a known IANA time zone.")
        zone = ZoneInfo(name)
        today = self._clock.now().astimezone(zone).date()
        last = args.last or today
        first = args.first or last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if first > last:
            raise InvalidRequest("from", "Must not be after `to`.")
        if (last - first).days >= MAX_RANGE_DAYS:
            raise InvalidRequest("from", f"The range spans at most {MAX_RANGE_DAYS} days.")
        return Period(first, last, zone)


def _open(figures: Figures, scope: str, scope_id: uuid.UUID) -> int:
    statuses = figures.dimension(scope, scope_id, "status")
    return sum(count for status, count in statuses.items() if status in OPEN_STATUSES)


def _per_day(
    figures: Figures, scope: tuple[str, uuid.UUID], period: Period
) -> list[dict[str, Any]]:
    sums = figures.per_period(*scope, period.start, period.end, period.zone.key, "day")
    return [
        {
            "date": day,
            "created": sums.get(day, HourlyTotals()).created,
            "completed": sums.get(day, HourlyTotals()).completed,
        }
        for day in period.days()
    ]


def _performance(
    figures: Figures, scope: tuple[str, uuid.UUID], period: Period, now: datetime
) -> dict[str, Any]:
    totals = figures.totals(*scope, period.start, period.end)
    # Histogram days are UTC: the range is widened to the UTC days it touches.
    histogram = figures.cycle_histogram(*scope, period.start.date(), period.end.date())
    on_time = (
        round(totals.completed_on_time / totals.completed_with_due, 4)
        if totals.completed_with_due
        else None
    )
    return {
        "timezone": period.zone.key,
        "from": period.first,
        "to": period.last,
        "created": totals.created,
        "throughput": totals.completed,
        "story_points_completed": totals.points_completed,
        "cycle_time_hours": {
            "p50": percentile_hours(histogram, 0.5),
            "p85": percentile_hours(histogram, 0.85),
            "samples": sum(histogram.values()),
        },
        "on_time_rate": on_time,
        "open_load": _open(figures, *scope),
        "overdue": figures.open_due(*scope, None, now),
        "per_day": _per_day(figures, scope, period),
    }


def _velocity(figures: Figures, scope: tuple[str, uuid.UUID], period: Period) -> dict[str, Any]:
    sums = figures.per_period(*scope, period.start, period.end, period.zone.key, "week")
    monday = period.first - timedelta(days=period.first.weekday())
    weeks: list[dict[str, Any]] = []
    while monday <= period.last:
        week = sums.get(monday, HourlyTotals())
        weeks.append(
            {"week_start": monday, "story_points": week.points_completed, "tasks": week.completed}
        )
        monday += timedelta(days=7)
    count = len(weeks)
    return {
        "story_points_per_week": round(sum(w["story_points"] for w in weeks) / count, 2),
        "tasks_per_week": round(sum(w["tasks"] for w in weeks) / count, 2),
        "weeks": weeks,
    }


def _burndown(figures: Figures, parent_id: uuid.UUID, period: Period) -> dict[str, Any]:
    """What remains of a parent's subtasks at the end of each day (points and count)."""
    scope = (Scope.PARENT, parent_id)
    before = figures.totals(*scope, EPOCH, period.start)
    points = before.points_created - before.points_completed
    count = before.created - before.completed
    sums = figures.per_period(*scope, period.start, period.end, period.zone.key, "day")
    days = []
    for day in period.days():
        moved = sums.get(day, HourlyTotals())
        points += moved.points_created - moved.points_completed
        count += moved.created - moved.completed
        days.append({"date": day, "remaining_story_points": points, "remaining_tasks": count})
    return {"parent_task_id": parent_id, "days": days}


def _next_monday(local_now: datetime) -> datetime:
    days = 7 - local_now.weekday()
    start = datetime.combine(local_now.date() + timedelta(days=days), time(), local_now.tzinfo)
    return start.astimezone(UTC)
