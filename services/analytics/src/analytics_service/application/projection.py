"""Projecting events into the read model: tasks (facts and counters), users and teams.

Each handler runs inside the consumer's unit of work (the inbox row is in the same
transaction): it reads the task's stored state under a row lock, derives the facts before
and after, and applies only the difference to the counters.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from analytics_service.application.ports import (
    AnalyticsUnitOfWork,
    StoredTask,
    TaskModel,
    TeamRecord,
    UserRecord,
)
from analytics_service.domain.model import (
    Observation,
    TaskFacts,
    TaskSummary,
    derive_facts,
    difference,
)


def project_task(
    uow: AnalyticsUnitOfWork,
    summary: TaskSummary,
    observations: Iterable[Observation],
    *,
    deleted: bool = False,
) -> None:
    """One task event (or snapshot): its summary, the statuses it observed, whether the task
    is gone. The newest summary wins; observations and deletion accumulate."""
    seen = [Observation(summary.occurred_at, summary.version, summary.status), *observations]
    for model in uow.task_models():
        _project(model, summary, seen, deleted)


def _project(
    model: TaskModel, summary: TaskSummary, seen: list[Observation], deleted: bool
) -> None:
    stored = model.task_for_update(summary.task_id)
    old = _facts(stored)
    if stored is not None:
        newest = summary if summary.version > stored.summary.version else stored.summary
        merged = StoredTask(
            summary=newest,
            deleted=stored.deleted or deleted,
            observations=tuple({*stored.observations, *seen}),
        )
    else:
        merged = StoredTask(summary=summary, deleted=deleted, observations=tuple(set(seen)))
    new = derive_facts(merged.summary, merged.observations, deleted=merged.deleted)
    model.save(new, seen, difference(old, new))


def _facts(stored: StoredTask | None) -> TaskFacts | None:
    if stored is None:
        return None
    return derive_facts(stored.summary, stored.observations, deleted=stored.deleted)


def history_observations(
    summary: TaskSummary, history: Iterable[Mapping[str, Any]]
) -> list[Observation]:
    """A snapshot's status history (`[{"status", "at"}]`) as observations."""
    return [
        Observation(datetime.fromisoformat(entry["at"]), 0, str(entry["status"]))
        for entry in history
    ]


def project_user(uow: AnalyticsUnitOfWork, data: Mapping[str, Any]) -> None:
    """`users.user.created|updated.v1`: role, time zone and e-mail address (the newest
    version wins; the address is where scheduled reports go)."""
    uow.read_model.save_user_if_newer(
        UserRecord(
            id=uuid.UUID(data["user_id"]),
            role=str(data["role"]),
            timezone=str(data["timezone"]),
            is_active=bool(data["is_active"]),
            version=int(data["version"]),
            email=data.get("email"),
        )
    )


def project_team(uow: AnalyticsUnitOfWork, data: Mapping[str, Any], *, deleted: bool) -> None:
    """`users.team.*.v1`: the whole member list at a version (the newest wins)."""
    uow.read_model.save_team_if_newer(
        TeamRecord(
            id=uuid.UUID(data["team_id"]),
            name=str(data["name"]),
            member_ids=tuple(sorted(uuid.UUID(m) for m in data["member_ids"])),
            deleted=deleted,
            version=int(data["version"]),
        )
    )
