"""The notification delivery log: what was emailed to whom, and whether it went out."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate

from taskhive_shared.http.endpoints import (
    LINK_HEADER,
    bearer,
    page_answer,
)
from tasks_service.application.notifications.ports import NotificationFilter
from tasks_service.domain.notifications import NotificationStatus, NotificationType
from tasks_service.entrypoints.http.context import me, require_token, services
from tasks_service.entrypoints.http.schemas import PageQuerySchema


class NotificationQuerySchema(PageQuerySchema):
    recipient_id = ma.fields.UUID(metadata={"description": "Admins only; others see their own"})
    task_id = ma.fields.UUID()
    status = ma.fields.String(validate=validate.OneOf([s.value for s in NotificationStatus]))
    notification_type = ma.fields.String(
        validate=validate.OneOf([t.value for t in NotificationType])
    )


class NotificationSchema(ma.Schema):
    id = ma.fields.UUID()
    recipient_id = ma.fields.UUID()
    recipient_email = ma.fields.String()
    task_id = ma.fields.UUID(allow_none=True)
    notification_type = ma.fields.Function(lambda record: record.kind.value)
    occasion = ma.fields.String(
        metadata={"description": "What made it unique: an event id, a due date, a day"}
    )
    status = ma.fields.Function(
        lambda record: record.status.value,
        metadata={"description": "pending, sent or failed (after the last attempt)"},
    )
    subject = ma.fields.String()
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    sent_at = ma.fields.DateTime(allow_none=True)


class NotificationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(NotificationSchema))
    next_cursor = ma.fields.String(allow_none=True)


blp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/api/v1/notifications",
    description="The delivery record of notification emails (newest first).",
)
blp.before_request(require_token)


@blp.route("/")
class Notifications(MethodView):
    @blp.arguments(NotificationQuerySchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, NotificationPageSchema, headers=LINK_HEADER)
    @bearer(blp)
    def get(self, args: dict[str, Any]) -> Any:
        """Admins list every email sent or pending; anyone else lists their own."""
        status = args.get("status")
        kind = args.get("notification_type")
        wanted = NotificationFilter(
            recipient_id=args.get("recipient_id"),
            task_id=args.get("task_id"),
            status=NotificationStatus(status) if status else None,
            kind=NotificationType(kind) if kind else None,
        )
        page = services().notifications.page(me(), wanted, args["limit"], args.get("cursor"))
        return page_answer(page.items, page.next_cursor)
