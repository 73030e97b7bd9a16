"""Query and response bodies of the audit API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class AuditQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    actor = ma.fields.String(validate=validate.Length(min=1, max=100))
    action = ma.fields.String(validate=validate.Length(min=1, max=100))
    resource_type = ma.fields.String(validate=validate.Length(min=1, max=50))
    resource_id = ma.fields.String(validate=validate.Length(min=1, max=200))
    since = ma.fields.AwareDateTime(metadata={"description": "occurred_at ≥ (RFC 3339)"})
    until = ma.fields.AwareDateTime(metadata={"description": "occurred_at < (RFC 3339)"})


class AuditPageQuerySchema(AuditQuerySchema):
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = ma.fields.String(validate=validate.Length(max=200))


class AuditRecordSchema(ma.Schema):
    seq = ma.fields.Integer()
    event_id = ma.fields.UUID()
    occurred_at = ma.fields.DateTime()
    recorded_at = ma.fields.DateTime()
    action = ma.fields.String()
    resource_type = ma.fields.String()
    resource_id = ma.fields.String()
    actor_id = ma.fields.String(allow_none=True)
    request_id = ma.fields.String(allow_none=True)
    source_ip = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()
    prev_hash = ma.fields.String()
    hash = ma.fields.String()


class AuditPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AuditRecordSchema))
    next_cursor = ma.fields.String(allow_none=True)
