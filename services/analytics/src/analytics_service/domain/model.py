"""A task as analytics sees it, and what it adds to the counters.

Order independence (ADR 0021): the read model of a task is a pure function of the *set* of
events seen for it: the newest summary (highest `version`) and the status observed at each
event's time. Its counters are the sum over tasks of each task's `contributions`; when a task
changes, the old contribution is taken away and the new one added. So events applied in any
order, or twice, end in the same model.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

STATUSES = ("todo", "in_progress", "in_review", "blocked", "done", "cancelled")
OPEN_STATUSES = frozenset({"todo", "in_progress", "in_review", "blocked"})
PRIORITIES = ("low", "medium", "high", "urgent")
DIMENSIONS = ("status", "priority", "assignee", "tag", "team")
NO_TEAM = "none"
ALL = uuid.UUID(int=0)
"""The scope id of the whole platform's counters (scope `all`)."""
CYCLE_BUCKETS = 24
"""Cycle times are kept as a histogram of powers of two (in minutes): bucket b holds
[2^(b-1), 2^b) minutes, so p50/p85 cost the same at any task count."""


class Scope:
    ALL = "all"
    USER = "user"
    TEAM = "team"
    PARENT = "parent"


ScopeKey = tuple[str, uuid.UUID]


@dataclass(frozen=True, slots=True)
class TaskSummary:
    """The task after a change, as every `tasks.task.*` event carries it."""

    task_id: uuid.UUID
    version: int
    title: str
    status: str
    priority: str
    due_date: datetime | None
    story_points: int | None
    team_id: uuid.UUID | None
    parent_task_id: uuid.UUID | None
    created_by: uuid.UUID
    assignee_ids: tuple[uuid.UUID, ...]
    tags: tuple[str, ...]
    is_archived: bool
    occurred_at: datetime

    @classmethod
    def from_event_data(cls, data: Mapping[str, Any]) -> TaskSummary:
        return cls(
            task_id=uuid.UUID(data["task_id"]),
            version=int(data["version"]),
            title=str(data["title"]),
            status=str(data["status"]),
            priority=str(data["priority"]),
            due_date=_instant(data["due_date"]) if data.get("due_date") else None,
            story_points=data.get("story_points"),
            team_id=uuid.UUID(data["team_id"]) if data.get("team_id") else None,
            parent_task_id=(
                uuid.UUID(data["parent_task_id"]) if data.get("parent_task_id") else None
            ),
            created_by=uuid.UUID(data["created_by"]),
            assignee_ids=tuple(sorted(uuid.UUID(i) for i in data["assignee_ids"])),
            tags=tuple(sorted(set(data["tags"]))),
            is_archived=bool(data["is_archived"]),
            occurred_at=_instant(data["occurred_at"]),
        )


@dataclass(frozen=True, slots=True, order=True)
class Observation:
    """The task's status at one instant (one event, or one entry of a snapshot's history)."""

    at: datetime
    version: int
    status: str


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What analytics derives from a task's summary and observations."""

    summary: TaskSummary
    deleted: bool
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    time_in_status: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each status, over the closed intervals (the current one is open)."""

    @property
    def lead_seconds(self) -> float | None:
        if self.completed_at is None:
            return None
        return max(0.0, (self.completed_at - self.created_at).total_seconds())

    @property
    def cycle_seconds(self) -> float | None:
        if self.completed_at is None or self.started_at is None:
            return None
        return max(0.0, (self.completed_at - self.started_at).total_seconds())

    @property
    def is_current(self) -> bool:
        """Counted in today's figures (distribution, open load, due dates)."""
        return not self.deleted and not self.summary.is_archived

    def scopes(self) -> list[ScopeKey]:
        s = self.summary
        people = sorted({*s.assignee_ids, s.created_by})
        keys: list[ScopeKey] = [(Scope.ALL, ALL)]
        keys += [(Scope.USER, person) for person in people]
        if s.team_id is not None:
            keys.append((Scope.TEAM, s.team_id))
        if s.parent_task_id is not None:
            keys.append((Scope.PARENT, s.parent_task_id))
        return keys


def derive_facts(
    summary: TaskSummary, observations: Iterable[Observation], *, deleted: bool
) -> TaskFacts:
    """The task's facts from its newest summary and every status observed (any order)."""
    timeline = sorted(set(observations))
    if not timeline:
        timeline = [Observation(summary.occurred_at, summary.version, summary.status)]
    created_at = timeline[0].at
    started_at = next((o.at for o in timeline if o.status == "in_progress"), None)
    completed_at: datetime | None = None
    if summary.status == "done":
        # The start of the final run of `done`: reopened and done again counts the last time.
        for observation in reversed(timeline):
            if observation.status != "done":
                break
            completed_at = observation.at
        completed_at = completed_at or summary.occurred_at
    # Runs of one status: only a change of status closes an interval, so observations
    # inside a run (a comment, a snapshot) change nothing.
    runs = [o for i, o in enumerate(timeline) if i == 0 or timeline[i - 1].status != o.status]
    spent: dict[str, float] = defaultdict(float)
    for current, following in itertools.pairwise(runs):
        spent[current.status] += (following.at - current.at).total_seconds()
    return TaskFacts(
        summary=summary,
        deleted=deleted,
        created_at=created_at,
        started_at=started_at,
        completed_at=completed_at,
        time_in_status={status: seconds for status, seconds in spent.items() if seconds > 0},
    )


