"""Tasks and their operations: thin adapters from HTTP to the use cases.

Task bodies are plain rows serialised with orjson (jsonio); the marshmallow schemas validate
requests and document responses.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from taskhive_shared.http.conditional import etag_for
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
    page_headers,
    versioned,
)
from tasks_service.application.archive_task import ArchiveTask, RestoreTask
from tasks_service.application.assign_task import AssignTask, UnassignTask
from tasks_service.application.comments import AddComment, DeleteComment, EditComment
from tasks_service.application.create_task import CreatedTask, CreateTask
from tasks_service.application.ports import CommentView, HistoryEntry, TaskDocument, TaskFilter
from tasks_service.application.queries import ListTasks
from tasks_service.application.results import Page
from tasks_service.application.update_task import UpdateTask
from tasks_service.domain.model import EDITABLE, TaskFields
from tasks_service.entrypoints.http.context import me, require_token, services
from tasks_service.entrypoints.http.errors import QUERY_TIMEOUT
from tasks_service.entrypoints.http.jsonio import json_response, plain
from tasks_service.entrypoints.http.schemas import (
    AssignSchema,
    CommentBodySchema,
    CommentPageSchema,
    CommentSchema,
    HistoryPageSchema,
    PageQuerySchema,
    TaskCreateSchema,
    TaskListQuerySchema,
    TaskPageSchema,
    TaskPatchSchema,
    TaskPutSchema,
    TaskSchema,
)

_NOT_FOUND = "No task you can see has this id"
_MANAGE = "Only the creator, managers and admins do this"
_EDIT = "Only the creator, assignees, managers and admins edit"


def task_filter(actor_id: uuid.UUID, args: dict[str, Any]) -> TaskFilter:
    """The list's filters from its query (the facets read the same ones)."""
    assignee, parent = args.get("assignee"), args.get("parent")
    return TaskFilter(
        statuses=tuple(s.value for s in args.get("status", ())),
        priorities=tuple(p.value for p in args.get("priority", ())),
        assignee=actor_id if assignee == "me" else (uuid.UUID(assignee) if assignee else None),
        created_by=args.get("created_by"),
        team=args.get("team"),
        tags=tuple(args.get("tag", ())),
        due_before=args.get("due_before"),
        due_after=args.get("due_after"),
        overdue=args.get("overdue"),
        archived=args["archived"],
        parent=uuid.UUID(parent) if parent and parent != "none" else None,
        top_level_only=parent == "none",
        updated_since=args.get("updated_since"),
        text=args.get("q"),
        series=args.get("series"),
        sla_states=tuple(state.value for state in args.get("sla_state", ())),
    )


def list_query(actor_id: uuid.UUID, args: dict[str, Any]) -> ListTasks:
    return ListTasks(
        actor_id=actor_id,
        filter=task_filter(actor_id, args),
        limit=args["limit"],
        cursor=args.get("cursor"),
        sort=args.get("sort"),
    )


SEARCH_RANK_WINDOW = {
    "Search-Rank-Window": {
        "description": "With `q` and no `sort`: relevance orders the newest this-many matches; "
        "older matches follow them, newest first (ADR 0027)",
        "schema": {"type": "integer"},
    }
}


def page_response(page: Page[TaskDocument]) -> Response:
    body = {"items": [item.fields for item in page.items], "next_cursor": page.next_cursor}
    headers = page_headers(page.next_cursor)
    if page.rank_window is not None:
        headers["Search-Rank-Window"] = str(page.rank_window)
    return json_response(body, headers=headers)


def task_response(document: TaskDocument, status: int = 200, **extra: str) -> Response:
    return json_response(document.fields, status, versioned(document.version, extra or None))


def task_fields(body: dict[str, Any]) -> TaskFields:
    """The request's task fields; those it leaves out take their defaults."""
    return TaskFields(**{name: value for name, value in body.items() if name in EDITABLE})


def assignees_of(body: dict[str, Any]) -> tuple[uuid.UUID, ...] | None:
    assignees = body.get("assignee_ids")
    return None if assignees is None else tuple(assignees)


def comment_body(view: CommentView) -> dict[str, Any]:
    comment = view.comment
    return {
        "id": comment.id,
        "task_id": comment.task_id,
        "author_id": comment.author_id,
        "author_username": view.author_username,
        "author_display_name": view.author_display_name,
        "body": comment.body,
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "edited": comment.version > 1,
        "version": comment.version,
    }


def history_body(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "task_id": entry.task_id,
        "action": entry.action,
        "actor_id": entry.actor_id,
        "at": entry.at,
        "changes": entry.changes,
    }


