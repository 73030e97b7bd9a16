"""PostgreSQL repository of task templates (names unique in any letter case)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tasks_service.adapters.persistence.tables import task_templates
from tasks_service.adapters.persistence.tags import name_clash_is, page_query
from tasks_service.adapters.persistence.tasks import utc
from tasks_service.domain.errors import StaleVersion
from tasks_service.domain.model import Priority
from tasks_service.domain.templates import TaskTemplate


def _template(row: Any) -> TaskTemplate:
    return TaskTemplate(
        id=row.id,
        name=row.name,
        title=row.title,
        description=row.description,
        priority=Priority(row.priority),
        tags=list(row.tags),
        estimated_hours=row.estimated_hours,
        created_by=row.created_by,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        version=row.version,
    )


def _template_values(template: TaskTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "title": template.title,
        "description": template.description,
        "priority": template.priority.value,
        "tags": list(template.tags),
        "estimated_hours": template.estimated_hours,
        "updated_at": template.updated_at,
        "version": template.version,
    }


_TEMPLATE_TAKEN = "A task template with this name exists."
_TEMPLATE_INDEX = "uq_task_templates_name_lower"


class SqlAlchemyTemplateRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, template: TaskTemplate) -> None:
        with name_clash_is(self._session, _TEMPLATE_INDEX, _TEMPLATE_TAKEN):
            self._session.execute(
                task_templates.insert().values(
                    id=template.id,
                    created_by=template.created_by,
                    created_at=template.created_at,
                    **_template_values(template),
                )
            )

    def get(self, template_id: uuid.UUID) -> TaskTemplate | None:
        row = self._session.execute(
            sa.select(task_templates).where(task_templates.c.id == template_id)
        ).first()
        return _template(row) if row else None

    def get_for_update(self, template_id: uuid.UUID) -> TaskTemplate | None:
        row = self._session.execute(
            sa.select(task_templates).where(task_templates.c.id == template_id).with_for_update()
        ).first()
        return _template(row) if row else None

    def save(self, template: TaskTemplate, *, expected_version: int) -> None:
        with name_clash_is(self._session, _TEMPLATE_INDEX, _TEMPLATE_TAKEN):
            result = self._session.execute(
                task_templates.update()
                .where(
                    task_templates.c.id == template.id,
                    task_templates.c.version == expected_version,
                )
                .values(**_template_values(template))
            )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise StaleVersion(None)

    def delete(self, template_id: uuid.UUID) -> None:
        self._session.execute(task_templates.delete().where(task_templates.c.id == template_id))

    def page(
        self, after: tuple[str, uuid.UUID] | None, limit: int, text: str | None
    ) -> list[TaskTemplate]:
        rows = self._session.execute(page_query(task_templates, after, text).limit(limit))
        return [_template(row) for row in rows]