@dataclass(frozen=True, slots=True)
class HourlyKey:
    scope: str
    scope_id: uuid.UUID
    hour: datetime


@dataclass(frozen=True, slots=True)
class CycleKey:
    scope: str
    scope_id: uuid.UUID
    day: date
    bucket: int


@dataclass(frozen=True, slots=True)
class DimensionKey:
    scope: str
    scope_id: uuid.UUID
    dimension: str
    key: str


@dataclass(frozen=True, slots=True)
class DueKey:
    scope: str
    scope_id: uuid.UUID
    due_hour: datetime


HOURLY_COLUMNS = (
    "created",
    "completed",
    "points_created",
    "points_completed",
    "completed_with_due",
    "completed_on_time",
)


@dataclass(slots=True)
class Contribution:
    """Deltas to the counter tables; added or taken away as a whole."""

    hourly: dict[HourlyKey, dict[str, int]] = field(default_factory=dict)
    cycle: dict[CycleKey, int] = field(default_factory=dict)
    dimensions: dict[DimensionKey, int] = field(default_factory=dict)
    due: dict[DueKey, int] = field(default_factory=dict)

    def add(self, other: Contribution, sign: int = 1) -> None:
        for hkey, columns in other.hourly.items():
            row = self.hourly.setdefault(hkey, dict.fromkeys(HOURLY_COLUMNS, 0))
            for name, value in columns.items():
                row[name] += sign * value
        for ckey, count in other.cycle.items():
            self.cycle[ckey] = self.cycle.get(ckey, 0) + sign * count
        for dkey, count in other.dimensions.items():
            self.dimensions[dkey] = self.dimensions.get(dkey, 0) + sign * count
        for due_key, count in other.due.items():
            self.due[due_key] = self.due.get(due_key, 0) + sign * count

    def without_zeros(self) -> Contribution:
        return Contribution(
            hourly={k: v for k, v in self.hourly.items() if any(v.values())},
            cycle={k: v for k, v in self.cycle.items() if v},
            dimensions={k: v for k, v in self.dimensions.items() if v},
            due={k: v for k, v in self.due.items() if v},
        )


def hour_of(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def cycle_bucket(seconds: float) -> int:
    minutes = seconds / 60
    if minutes < 1:
        return 0
    return min(CYCLE_BUCKETS - 1, math.floor(math.log2(minutes)) + 1)


def bucket_upper_minutes(bucket: int) -> float:
    """The upper bound of a cycle-time bucket, in minutes (what a percentile reports)."""
    return float(2**bucket)


def contributions(facts: TaskFacts | None) -> Contribution:
    """Everything one task adds to the counters; nothing for a task never seen."""
    result = Contribution()
    if facts is None:
        return result
    s = facts.summary
    points = s.story_points or 0
    for scope, scope_id in facts.scopes():
        created = result.hourly.setdefault(
            HourlyKey(scope, scope_id, hour_of(facts.created_at)),
            dict.fromkeys(HOURLY_COLUMNS, 0),
        )
        created["created"] += 1
        created["points_created"] += points
        if facts.completed_at is not None:
            done = result.hourly.setdefault(
                HourlyKey(scope, scope_id, hour_of(facts.completed_at)),
                dict.fromkeys(HOURLY_COLUMNS, 0),
            )
            done["completed"] += 1
            done["points_completed"] += points
            if s.due_date is not None:
                done["completed_with_due"] += 1
                done["completed_on_time"] += int(facts.completed_at <= s.due_date)
            cycle = facts.cycle_seconds
            if cycle is not None:
                key = CycleKey(
                    scope, scope_id, facts.completed_at.astimezone(UTC).date(), cycle_bucket(cycle)
                )
                result.cycle[key] = result.cycle.get(key, 0) + 1
        if not facts.is_current:
            continue
        values: list[tuple[str, str]] = [("status", s.status), ("priority", s.priority)]
        values += [("assignee", str(person)) for person in s.assignee_ids]
        values += [("tag", tag) for tag in s.tags]
        values.append(("team", str(s.team_id) if s.team_id else NO_TEAM))
        for dimension, value in values:
            dkey = DimensionKey(scope, scope_id, dimension, value)
            result.dimensions[dkey] = result.dimensions.get(dkey, 0) + 1
        if s.status in OPEN_STATUSES and s.due_date is not None:
            due_key = DueKey(scope, scope_id, hour_of(s.due_date))
            result.due[due_key] = result.due.get(due_key, 0) + 1
    return result


def difference(old: TaskFacts | None, new: TaskFacts | None) -> Contribution:
    """What to apply to the counters when a task's facts go from `old` to `new`."""
    delta = Contribution()
    delta.add(contributions(new))
    delta.add(contributions(old), sign=-1)
    return delta.without_zeros()


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
