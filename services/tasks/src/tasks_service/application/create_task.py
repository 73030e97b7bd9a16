"""CreateTask: a new task (any active user), replayable with an Idempotency-Key."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from taskhive_shared.idempotency import RecordedResponse
from taskhive_shared.ids import uuid7
from tasks_service.application.common import (
    check_assignees,
    check_parent_of,
    check_team,
    document_of,
    load_actor,
    record,
)
from tasks_service.application.events import (
    TASK_ASSIGNED,
    TASK_CREATED,
    assignment_data,
    task_data,
)
from tasks_service.application.idempotency import earlier_response, fingerprint
from tasks_service.application.ports import (
    Clock,
    TaskDocument,
    UnitOfWorkFactory,
)
from tasks_service.domain.model import Change, Task

CREATED = 201

Presenter = Callable[[TaskDocument], dict[str, Any]]
"""Renders the new task as the response body, which is stored for replays."""


@dataclass(frozen=True, slots=True)
class CreateTask:
    actor_id: uuid.UUID
    values: dict[str, Any]
    """Editable fields (domain.model.EDITABLE); `title` is required."""
    assignee_ids: tuple[uuid.UUID, ...] = ()
    idempotency_key: str | None = None
    route: str = "tasks"
    """Part of the Idempotency-Key fingerprint: the same key on another route is a reuse."""
    request_body: dict[str, Any] = field(default_factory=dict)
    """The body as sent, for the fingerprint (defaults to the values)."""

    def fingerprint(self) -> str:
        body = self.request_body or {
            **self.values,
            "assignee_ids": [str(user_id) for user_id in self.assignee_ids],
        }
        return fingerprint(self.route, body)


@dataclass(frozen=True, slots=True)
class CreatedTask:
    response: RecordedResponse
    replayed: bool


@dataclass(frozen=True, slots=True)
class CreateTaskHandler:
    uow: UnitOfWorkFactory
    clock: Clock
    idempotency_ttl: timedelta = timedelta(hours=24)

    def __call__(self, command: CreateTask, present: Presenter) -> CreatedTask:
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            replay = earlier_response(
                uow,
                actor.user_id,
                command.idempotency_key,
                command.fingerprint(),
                now,
                self.idempotency_ttl,
            )
            if replay is not None:
                return CreatedTask(response=replay, replayed=True)
            task, initial = Task.create(
                task_id=uuid7(), values=command.values, created_by=actor.user_id, at=now
            )
            check_team(uow, actor, task.team_id)
            check_parent_of(uow, actor, task.id, task.parent_task_id)
            check_assignees(uow, command.assignee_ids, "assignee_ids")
            added = task.assign(command.assignee_ids, by=actor.user_id, at=now)
            if added:
                initial.append(Change("assignee_ids", [], added))
            uow.tasks.add(task)
            record(uow, task.id, "created", actor.user_id, now, initial)
            uow.outbox.add_event(TASK_CREATED, str(task.id), task_data(task, actor.user_id, now))
            if added:
                uow.outbox.add_event(
                    TASK_ASSIGNED, str(task.id), assignment_data(task, actor.user_id, now, added)
                )
            response = RecordedResponse(CREATED, present(document_of(uow, task.id)))
            if command.idempotency_key is not None:
                uow.idempotency.complete(actor.user_id, command.idempotency_key, response)
            uow.commit()
        return CreatedTask(response=response, replayed=False)