def created_response(created: CreatedTask) -> Response:
    stored = created.response.body
    # The stored body is already JSON: sent as it is, on a replay exactly as before.
    response = json_response(
        stored,
        created.response.status,
        versioned(
            int(stored["version"]),
            {"Location": str(url_for("tasks.Task", task_id=stored["id"]))},
        ),
    )
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


blp = Blueprint(
    "tasks",
    __name__,
    url_prefix="/api/v1/tasks",
    description=(
        "Tasks: visible to their creator, assignees, team members, managers and admins "
        "(others get 404). Creator, assignees, managers and admins edit; creator, managers "
        "and admins archive, restore and assign."
    ),
)
blp.before_request(require_token)


def update(task_id: uuid.UUID, body: dict[str, Any], *, replace: bool) -> Response:
    """PUT sets every field (the omitted ones to their defaults), PATCH the ones sent."""
    document = services().update_task(
        UpdateTask(
            actor_id=me(),
            task_id=task_id,
            fields=task_fields(body),
            given=EDITABLE if replace else frozenset(body) & set(EDITABLE),
            assignee_ids=assignees_of(body),
            expected_version=if_match_version(),
        )
    )
    return task_response(document)


@blp.route("/")
class Tasks(MethodView):
    @blp.arguments(TaskListQuerySchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, TaskPageSchema, headers=LINK_HEADER | SEARCH_RANK_WINDOW)
    @problem(blp, 503, QUERY_TIMEOUT)
    @bearer(blp)
    def get(self, args: dict[str, Any]) -> Any:
        """Tasks you can see, a keyset page at a time, with filters and full-text search."""
        return page_response(services().tasks.list(list_query(me(), args)))

    @blp.arguments(TaskCreateSchema())
    @blp.response(201, TaskSchema, headers=ETAG_HEADER)
    @problem(blp, 403, "Members file tasks only under their own teams")
    @problem(blp, 422, "Invalid fields, unknown assignee/team/parent, or Idempotency-Key reuse")
    @bearer(blp)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    def post(self, body: dict[str, Any]) -> Any:
        """Create a task; send an Idempotency-Key to retry safely."""
        created = services().create_task(
            CreateTask(
                actor_id=me(),
                fields=task_fields(body),
                assignee_ids=assignees_of(body) or (),
                idempotency_key=idempotency_key(),
                request_body=request.get_json(silent=True) or {},
            ),
            present=lambda document: plain(document.fields),
        )
        return created_response(created)


@blp.route("/<uuid:task_id>")
class Task(MethodView):
    @blp.response(200, TaskSchema, headers=ETAG_HEADER)
    @blp.alt_response(304, description="Not modified (If-None-Match)")
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 503, QUERY_TIMEOUT)
    @bearer(blp)
    @blp.doc(parameters=[IF_NONE_MATCH])
    def get(self, task_id: uuid.UUID) -> Any:
        """One task, with its assignees and tags."""
        document = services().tasks.get(me(), task_id)
        return not_modified_response(document.version) or task_response(document)

    @blp.arguments(TaskPutSchema())
    @blp.response(200, TaskSchema, headers=ETAG_HEADER)
    @problem(blp, 403, _EDIT + "; assignee_ids: " + _MANAGE.lower())
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 409, "Status move not allowed by the workflow, or the task is archived")
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def put(self, body: dict[str, Any], task_id: uuid.UUID) -> Any:
        """Replace the task: `title` is required; an omitted field returns to its default
        (`assignee_ids`, if sent, replaces the assignees; left out, they stay)."""
        return update(task_id, body, replace=True)

    @blp.arguments(TaskPatchSchema())
    @blp.response(200, TaskSchema, headers=ETAG_HEADER)
    @problem(blp, 403, _EDIT + "; assignee_ids: " + _MANAGE.lower())
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 409, "Status move not allowed by the workflow, or the task is archived")
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, body: dict[str, Any], task_id: uuid.UUID) -> Any:
        """Change some fields; a status change must follow the workflow."""
        return update(task_id, body, replace=False)

    @blp.response(204)
    @problem(blp, 403, _MANAGE)
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def delete(self, task_id: uuid.UUID) -> Any:
        """Archive the task (a soft delete; `POST …/restore` undoes it)."""
        services().archive_task(
            ArchiveTask(actor_id=me(), task_id=task_id, expected_version=if_match_version())
        )
        return None


@blp.route("/<uuid:task_id>/restore")
class Restore(MethodView):
    @blp.response(200, TaskSchema, headers=ETAG_HEADER)
    @problem(blp, 403, _MANAGE)
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def post(self, task_id: uuid.UUID) -> Any:
        """Bring an archived task back."""
        document = services().restore_task(
            RestoreTask(actor_id=me(), task_id=task_id, expected_version=if_match_version())
        )
        return task_response(document)


