"""Service-level agreements: policies and each task's SLA clock (ADR 0020).

A policy sets two targets in working hours of the task's calendar: `response_hours` (the
task leaves `todo`) and `resolution_hours` (the task is closed). The clock of a task starts
when it is created, pauses while it is `blocked` (the paused working time moves the
resolution target out), and stops when it is closed. Its state is a pure function of the
clock, the policy, the calendar and the instant: `on_track`, `at_risk` (75 % of a pending
target has passed), `breached`, `paused`, `met`. Re-applying a changed policy is therefore
just evaluating again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tasks_service.domain.calendar import (
    NoWorkingTime,
    WorkingCalendar,
    add_working_hours,
    working_hours_between,
)
from tasks_service.domain.errors import ValidationFailed
from tasks_service.domain.fields import Hours, Invalid, TagNames, Text
from tasks_service.domain.workflow import CLOSED, Priority, Status

NAME_MAX = 100
TARGET_MAX = Decimal("10000")
"""Hours; a target beyond a working lifetime is a typo, and keeps the arithmetic short."""
RISK_SHARE = Decimal("0.75")


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"


_NAME = Text(1, NAME_MAX)
_HOURS = Hours(TARGET_MAX)


def _clean_priorities(value: object) -> frozenset[Priority]:
    if not isinstance(value, list | tuple | set | frozenset) or not value:
        raise Invalid(f"Must be a non-empty list of: {', '.join(Priority)}.")
    try:
        return frozenset(Priority(str(item)) for item in value)
    except ValueError:
        raise Invalid(f"Each must be one of: {', '.join(Priority)}.") from None


def _clean_target(value: object) -> Decimal:
    hours = _HOURS.clean(value)
    if hours <= 0:
        raise Invalid("Must be more than 0.")
    return hours


def _clean_tag(value: object) -> str | None:
    if value is None:
        return None
    names = TagNames().clean([value])
    return names[0]


def _clean_team(value: object) -> uuid.UUID | None:
    if value is not None and not isinstance(value, uuid.UUID):
        raise Invalid("Must be an id.")
    return value


_CLEANERS: Mapping[str, Any] = {
    "name": _NAME.clean,
    "priorities": _clean_priorities,
    "team_id": _clean_team,
    "tag": _clean_tag,
    "response_hours": _clean_target,
    "resolution_hours": _clean_target,
}
POLICY_FIELDS = tuple(_CLEANERS)
_REQUIRED = ("name", "priorities", "response_hours", "resolution_hours")


def _clean_policy(values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        try:
            cleaned[name] = _CLEANERS[name](value)
        except Invalid as invalid:
            errors[name] = invalid.messages
    if errors:
        raise ValidationFailed(errors)
    return cleaned


@dataclass(kw_only=True, slots=True)
class SlaPolicy:
    id: uuid.UUID
    name: str
    priorities: frozenset[Priority]
    team_id: uuid.UUID | None = None
    tag: str | None = None
    response_hours: Decimal
    resolution_hours: Decimal
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        policy_id: uuid.UUID,
        values: Mapping[str, Any],
        created_by: uuid.UUID,
        at: datetime,
    ) -> SlaPolicy:
        missing = [name for name in _REQUIRED if name not in values]
        if missing:
            raise ValidationFailed({name: ["Missing data for required field."] for name in missing})
        cleaned = _clean_policy(values)
        policy = cls(id=policy_id, created_by=created_by, created_at=at, updated_at=at, **cleaned)
        policy.check_targets()
        return policy

    def update(self, values: Mapping[str, Any], at: datetime) -> bool:
        cleaned = _clean_policy(values)
        changed = {k: v for k, v in cleaned.items() if getattr(self, k) != v}
        if not changed:
            return False
        for key, value in changed.items():
            setattr(self, key, value)
        self.check_targets()
        self.updated_at = at
        self.version += 1
        return True

    def check_targets(self) -> None:
        if self.resolution_hours < self.response_hours:
            raise ValidationFailed.single("resolution_hours", "Must be at least response_hours.")

    def matches(self, priority: Priority, team_id: uuid.UUID | None, tags: Iterable[str]) -> bool:
        return (
            priority in self.priorities
            and (self.team_id is None or self.team_id == team_id)
            and (self.tag is None or self.tag.lower() in {t.lower() for t in tags})
        )

    @property
    def specificity(self) -> int:
        return (2 if self.team_id is not None else 0) + (1 if self.tag is not None else 0)


def select_policy(
    policies: Sequence[SlaPolicy],
    priority: Priority,
    team_id: uuid.UUID | None,
    tags: Iterable[str],
) -> SlaPolicy | None:
    """The policy that governs a task: the most specific match (team and tag, then team,
    then tag, then neither), the oldest among equals."""
    names = list(tags)
    matching = [p for p in policies if p.matches(priority, team_id, names)]
    if not matching:
        return None
    return min(matching, key=lambda p: (-p.specificity, p.created_at, p.id))


@dataclass(kw_only=True, slots=True)
class SlaClock:
    """What a task's SLA depends on besides policy and calendar: when it started, was first
    answered, closed, and how long it was paused (in working time)."""

    task_id: uuid.UUID
    started_at: datetime
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    paused_since: datetime | None = None
    paused: timedelta = timedelta(0)

    @classmethod
    def start(cls, task_id: uuid.UUID, status: Status, at: datetime) -> SlaClock:
        clock = cls(task_id=task_id, started_at=at)
        clock.follow(status, at, WorkingCalendar())
        return clock

    def follow(self, status: Status, at: datetime, calendar: WorkingCalendar) -> bool:
        """Keep up with the task's status as of `at`; True when anything moved."""
        before = (self.responded_at, self.resolved_at, self.paused_since, self.paused)
        if status != Status.TODO and self.responded_at is None:
            self.responded_at = at
        if status in CLOSED:
            if self.resolved_at is None:
                self.resolved_at = at
        else:
            self.resolved_at = None
        if status == Status.BLOCKED:
            if self.paused_since is None:
                self.paused_since = at
        elif self.paused_since is not None:
            self.paused += max(working_hours_between(calendar, self.paused_since, at), timedelta(0))
            self.paused_since = None
        return before != (self.responded_at, self.resolved_at, self.paused_since, self.paused)


