"""Task templates: everyone reads and instantiates them; their creator, managers and
admins change them. Instantiating one creates a task through CreateTask (so it follows the
same rules, history, events and Idempotency-Key)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from taskhive_shared.ids import uuid7
from tasks_service.application.create_task import (
    CreatedTask,
    CreateTask,
    CreateTaskHandler,
    Presenter,
)
from tasks_service.application.cursors import as_str, as_uuid, check_limit, decode, encode
from tasks_service.application.ports import Clock, UnitOfWorkFactory
from tasks_service.application.results import Page
from tasks_service.application.task_access import load_actor
from tasks_service.domain.errors import StaleVersion, TemplateNotFound
from tasks_service.domain.model import Priority, TaskFields
from tasks_service.domain.permissions import check_may_change_template
from tasks_service.domain.templates import TEMPLATE_EDITABLE, TaskTemplate, TemplateFields

_CURSOR_SPEC = "templates"


@dataclass(frozen=True, slots=True)
class CreateTemplate:
    actor_id: uuid.UUID
    fields: TemplateFields


@dataclass(frozen=True, slots=True)
class UpdateTemplate:
    actor_id: uuid.UUID
    template_id: uuid.UUID
    fields: TemplateFields
    given: Collection[str] = TEMPLATE_EDITABLE
    """The fields to set (PATCH: those sent)."""
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class DeleteTemplate:
    actor_id: uuid.UUID
    template_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class InstantiateTemplate:
    actor_id: uuid.UUID
    template_id: uuid.UUID
    variables: dict[str, Any]
    priority: Priority | None = None
    """Instead of the template's."""
    due_date: datetime | None = None
    team_id: uuid.UUID | None = None
    parent_task_id: uuid.UUID | None = None
    assignee_ids: tuple[uuid.UUID, ...] = ()
    idempotency_key: str | None = None
    request_body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TemplateHandlers:
    uow: UnitOfWorkFactory
    clock: Clock
    create_task: CreateTaskHandler

    def create(self, command: CreateTemplate) -> TaskTemplate:
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            template = TaskTemplate.create(
                template_id=uuid7(),
                fields=command.fields,
                created_by=actor.user_id,
                at=self.clock.now(),
            )
            uow.templates.add(template)
            uow.commit()
        return template

    def update(self, command: UpdateTemplate) -> TaskTemplate:
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            template = uow.templates.get_for_update(command.template_id)
            if template is None:
                raise TemplateNotFound()
            check_may_change_template(actor, template.created_by)
            if command.expected_version not in (None, template.version):
                raise StaleVersion(template.version)
            read_version = template.version
            if template.update(command.fields, command.given, self.clock.now()):
                uow.templates.save(template, expected_version=read_version)
                uow.commit()
        return template

    def delete(self, command: DeleteTemplate) -> None:
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            template = uow.templates.get_for_update(command.template_id)
            if template is None:
                raise TemplateNotFound()
            check_may_change_template(actor, template.created_by)
            if command.expected_version not in (None, template.version):
                raise StaleVersion(template.version)
            uow.templates.delete(template.id)
            uow.commit()

    def get(self, actor_id: uuid.UUID, template_id: uuid.UUID) -> TaskTemplate:
        with self.uow() as uow:
            load_actor(uow, actor_id)
            template = uow.templates.get(template_id)
        if template is None:
            raise TemplateNotFound()
        return template

    def page(
        self, actor_id: uuid.UUID, limit: int, cursor: str | None, q: str | None
    ) -> Page[TaskTemplate]:
        check_limit(limit)
        after = None
        if cursor is not None:
            key, last_id = decode(cursor, _CURSOR_SPEC, (as_str, as_uuid))
            after = (key, last_id)
        with self.uow() as uow:
            load_actor(uow, actor_id)
            rows = uow.templates.page(after, limit + 1, (q or "").strip() or None)
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode(_CURSOR_SPEC, (items[-1].name, items[-1].id))
        return Page(items=items, next_cursor=next_cursor)

    def instantiate(self, command: InstantiateTemplate, present: Presenter) -> CreatedTask:
        template = self.get(command.actor_id, command.template_id)
        title, description = template.render(command.variables)
        fields = TaskFields(
            title=title,
            description=description,
            priority=command.priority or template.priority,
            tags=list(template.tags),
            estimated_hours=template.estimated_hours,
            due_date=command.due_date,
            team_id=command.team_id,
            parent_task_id=command.parent_task_id,
        )
        return self.create_task(
            CreateTask(
                actor_id=command.actor_id,
                fields=fields,
                assignee_ids=command.assignee_ids,
                idempotency_key=command.idempotency_key,
                route=f"task-templates/{template.id}/instantiate",
                request_body=command.request_body
                or {"variables": command.variables, "fields": repr(fields)},
            ),
            present,
        )
