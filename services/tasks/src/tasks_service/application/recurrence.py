"""Recurring tasks (ADR 0020): reading the RRULE with python-dateutil, and making the next
occurrence exactly once.

The rule is read in local wall time of the task's calendar zone (so "every Monday 09:00"
stays 09:00 across DST changes). `from_due_date` counts from the occurrence's due date (its
creation time without one), `from_completion` from the instant it was done. A day RFC 5545
skips is skipped (BYMONTHDAY=31 in April); BYMONTHDAY=-1 is a month's last day.

The next occurrence is made when an occurrence is done (in the same transaction, from
`record_changes`), or, for `from_due_date`, by a job once its next date has come. Either way
under the task's row lock, and only while `next_occurrence_id` is unset: a second run, a
second worker or a crash between the two makes nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil.rrule import rrule, rrulestr

from taskhive_shared.ids import uuid7
from tasks_service.application.ports import Clock, TasksUnitOfWork, UnitOfWorkFactory
from tasks_service.domain.calendar import zone_of
from tasks_service.domain.errors import ValidationFailed
from tasks_service.domain.events import StatusChanged, TaskCreated, TaskEdited, TaskEvent
from tasks_service.domain.fields import RecurrenceMode
from tasks_service.domain.model import Status, Task, TaskFields

_FORBIDDEN = ("DTSTART", "RDATE", "EXDATE", "EXRULE", "COUNT=")
_TOO_OFTEN = ("FREQ=SECONDLY", "FREQ=MINUTELY", "FREQ=HOURLY")
SPAWN_DUE_OCCURRENCES = "tasks.spawn_due_occurrences"
SUBTASKS_MAX = 100
HORIZON = timedelta(days=366 * 10)
"""How far ahead the next date is looked for (a leap day recurs within 8 years)."""
BATCH = 200


class RuleInvalid(ValueError):
    pass


_PARTS = frozenset({"FREQ", "INTERVAL", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"})
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
INTERVAL_MAX = 1000


def _numbers(value: str, low: int, high: int, name: str) -> list[int]:
    try:
        numbers = [int(item) for item in value.split(",")]
    except ValueError:
        raise RuleInvalid(f"{name} must list numbers.") from None
    if not all(low <= abs(n) <= high for n in numbers):
        raise RuleInvalid(f"{name} must lie within {low}..{high} (or negative).")
    return numbers


def _check_parts(upper: str) -> None:
    """Only the parts the presets need, and no contradiction a search would spin on (a rule
    no date matches, like BYMONTH=2;BYMONTHDAY=30, makes dateutil walk every day to 9999)."""
    parts: dict[str, str] = {}
    for item in upper.removeprefix("RRULE:").split(";"):
        name, _, value = item.partition("=")
        if name not in _PARTS or not value or name in parts:
            raise RuleInvalid(f"Parts allowed, once each: {', '.join(sorted(_PARTS))}.")
        parts[name] = value
    if "INTERVAL" in parts and _numbers(parts["INTERVAL"], 1, INTERVAL_MAX, "INTERVAL")[0] < 1:
        raise RuleInvalid("INTERVAL must be at least 1.")
    months = _numbers(parts["BYMONTH"], 1, 12, "BYMONTH") if "BYMONTH" in parts else None
    if "BYMONTHDAY" in parts:
        days = _numbers(parts["BYMONTHDAY"], 1, 31, "BYMONTHDAY")
        longest = max(_MONTH_DAYS[m - 1] for m in months) if months else 31
        if not any(abs(day) <= longest for day in days):
            raise RuleInvalid("No month it names has such a day.")


def parse_rule(text: str, anchor: datetime) -> rrule:
    """The rule starting at `anchor` (naive local time); RuleInvalid when it is not one."""
    upper = text.upper().replace(" ", "")
    if any(word in upper for word in _FORBIDDEN):
        # COUNT would restart at every occurrence (each is the next one's start): UNTIL ends.
        raise RuleInvalid("Only the RRULE value itself (no DTSTART, RDATE, EXDATE, COUNT).")
    if any(word in upper for word in _TOO_OFTEN):
        raise RuleInvalid("At most daily: FREQ=DAILY, WEEKLY, MONTHLY or YEARLY.")
    _check_parts(upper)
    try:
        rule = rrulestr(text, dtstart=anchor)
    except (ValueError, TypeError, KeyError, OverflowError, IndexError, AttributeError) as exc:
        raise RuleInvalid(f"Not an RFC 5545 RRULE ({exc}).") from None
    if not isinstance(rule, rrule):
        raise RuleInvalid("One RRULE only.")
    # The search stops at the horizon: a rule no date matches (February 30th, daily) would
    # otherwise walk every day up to the year 9999.
    horizon = anchor + HORIZON
    until = rule._until
    bounded: rrule = rule.replace(until=horizon if until is None else min(until, horizon))
    return bounded


def check_rule(text: str) -> None:
    """ValidationFailed (`recurrence`) when the text does not read as an RRULE, or no date
    within the horizon matches it."""
    try:
        start = datetime(2026, 1, 1, 9, 0)
        if parse_rule(text, start).after(start, inc=True) is None:
            raise RuleInvalid("No date matches this rule.")
    except RuleInvalid as invalid:
        raise ValidationFailed.single("recurrence", f"rule: {invalid}") from None


def next_after(rule_text: str, anchor: datetime, timezone: str) -> datetime | None:
    """The rule's first occurrence strictly after `anchor` (UTC), in UTC, the rule read in
    `timezone` from `anchor`; None when it has ended (COUNT, UNTIL) or leaves the calendar."""
    zone = zone_of(timezone)
    try:
        local = anchor.astimezone(zone).replace(tzinfo=None)
        found: datetime | None = parse_rule(rule_text, local).after(local, inc=False)
        if found is None:
            return None
        return found.replace(tzinfo=zone).astimezone(UTC)
    except (RuleInvalid, ValueError, OverflowError):
        return None


def _anchor(task: Task, done_at: datetime | None) -> datetime:
    mode = RecurrenceMode((task.recurrence or {})["mode"])
    if mode is RecurrenceMode.FROM_COMPLETION and done_at is not None:
        return done_at
    return task.due_date or task.created_at


def _copy_fields(task: Task, **changes: Any) -> TaskFields:
    values = {
        "title": task.title,
        "description": task.description,
        "priority": task.priority,
        "estimated_hours": task.estimated_hours,
        "story_points": task.story_points,
        "team_id": task.team_id,
        "parent_task_id": task.parent_task_id,
        "auto_complete": task.auto_complete,
        "metadata": dict(task.metadata),
        "tags": list(task.tags),
    }
    return TaskFields(**(values | changes))


def spawn_next(uow: TasksUnitOfWork, task: Task, due: datetime, at: datetime) -> Task:
    """The next occurrence of the locked `task`, due at `due`, its subtasks copied open."""
    active = uow.replica.active_user_ids(task.assignee_ids)
    series_id = task.series_id or task.id
    following = Task.create(
        task_id=uuid7(),
        fields=_copy_fields(task, due_date=due, recurrence=task.recurrence),
        created_by=task.created_by,
        at=at,
        assignee_ids=[user_id for user_id in task.assignee_ids if user_id in active],
    )
    following.series_id = series_id
    uow.tasks.add(following)
    for child in uow.tasks.subtasks(task.id)[:SUBTASKS_MAX]:
        copy = Task.create(
            task_id=uuid7(),
            fields=_copy_fields(child, parent_task_id=following.id, due_date=None),
            created_by=child.created_by,
            at=at,
            assignee_ids=[user_id for user_id in child.assignee_ids if user_id in active],
        )
        uow.tasks.add(copy)
    task.begot(following.id, series_id, due, at)
    return following


def _sets_recurrence(event: TaskEvent) -> bool:
    match event:
        case TaskCreated(changes=changes) | TaskEdited(changes=changes):
            return any(change.field == "recurrence" for change in changes)
    return False


def _done_at(events: Iterable[TaskEvent]) -> datetime | None:
    moments = [e.at for e in events if isinstance(e, StatusChanged) and e.new == Status.DONE]
    return moments[-1] if moments else None


def follow_series(uow: TasksUnitOfWork, saved: Iterable[tuple[Task, list[TaskEvent]]]) -> bool:
    """Check every rule just set; make the next occurrence of every recurring task just
    done. True when it made tasks (whose own events are still to be recorded)."""
    made = False
    for task, events in saved:
        if task.recurrence is None:
            continue
        if any(_sets_recurrence(event) for event in events):
            check_rule(task.recurrence["rule"])
        done_at = _done_at(events)
        if done_at is None or task.next_occurrence_id is not None or task.is_archived:
            continue
        timezone = (uow.automation.working_calendar(task.team_id) or _UTC).timezone
        due = next_after(task.recurrence["rule"], _anchor(task, done_at), timezone)
        if due is not None:
            spawn_next(uow, task, due, done_at)
            made = True
    return made


@dataclass(frozen=True, slots=True)
class _Utc:
    timezone: str = "UTC"


_UTC = _Utc()


@dataclass(frozen=True, slots=True)
class SpawnDueOccurrences:
    """The `from_due_date` series whose next date has come get their next occurrence, done
    or not (a job, every 5 minutes)."""

    uow: UnitOfWorkFactory
    clock: Clock
    batch: int = BATCH

    def __call__(self, now: datetime | None = None) -> dict[str, int]:
        now = now or self.clock.now()
        made = 0
        with self.uow() as uow:
            for task in uow.tasks.recurring_due(now, self.batch):
                if task.recurrence is None or task.recurrence["mode"] != "from_due_date":
                    continue
                timezone = (uow.automation.working_calendar(task.team_id) or _UTC).timezone
                due = next_after(task.recurrence["rule"], _anchor(task, None), timezone)
                if due is not None and due <= now:
                    spawn_next(uow, task, due, now)
                    made += 1
            uow.commit()
        return {"created": made}