@dataclass(frozen=True, slots=True)
class SlaStatus:
    policy_id: uuid.UUID
    response_due: datetime
    resolution_due: datetime
    state: SlaState
    next_check_at: datetime | None
    """The next instant the state changes by time alone; None when only a change can."""


def _hours(value: Decimal) -> timedelta:
    return timedelta(seconds=float(value * 3600))


def evaluate(
    clock: SlaClock, policy: SlaPolicy, calendar: WorkingCalendar, now: datetime
) -> SlaStatus:
    """The SLA of a task at `now` (a calendar without working time: due never)."""
    paused = clock.paused
    if clock.paused_since is not None:
        paused += max(working_hours_between(calendar, clock.paused_since, now), timedelta(0))

    def due(hours: Decimal, extra: timedelta = timedelta(0)) -> datetime:
        try:
            return add_working_hours(calendar, clock.started_at, _hours(hours) + extra)
        except (NoWorkingTime, OverflowError):
            return datetime.max.replace(tzinfo=clock.started_at.tzinfo)

    response_due = due(policy.response_hours)
    resolution_due = due(policy.resolution_hours, paused)
    response_risk = due(policy.response_hours * RISK_SHARE)
    resolution_risk = due(policy.resolution_hours * RISK_SHARE, paused)
    upcoming: list[datetime] = []
    if clock.responded_at is None:
        upcoming += [response_risk, response_due]
        late_response = now >= response_due
    else:
        late_response = clock.responded_at > response_due
    if clock.resolved_at is None:
        upcoming += [resolution_risk, resolution_due]
        late_resolution = now >= resolution_due
    else:
        late_resolution = clock.resolved_at > resolution_due
    if late_response or late_resolution:
        state = SlaState.BREACHED
    elif clock.resolved_at is not None:
        state = SlaState.MET
    elif clock.paused_since is not None:
        state = SlaState.PAUSED
    elif any(now >= moment for moment in upcoming):
        state = SlaState.AT_RISK
    else:
        state = SlaState.ON_TRACK
    later = [moment for moment in upcoming if moment > now]
    next_check = min(later) if later and state in (SlaState.ON_TRACK, SlaState.AT_RISK) else None
    return SlaStatus(policy.id, response_due, resolution_due, state, next_check)


class Escalation(StrEnum):
    AT_RISK = "at_risk"
    BREACHED = "breached"


@dataclass(kw_only=True, slots=True)
class TaskSla:
    """A task's clock, its SLA as last evaluated, and which escalations were announced."""

    clock: SlaClock
    status: SlaStatus | None = None
    at_risk_notified: bool = False
    breached_notified: bool = False
    matched_priority: Priority | None = None
    """The priority the policy is chosen by while the system's breach escalation has raised
    the task's own (so the raise does not take the task out of its policy); a person's
    priority change clears it."""

    def priority_for(self, current: Priority) -> Priority:
        return self.matched_priority or current

    def reevaluate(
        self, policy: SlaPolicy | None, calendar: WorkingCalendar, now: datetime
    ) -> None:
        """Evaluate under `policy` (None: no SLA). A task back on track, or under another
        policy, may be announced again when it next slips."""
        previous = self.status
        self.status = None if policy is None else evaluate(self.clock, policy, calendar, now)
        status = self.status
        if (
            status is None
            or (previous is not None and previous.policy_id != status.policy_id)
            or status.state in (SlaState.ON_TRACK, SlaState.PAUSED)
        ):
            self.at_risk_notified = self.breached_notified = False

    def pending_escalation(self) -> Escalation | None:
        """What the escalation job still has to announce."""
        if self.status is None:
            return None
        if self.status.state == SlaState.BREACHED and not self.breached_notified:
            return None if self.clock.resolved_at is not None else Escalation.BREACHED
        if self.status.state == SlaState.AT_RISK and not self.at_risk_notified:
            return Escalation.AT_RISK
        return None

    @property
    def next_check_at(self) -> datetime | None:
        """When the escalation job should look again: now when something is unannounced."""
        if self.status is None:
            return None
        if self.pending_escalation() is not None:
            return self.clock.started_at  # any past instant: due at once
        return self.status.next_check_at
