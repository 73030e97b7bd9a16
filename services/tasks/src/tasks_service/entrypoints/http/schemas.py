"""Request and response bodies of the tasks API.

Requests are validated here (strict: unknown fields are refused); the domain checks the
rules. Task responses are documented here but serialised from plain rows (jsonio).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from taskhive_shared.http.fields import AwareDateTime, BoundedDecimal
from taskhive_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tasks_service.domain.fields import (
    RULE_MAX,
    Choice,
    FieldSpec,
    Flag,
    Hours,
    JsonObject,
    Moment,
    Recurrence,
    RecurrenceMode,
    Reference,
    TagNames,
    Text,
    WholeNumber,
)
from tasks_service.domain.model import (
    FIELDS,
    MAX_ASSIGNEES,
    TRANSITIONS,
    Priority,
    Status,
)
from tasks_service.domain.sla import SlaState
from tasks_service.domain.tags import MAX_TAGS_PER_TASK, TAG_NAME_MAX
from tasks_service.domain.templates import TEMPLATE_FIELDS

_UUID_OR_ME = (
    r"^(me|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$"
)
_UUID_OR_NONE = _UUID_OR_ME.replace("(me|", "(none|")
WORKFLOW = "; ".join(
    f"`{status}` → {', '.join(f'`{t}`' for t in sorted(targets))}"
    for status, targets in TRANSITIONS.items()
)
WORKFLOW_DOC = f"Workflow: {WORKFLOW}"


class StrictSchema(ma.Schema):
    """Unknown fields are refused (422), never ignored or mass-assigned."""

    class Meta:
        unknown = ma.RAISE


def _no_nul(value: str) -> None:
    """Query text goes to PostgreSQL, whose text cannot hold NUL: a 422, not a 500."""
    if "\x00" in value:
        raise ma.ValidationError("Must not contain NUL characters.")


def strict_boolean(**kwargs: Any) -> ma.fields.Boolean:
    return ma.fields.Boolean(truthy={True}, falsy={False}, **kwargs)


def _hours(**kwargs: Any) -> BoundedDecimal:
    options: dict[str, Any] = {
        "allow_none": True,
        "metadata": {"description": "Hours, ≥ 0, at most two decimal places", "example": "2.50"},
    } | kwargs
    return BoundedDecimal(**options)


class RecurrenceSchema(StrictSchema):
    rule = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=RULE_MAX),
        metadata={
            "description": "RFC 5545 RRULE, at most daily",
            "example": "FREQ=WEEKLY;BYDAY=MO",
        },
    )
    mode = ma.fields.Enum(RecurrenceMode, by_value=True, required=True)


def declared_field(spec: FieldSpec, *, request: bool) -> ma.fields.Field[Any]:
    """The marshmallow field of a declared field, for a request or the response."""
    options: dict[str, Any] = {"allow_none": spec.nullable}
    description = WORKFLOW_DOC if spec.name == "status" else spec.description
    if description:
        options["metadata"] = {"description": description}
    match spec.kind:
        case Text(min_length=low, max_length=high):
            return ma.fields.String(validate=validate.Length(min=low, max=high), **options)
        case Choice(options=choices):
            return ma.fields.Enum(choices, by_value=True, **options)
        case Moment():
            return AwareDateTime(**options) if request else ma.fields.DateTime(**options)
        case Hours(maximum=top):
            return _hours(maximum=top, **options)
        case WholeNumber(minimum=low, maximum=high):
            return ma.fields.Integer(strict=True, validate=validate.Range(low, high), **options)
        case Reference():
            return ma.fields.UUID(**options)
        case JsonObject():
            return ma.fields.Dict(keys=ma.fields.String(), **options)
        case Flag():
            return strict_boolean(**options)
        case Recurrence():
            return ma.fields.Nested(RecurrenceSchema, **options)
        case TagNames():
            return ma.fields.List(
                ma.fields.String(validate=validate.Length(min=1, max=TAG_NAME_MAX)),
                validate=validate.Length(max=MAX_TAGS_PER_TASK),
                **options,
            )
    raise TypeError(f"no schema field for {spec.name}")


_ASSIGNEE_IDS = {
    "assignee_ids": ma.fields.List(
        ma.fields.UUID(),
        validate=validate.Length(max=MAX_ASSIGNEES),
        metadata={
            "description": "Sets the assignees (creator, managers, admins); left out on PUT "
            "or PATCH, the assignees stay as they are"
        },
    )
}


def request_fields(
    declared: tuple[FieldSpec, ...], *, replace: bool
) -> dict[str, ma.fields.Field[Any]]:
    """POST and PUT need the required fields (an omitted optional one takes its default);
    PATCH needs none."""
    return {
        spec.name: _required(declared_field(spec, request=True))
        if replace and spec.required
        else declared_field(spec, request=True)
        for spec in declared
    }


def _required(field: ma.fields.Field[Any]) -> ma.fields.Field[Any]:
    field.required = True
    return field


TaskCreateSchema = StrictSchema.from_dict(
    request_fields(FIELDS, replace=True) | _ASSIGNEE_IDS, name="TaskCreate"
)
TaskPutSchema = StrictSchema.from_dict(
    request_fields(FIELDS, replace=True) | _ASSIGNEE_IDS, name="TaskPut"
)
TaskPatchSchema = StrictSchema.from_dict(
    request_fields(FIELDS, replace=False) | _ASSIGNEE_IDS, name="TaskPatch"
)


class AssigneeSchema(ma.Schema):
    id = ma.fields.UUID()
    username = ma.fields.String(allow_none=True)
    display_name = ma.fields.String(allow_none=True)
    assigned_by = ma.fields.UUID()
    assigned_at = ma.fields.DateTime()


class SlaSchema(ma.Schema):
    policy_id = ma.fields.UUID()
    response_due = ma.fields.DateTime(metadata={"description": "To leave `todo` by"})
    resolution_due = ma.fields.DateTime(
        metadata={"description": "To be done by (moves out while the task is blocked)"}
    )
    state = ma.fields.Enum(
        SlaState,
        by_value=True,
        metadata={"description": "`at_risk` once 75 % of a pending target has passed"},
    )


_READ_ONLY: dict[str, ma.fields.Field[Any]] = {
    "id": ma.fields.UUID(),
    "created_by": ma.fields.UUID(),
    "assignee_ids": ma.fields.List(ma.fields.UUID()),
    "assignees": ma.fields.List(ma.fields.Nested(AssigneeSchema)),
    "is_archived": ma.fields.Boolean(),
    "archived_at": ma.fields.DateTime(allow_none=True),
    "series_id": ma.fields.UUID(
        allow_none=True,
        metadata={"description": "The recurring series (`?series=` lists it); null if none"},
    ),
    "is_overdue": ma.fields.Boolean(
        metadata={
            "description": "Set by the hourly overdue check; cleared when closed or rescheduled"
        }
    ),
    "created_at": ma.fields.DateTime(),
    "updated_at": ma.fields.DateTime(),
    "version": ma.fields.Integer(),
    "score": ma.fields.Integer(
        metadata={
            "description": "Computed priority, 0-100, from priority, due-date proximity, the "
            "open tasks it blocks and age (docs/API.md); refreshed on every change and by a "
            "periodic job, without a new version"
        }
    ),
    "sla": ma.fields.Nested(
        SlaSchema,
        allow_none=True,
        metadata={
            "description": "The SLA of the policy that governs the task (ADR 0020), evaluated "
            "on each change and every 30 seconds; null without one"
        },
    ),
    "allowed_transitions": ma.fields.List(
        ma.fields.Enum(Status, by_value=True),
        metadata={
            "description": "The statuses the task may move to now: the workflow's moves, less "
            "in_progress and done while an open task blocks it; none while archived"
        },
    ),
}
TaskSchema = ma.Schema.from_dict(
    {spec.name: declared_field(spec, request=False) for spec in FIELDS} | _READ_ONLY, name="Task"
)
"""A task as served: its declared fields and the read-only ones (a test holds it equal to
the read side's columns and to the keys actually served)."""


class PageQuerySchema(StrictSchema):
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = ma.fields.String(
        validate=validate.Length(min=1, max=2048),
        metadata={"description": "Opaque: the `next_cursor` of the previous page"},
    )


class TaskListQuerySchema(PageQuerySchema):
    sort = ma.fields.String(
        validate=validate.Length(max=100),
        metadata={
            "description": "Comma-separated keys of created_at, updated_at, due_date, priority, "
            "status, title, score; `-` for descending. Default `-created_at`, or relevance "
            "with `q`: the 1,000 newest matches by rank, then the older ones newest first "
            "(header Search-Rank-Window). Tasks without a due date sort last either way.",
            "example": "-due_date,priority",
        },
    )
    status = ma.fields.List(
        ma.fields.Enum(Status, by_value=True), metadata={"description": "Repeatable"}
    )
    priority = ma.fields.List(
        ma.fields.Enum(Priority, by_value=True), metadata={"description": "Repeatable"}
    )
    assignee = ma.fields.String(
        validate=validate.Regexp(_UUID_OR_ME), metadata={"description": "A user id, or `me`"}
    )
    created_by = ma.fields.UUID()
    team = ma.fields.UUID()
    tag = ma.fields.List(
        ma.fields.String(validate=[validate.Length(min=1, max=TAG_NAME_MAX), _no_nul]),
        metadata={"description": "Repeatable: tasks with any of these tags"},
    )
    due_before = AwareDateTime()
    due_after = AwareDateTime()
    overdue = ma.fields.Boolean(truthy={"true"}, falsy={"false"})
    archived = ma.fields.String(
        load_default="false", validate=validate.OneOf(["false", "true", "all"])
    )
    parent = ma.fields.String(
        validate=validate.Regexp(_UUID_OR_NONE),
        metadata={"description": "Subtasks of this task id, or `none` for top-level tasks"},
    )
    updated_since = AwareDateTime()
    series = ma.fields.UUID(metadata={"description": "The occurrences of a recurring series"})
    sla_state = ma.fields.List(
        ma.fields.Enum(SlaState, by_value=True),
        metadata={"description": "Repeatable: tasks whose SLA is in any of these states"},
    )
    q = ma.fields.String(
        validate=[validate.Length(min=1, max=200), _no_nul],
        metadata={
            "description": "Full-text search of title, tag names, description and comments "
            "(web search syntax)"
        },
    )


class TaskPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TaskSchema))
    next_cursor = ma.fields.String(allow_none=True)


