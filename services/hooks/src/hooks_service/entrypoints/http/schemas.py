"""Request and response bodies of the hooks API (validation and the OpenAPI document)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from hooks_service.domain.addresses import URL_MAX
from hooks_service.domain.model import DESCRIPTION_MAX, EVENT_PATTERNS_MAX
from taskhive_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT


class StrictSchema(ma.Schema):
    """Unknown fields are refused (422), never ignored or mass-assigned."""

    class Meta:
        unknown = ma.RAISE


def strict_boolean(**kwargs: Any) -> ma.fields.Boolean:
    return ma.fields.Boolean(truthy={True}, falsy={False}, **kwargs)


_URL_DOC = {
    "description": "https (plain http only to an allow-listed host); refused when the host "
    "is or resolves to a private, loopback, link-local or metadata address",
    "example": "https://example.com/hooks/taskhive",
}
_EVENTS_DOC = {
    "description": "Event type patterns: `*`, `tasks.task.*`, `tasks.task.assigned`",
    "example": ["tasks.task.*"],
}


def _events(**kwargs: Any) -> ma.fields.List[Any]:
    return ma.fields.List(
        ma.fields.String(validate=validate.Length(min=1, max=100)),
        validate=validate.Length(min=1, max=EVENT_PATTERNS_MAX),
        metadata=_EVENTS_DOC,
        **kwargs,
    )


class WebhookCreateSchema(StrictSchema):
    url = ma.fields.String(required=True, validate=validate.Length(max=URL_MAX), metadata=_URL_DOC)
    events = _events(required=True)
    description = ma.fields.String(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    active = strict_boolean(load_default=True)


class WebhookPatchSchema(StrictSchema):
    url = ma.fields.String(validate=validate.Length(max=URL_MAX), metadata=_URL_DOC)
    events = _events()
    description = ma.fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    active = strict_boolean(
        metadata={"description": "true again after a disablement forgets the failure streak"}
    )


class WebhookSchema(ma.Schema):
    id = ma.fields.UUID()
    owner_id = ma.fields.UUID()
    url = ma.fields.String()
    events = ma.fields.List(ma.fields.String(), attribute="event_types")
    description = ma.fields.String()
    active = ma.fields.Boolean()
    disabled_reason = ma.fields.String(allow_none=True)
    failing_since = ma.fields.DateTime(allow_none=True)
    previous_secret_expires_at = ma.fields.DateTime(
        allow_none=True, metadata={"description": "Until then both secrets sign"}
    )
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    version = ma.fields.Integer()


class WebhookWithSecretSchema(WebhookSchema):
    secret = ma.fields.String(
        metadata={"description": "`whsec_…`: shown only now (at creation and rotation)"}
    )


class PageQuerySchema(StrictSchema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT)
    )
    cursor = ma.fields.String(
        validate=validate.Length(min=1, max=1024),
        metadata={"description": "Opaque: the `next_cursor` of the previous page"},
    )


class WebhookPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(WebhookSchema))
    next_cursor = ma.fields.String(allow_none=True)


class DeliverySchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Also the `webhook-id` header"})
    event_id = ma.fields.UUID()
    event_type = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["pending", "succeeded", "failed"]})
    attempts = ma.fields.Integer()
    response_code = ma.fields.Integer(allow_none=True)
    duration_ms = ma.fields.Integer(allow_none=True)
    request = ma.fields.String(metadata={"description": "The body sent (first 2 KiB)"})
    response = ma.fields.String(allow_none=True, metadata={"description": "First 2 KiB"})
    last_error = ma.fields.String(allow_none=True)
    next_attempt_at = ma.fields.DateTime()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class DeliveryPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DeliverySchema))
    next_cursor = ma.fields.String(allow_none=True)


class ActivityQuerySchema(PageQuerySchema):
    task = ma.fields.UUID()
    team = ma.fields.UUID()
    actor = ma.fields.UUID()
    type = ma.fields.String(
        validate=validate.Regexp(r"^[a-z][a-z0-9_.]{0,99}$"),
        metadata={"description": "A type or its prefix, e.g. `tasks.task.assigned`"},
    )


class ActivityItemSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "The event id"})
    type = ma.fields.String()
    time = ma.fields.DateTime()
    actor_id = ma.fields.UUID(allow_none=True)
    actor_name = ma.fields.String(allow_none=True)
    task_id = ma.fields.UUID(allow_none=True)
    team_id = ma.fields.UUID(allow_none=True)
    summary = ma.fields.String(metadata={"example": "ana assigned “Ship it” to bo"})
    data = ma.fields.Dict()


class ActivityPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ActivityItemSchema))
    next_cursor = ma.fields.String(allow_none=True)
