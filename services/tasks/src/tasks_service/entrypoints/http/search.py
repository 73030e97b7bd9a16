"""Facets of the task list and suggestions for a search box (ADR 0019)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import bearer
from tasks_service.application.search import SUGGEST_MAX_LENGTH, Facets, Suggestion
from tasks_service.entrypoints.http.context import me, require_token, services
from tasks_service.entrypoints.http.errors import QUERY_TIMEOUT
from tasks_service.entrypoints.http.jsonio import json_response
from tasks_service.entrypoints.http.schemas import StrictSchema, TaskListQuerySchema, _no_nul
from tasks_service.entrypoints.http.tasks import task_filter

blp = Blueprint(
    "task_search",
    __name__,
    url_prefix="/api/v1/tasks",
    description="Counts over the tasks a list would find, and search-box suggestions.",
)
blp.before_request(require_token)


class SuggestQuerySchema(StrictSchema):
    q = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=SUGGEST_MAX_LENGTH), _no_nul],
        metadata={"description": "What was typed so far"},
    )


class CountedTagSchema(ma.Schema):
    name = ma.fields.String()
    count = ma.fields.Integer()


class CountedAssigneeSchema(ma.Schema):
    id = ma.fields.UUID()
    count = ma.fields.Integer()


def _counts(description: str) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": description},
    )


class FacetsSchema(ma.Schema):
    total = ma.fields.Integer(metadata={"description": "Tasks the list would find"})
    status = _counts("Every status, with how many of those tasks have it (0 included)")
    priority = _counts("Every priority, with how many of those tasks have it (0 included)")
    tags = ma.fields.List(
        ma.fields.Nested(CountedTagSchema),
        metadata={"description": "The 20 most used tags, most used first, then by name"},
    )
    assignees = ma.fields.List(
        ma.fields.Nested(CountedAssigneeSchema),
        metadata={"description": "The 20 users assigned most of them, most first, then by id"},
    )
    overdue = ma.fields.Integer(metadata={"description": "Of those, how many are overdue"})


class SuggestionSchema(ma.Schema):
    kind = ma.fields.String(validate=validate.OneOf(["tag", "task"]))
    text = ma.fields.String(metadata={"description": "The tag name or the task title"})
    id = ma.fields.UUID(metadata={"description": "The task's id (tasks only)"})


class SuggestionsSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SuggestionSchema))


def facets_body(facets: Facets) -> dict[str, Any]:
    return {
        "total": facets.total,
        "status": facets.status,
        "priority": facets.priority,
        "tags": [{"name": name, "count": count} for name, count in facets.tags],
        "assignees": [{"id": user_id, "count": count} for user_id, count in facets.assignees],
        "overdue": facets.overdue,
    }


def suggestion_body(suggestion: Suggestion) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": suggestion.kind, "text": suggestion.text}
    if suggestion.task_id is not None:
        body["id"] = suggestion.task_id
    return body


@blp.route("/facets")
class TaskFacets(MethodView):
    @blp.arguments(
        TaskListQuerySchema(exclude=("limit", "cursor", "sort")),
        location="query",
        unknown=ma.RAISE,
    )
    @blp.response(200, FacetsSchema)
    @problem(blp, 503, QUERY_TIMEOUT)
    @bearer(blp)
    def get(self, args: dict[str, Any]) -> Any:
        """How many of the tasks the list (same filters) would find have each status, each
        priority, the 20 most used tags, the 20 most frequent assignees, and are overdue."""
        facets = services().search.facets(me(), task_filter(me(), args))
        return json_response(facets_body(facets))


@blp.route("/suggest")
class TaskSuggestions(MethodView):
    @blp.arguments(SuggestQuerySchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, SuggestionsSchema)
    @problem(blp, 503, QUERY_TIMEOUT)
    @bearer(blp)
    def get(self, args: dict[str, Any]) -> Any:
        """Up to 10 tag names and titles of tasks you can see (not archived) that start with
        `q` or are near it in spelling: prefixes first, then the nearest."""
        found = services().search.suggest(me(), args["q"])
        return json_response({"items": [suggestion_body(s) for s in found]})