class AssignSchema(StrictSchema):
    user_ids = ma.fields.List(
        ma.fields.UUID(), required=True, validate=validate.Length(min=1, max=MAX_ASSIGNEES)
    )


class CommentSchema(ma.Schema):
    id = ma.fields.UUID()
    task_id = ma.fields.UUID()
    author_id = ma.fields.UUID()
    author_username = ma.fields.String(allow_none=True)
    author_display_name = ma.fields.String(allow_none=True)
    body = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    edited = ma.fields.Boolean()
    version = ma.fields.Integer()


class CommentBodySchema(StrictSchema):
    body = ma.fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class CommentPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CommentSchema))
    next_cursor = ma.fields.String(allow_none=True)


class HistoryEntrySchema(ma.Schema):
    id = ma.fields.UUID()
    task_id = ma.fields.UUID()
    action = ma.fields.String(
        metadata={
            "description": "created, updated, status_changed, assigned, unassigned, commented, "
            "comment_edited, comment_deleted, archived, restored, dependency_added, "
            "dependency_removed"
        }
    )
    actor_id = ma.fields.UUID(allow_none=True)
    at = ma.fields.DateTime()
    changes = ma.fields.Dict(
        metadata={
            "description": 'Field → {"old": …, "new": …}',
            "example": {"title": {"old": "a", "new": "b"}},
        }
    )


class HistoryPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(HistoryEntrySchema))
    next_cursor = ma.fields.String(allow_none=True)


class NamedPageQuerySchema(PageQuerySchema):
    q = ma.fields.String(
        validate=[validate.Length(min=1, max=100), _no_nul],
        metadata={"description": "Part of the name"},
    )


class TagSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    colour = ma.fields.String(metadata={"example": "#1f77b4"})
    created_by = ma.fields.UUID()
    created_at = ma.fields.DateTime()


class TagCreateSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=TAG_NAME_MAX))
    colour = ma.fields.String(
        load_default="#6b7280",
        validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"),
        metadata={"example": "#1f77b4"},
    )


class TagPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TagSchema))
    next_cursor = ma.fields.String(allow_none=True)


TemplateCreateSchema = StrictSchema.from_dict(
    request_fields(TEMPLATE_FIELDS, replace=True), name="TemplateCreate"
)
TemplatePatchSchema = StrictSchema.from_dict(
    request_fields(TEMPLATE_FIELDS, replace=False), name="TemplatePatch"
)
TemplateSchema = ma.Schema.from_dict(
    {spec.name: declared_field(spec, request=False) for spec in TEMPLATE_FIELDS}
    | {
        "id": ma.fields.UUID(),
        "variables": ma.fields.List(
            ma.fields.String(), metadata={"description": "The placeholders instantiation needs"}
        ),
        "created_by": ma.fields.UUID(),
        "created_at": ma.fields.DateTime(),
        "updated_at": ma.fields.DateTime(),
        "version": ma.fields.Integer(),
    },
    name="Template",
)


class TemplatePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TemplateSchema))
    next_cursor = ma.fields.String(allow_none=True)


class InstantiateSchema(StrictSchema):
    variables = ma.fields.Dict(
        keys=ma.fields.String(validate=validate.Length(min=1, max=64)),
        values=ma.fields.String(validate=validate.Length(max=1000)),
        load_default=dict,
        metadata={"description": "Placeholder → text; every placeholder needs one"},
    )
    due_date = AwareDateTime(allow_none=True)
    team_id = ma.fields.UUID(allow_none=True)
    parent_task_id = ma.fields.UUID(allow_none=True)
    priority = ma.fields.Enum(Priority, by_value=True)
    assignee_ids = ma.fields.List(ma.fields.UUID(), validate=validate.Length(max=MAX_ASSIGNEES))
