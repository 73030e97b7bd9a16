"""The activity feed."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from hooks_service.application.activity import ActivityFilter
from hooks_service.application.services import HooksServices
from hooks_service.entrypoints.http.cursors import read_seq_cursor, seq_cursor
from hooks_service.entrypoints.http.schemas import ActivityPageSchema, ActivityQuerySchema
from taskhive_shared.http.endpoints import (
    LINK_HEADER,
    authenticated,
    bearer,
    caller_id,
    page_answer,
)
from taskhive_shared.security.flask_auth import authenticate


def build_activity_blueprint(services: HooksServices) -> Blueprint:
    blp = Blueprint(
        "activity",
        __name__,
        url_prefix="/api/v1/activity",
        description="What happened on what you may see, newest first.",
    )
    blp.before_request(authenticated(services.verifier))

    @blp.route("/")
    class Activity(MethodView):
        @blp.arguments(ActivityQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, ActivityPageSchema, headers=LINK_HEADER)
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """Events as sentences and data; filters `task`, `team`, `actor`, `type`."""
            user_id = caller_id(services.verifier)
            items, last = services.activity.page(
                user_id,
                authenticate(services.verifier).role,
                ActivityFilter(
                    args.get("task"), args.get("team"), args.get("actor"), args.get("type")
                ),
                args["limit"],
                read_seq_cursor(args.get("cursor")),
            )
            return page_answer(items, seq_cursor(last) if last is not None else None)

    return blp