@blp.route("/<uuid:task_id>/assign")
class Assign(MethodView):
    @blp.arguments(AssignSchema())
    @blp.response(200, TaskSchema, headers=ETAG_HEADER)
    @problem(blp, 403, _MANAGE)
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 409, "The task is archived")
    @problem(blp, 412, "If-Match names an older version")
    @problem(blp, 422, "A user id is not an active user")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def post(self, body: dict[str, Any], task_id: uuid.UUID) -> Any:
        """Add assignees (active users); those already assigned stay as they are."""
        document = services().assign_task(
            AssignTask(
                actor_id=me(),
                task_id=task_id,
                user_ids=tuple(body["user_ids"]),
                expected_version=if_match_version(),
            )
        )
        return task_response(document)


@blp.route("/<uuid:task_id>/assign/<uuid:user_id>")
class Assignee(MethodView):
    @blp.response(204)
    @problem(blp, 403, _MANAGE)
    @problem(blp, 404, _NOT_FOUND + ", or the user is not assigned")
    @problem(blp, 409, "The task is archived")
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def delete(self, task_id: uuid.UUID, user_id: uuid.UUID) -> Any:
        """Remove one assignee; the task's new ETag comes back in `ETag`."""
        version = services().unassign_task(
            UnassignTask(
                actor_id=me(),
                task_id=task_id,
                user_id=user_id,
                expected_version=if_match_version(),
            )
        )
        return None, 204, {"ETag": etag_for(version)}


@blp.route("/<uuid:task_id>/comments")
class Comments(MethodView):
    @blp.arguments(PageQuerySchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, CommentPageSchema, headers=LINK_HEADER)
    @problem(blp, 404, _NOT_FOUND)
    @bearer(blp)
    def get(self, args: dict[str, Any], task_id: uuid.UUID) -> Any:
        """The task's comments, oldest first."""
        page = services().comments.page(me(), task_id, args["limit"], args.get("cursor"))
        return page_answer([comment_body(v) for v in page.items], page.next_cursor)

    @blp.arguments(CommentBodySchema())
    @blp.response(201, CommentSchema, headers=ETAG_HEADER)
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 409, "The task is archived")
    @bearer(blp)
    def post(self, body: dict[str, Any], task_id: uuid.UUID) -> Any:
        """Comment on a task you can see."""
        view = services().add_comment(AddComment(me(), task_id, body["body"]))
        return comment_body(view), 201, versioned(view.comment.version)


@blp.route("/<uuid:task_id>/comments/<uuid:comment_id>")
class CommentResource(MethodView):
    @blp.arguments(CommentBodySchema())
    @blp.response(200, CommentSchema, headers=ETAG_HEADER)
    @problem(blp, 403, "Not your comment")
    @problem(blp, 404, "No such comment on a task you can see")
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, body: dict[str, Any], task_id: uuid.UUID, comment_id: uuid.UUID) -> Any:
        """Edit your own comment."""
        view = services().edit_comment(
            EditComment(me(), task_id, comment_id, body["body"], if_match_version())
        )
        return comment_body(view), 200, versioned(view.comment.version)

    @blp.response(204)
    @problem(blp, 403, "Not your comment (managers and admins may delete any)")
    @problem(blp, 404, "No such comment on a task you can see")
    @problem(blp, 412, "If-Match names an older version")
    @bearer(blp)
    @blp.doc(parameters=[IF_MATCH])
    def delete(self, task_id: uuid.UUID, comment_id: uuid.UUID) -> Any:
        """Delete your own comment."""
        services().delete_comment(DeleteComment(me(), task_id, comment_id, if_match_version()))
        return None


@blp.route("/<uuid:task_id>/history")
class History(MethodView):
    @blp.arguments(PageQuerySchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, HistoryPageSchema, headers=LINK_HEADER)
    @problem(blp, 404, _NOT_FOUND)
    @bearer(blp)
    def get(self, args: dict[str, Any], task_id: uuid.UUID) -> Any:
        """Every change of the task, newest first: action, actor, time, old and new values."""
        page = services().tasks.history(me(), task_id, args["limit"], args.get("cursor"))
        return page_answer([history_body(e) for e in page.items], page.next_cursor)


@blp.route("/<uuid:task_id>/subtasks")
class Subtasks(MethodView):
    @blp.arguments(TaskListQuerySchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, TaskPageSchema, headers=LINK_HEADER | SEARCH_RANK_WINDOW)
    @problem(blp, 404, _NOT_FOUND)
    @problem(blp, 503, QUERY_TIMEOUT)
    @bearer(blp)
    def get(self, args: dict[str, Any], task_id: uuid.UUID) -> Any:
        """The task's direct subtasks that you can see (same filters as the list)."""
        return page_response(services().tasks.subtasks(list_query(me(), args), task_id))
