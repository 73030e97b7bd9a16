"""CreateTask: a new task (any active user), replayable with an Idempotency-Key."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from taskhive_shared.idempotency import RecordedResponse
from taskhive_shared.ids import uuid7
from tasks_service.application.automation import auto_assignee
from tasks_service.application.idempotency import earlier_response, fingerprint
from tasks_service.application.ports import Clock, TaskDocument, UnitOfWorkFactory
from tasks_service.application.recording import record_changes
from tasks_service.application.task_access import (
    check_assignees,
    check_references,
    document_of,
    load_actor,
)
from tasks_service.domain.model import EDITABLE, Task, TaskFields

CREATED = 201

Presenter = Callable[[TaskDocument], dict[str, Any]]
"""Renders the new task as the response body, which is stored for replays."""


@dataclass(frozen=True, slots=True)
class CreateTask:
    actor_id: uuid.UUID
    fields: TaskFields
    assignee_ids: tuple[uuid.UUID, ...] = ()
    idempotency_key: str | None = None
    route: str = "tasks"
    """Part of the Idempotency-Key fingerprint: the same key on another route is a reuse."""
    request_body: dict[str, Any] = field(default_factory=dict)
    """The body as sent, for the fingerprint (defaults to the fields)."""

    def fingerprint(self) -> str:
        body = self.request_body or {
            **{name: getattr(self.fields, name) for name in EDITABLE},
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
            key, request_hash = command.idempotency_key, command.fingerprint()
            ttl = self.idempotency_ttl
            replay = earlier_response(uow, actor.user_id, key, request_hash, now, ttl)
            if replay is not None:
                return CreatedTask(response=replay, replayed=True)
            check_assignees(uow, command.assignee_ids, "assignee_ids")
            assignees = command.assignee_ids
            team_id = command.fields.team_id
            if (
                not assignees
                and isinstance(team_id, uuid.UUID)
                and uow.replica.team_exists(team_id)
            ):
                picked = auto_assignee(uow, team_id)
                assignees = (picked,) if picked is not None else ()
            task = Task.create(
                task_id=uuid7(),
                fields=command.fields,
                created_by=actor.user_id,
                at=now,
                assignee_ids=assignees,
            )
            check_references(uow, actor, task, ("team_id", "parent_task_id"))
            uow.tasks.add(task)
            record_changes(uow)
            response = RecordedResponse(CREATED, present(document_of(uow, task.id)))
            if key is not None:
                uow.idempotency.complete(actor.user_id, key, response)
            uow.commit()
        return CreatedTask(response=response, replayed=False)
