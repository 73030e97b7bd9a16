"""Task templates and their instantiation."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import (
    ETAG_HEADER,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    IF_NONE_MATCH,
    LINK_HEADER,
    bearer,
    idempotency_key,
    if_match_version,
    not_modified_response,
    page_answer,
    versioned,
)
from tasks_service.application.templates import (
    CreateTemplate,
    DeleteTemplate,
    InstantiateTemplate,
    UpdateTemplate,
)
from tasks_service.domain.templates import TaskTemplate, TemplateFields
from tasks_service.entrypoints.http.context import me, require_token, services
from tasks_service.entrypoints.http.jsonio import plain
from tasks_service.entrypoints.http.schemas import (
    InstantiateSchema,
    NamedPageQuerySchema,
    TaskSchema,
    TemplateCreateSchema,
    TemplatePageSchema,
    TemplatePatchSchema,
    TemplateSchema,
)
from tasks_service.entrypoints.http.tasks import created_response

_NOT_FOUND = "No task template has this id"
_CHANGE = "Only its creator, managers and admins change a template"


def _answer(template: TaskTemplate, status: int = 200) -> tuple[TaskTemplate, int, Any]:
    return template, status, versioned(template.version)


blp = Blueprint(
    "task_templates",
    __name__,
    url_prefix="/api/v1/task-templates",
    description=(
        "Task templates: a title and description with `{placeholders}`, default priority, "
        "tags and estimate. Everyone reads and instantiates them."
    ),
)
blp.before_request(require_token)


@blp.route("/")
class Templates(MethodView):
    @blp.arguments(NamedPageQuerySchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, TemplatePageSchema, headers=LINK_HEADER)
    @bearer(blp)
    def get(self, args: dict[str, Any]) -> Any:
        """Templates ordered by name; `q` matches a part of the name."""
        page = services().templates.page(me(), args["limit"], args.get("cursor"), args.get("q"))
        return page_answer(page.items, page.next_cursor)

    @blp.arguments(TemplateCreateSchema())
    @blp.response(201, TemplateSchema, headers=ETAG_HEADER)
    @problem(blp, 409, "A template with this name exists (in any letter case)")
    @bearer(blp)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a template."""
        command = CreateTemplate(me(), TemplateFields(**body))
        return _answer(services().templates.create(command), 201)


@blp.route("/<uuid:template_id>")
class Template(MethodView):
    @blp.response(200, TemplateSchema, headers=ETAG_HEADER)
    @blp.alt_response(304, description="Not modified (If-None-Match)")
    @problem(blp, 404, _NOT_FOUND)
    @bearer(blp)
    @blp.doc(parameters=[IF_NONE_MATCH])
    def get(self, template_id: uuid.UUID) -> Any:
        """One template, with the variables it needs."""
        template = services().templates.get(me(), template_id)
        return not_modified_response(template.version) or _answer(template)

    @blp.arguments(TemplatePatchSchema())
    @blp.response(200, TemplateSchema, headers=ETAG_HEADER)
    @problem(blp, 403, _CHANGE)
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 409, "A template with this name exists (in any letter case)")
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, body: dict[str, Any], template_id: uuid.UUID) -> Any:
        """Change some fields of a template."""
        command = UpdateTemplate(
            me(), template_id, TemplateFields(**body), frozenset(body), if_match_version()
        )
        return _answer(services().templates.update(command))

    @blp.response(204)
    @problem(blp, 403, _CHANGE)
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def delete(self, template_id: uuid.UUID) -> Any:
        """Delete a template (tasks made from it stay)."""
        services().templates.delete(DeleteTemplate(me(), template_id, if_match_version()))
        return None


@blp.route("/<uuid:template_id>/instantiate")
class Instantiate(MethodView):
    @blp.arguments(InstantiateSchema())
    @blp.response(201, TaskSchema, headers=ETAG_HEADER)
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 422, "A placeholder has no variable, or invalid task fields")
    @bearer(blp)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    def post(self, body: dict[str, Any], template_id: uuid.UUID) -> Any:
        """Create a task from the template, its placeholders filled from `variables`."""
        created = services().templates.instantiate(
            InstantiateTemplate(
                actor_id=me(),
                template_id=template_id,
                variables=body["variables"],
                priority=body.get("priority"),
                due_date=body.get("due_date"),
                team_id=body.get("team_id"),
                parent_task_id=body.get("parent_task_id"),
                assignee_ids=tuple(body.get("assignee_ids", ())),
                idempotency_key=idempotency_key(),
                request_body=request.get_json(silent=True) or {},
            ),
            present=lambda document: plain(document.fields),
        )
        return created_response(created)
