"""Tags: any signed-in user lists and creates them."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import (
    LINK_HEADER,
    bearer,
    page_answer,
)
from tasks_service.application.tags import CreateTag
from tasks_service.entrypoints.http.context import me, require_token, services
from tasks_service.entrypoints.http.schemas import (
    NamedPageQuerySchema,
    TagCreateSchema,
    TagPageSchema,
    TagSchema,
)

blp = Blueprint(
    "tags",
    __name__,
    url_prefix="/api/v1/tags",
    description="Tags: names unique in any letter case, with a colour. Tasks name them.",
)
blp.before_request(require_token)


@blp.route("/")
class Tags(MethodView):
    @blp.arguments(NamedPageQuerySchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, TagPageSchema, headers=LINK_HEADER)
    @bearer(blp)
    def get(self, args: dict[str, Any]) -> Any:
        """Tags ordered by name; `q` matches a part of the name."""
        page = services().tags.page(me(), args["limit"], args.get("cursor"), args.get("q"))
        return page_answer(page.items, page.next_cursor)

    @blp.arguments(TagCreateSchema())
    @blp.response(201, TagSchema)
    @problem(blp, 409, "A tag with this name exists (in any letter case)")
    @bearer(blp)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a tag."""
        return services().create_tag(CreateTag(me(), body["name"], body["colour"]))
