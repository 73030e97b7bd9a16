"""Webhook subscriptions and their deliveries: thin adapters from HTTP to the use cases."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from hooks_service.application.ports import Delivery
from hooks_service.application.services import HooksServices
from hooks_service.application.webhooks import Caller
from hooks_service.entrypoints.http.cursors import id_cursor, read_id_cursor
from hooks_service.entrypoints.http.schemas import (
    DeliveryPageSchema,
    DeliverySchema,
    PageQuerySchema,
    WebhookCreateSchema,
    WebhookPageSchema,
    WebhookPatchSchema,
    WebhookSchema,
    WebhookWithSecretSchema,
)
from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import (
    ETAG_HEADER,
    IF_MATCH,
    LINK_HEADER,
    PRIVATE,
    authenticated,
    bearer,
    caller_id,
    if_match_version,
    page_answer,
    versioned,
)
from taskhive_shared.http.middleware import client_ip
from taskhive_shared.security.flask_auth import authenticate

_NOT_FOUND = "No webhook of yours has this id"


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_code": delivery.response_code,
        "duration_ms": delivery.duration_ms,
        "request": delivery.payload[:2048],
        "response": delivery.response_body,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
    }


def build_webhooks_blueprint(services: HooksServices) -> Blueprint:
    blp = Blueprint(
        "webhooks",
        __name__,
        url_prefix="/api/v1/webhooks",
        description="Webhook subscriptions: signed deliveries (Standard Webhooks) of the events "
        "their owner may see.",
    )
    blp.before_request(authenticated(services.verifier))
    handlers = services.webhooks

    def caller() -> Caller:
        role = authenticate(services.verifier).role
        return Caller(caller_id(services.verifier), role, client_ip())

    @blp.route("/")
    class Webhooks(MethodView):
        @blp.arguments(PageQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, WebhookPageSchema, headers=LINK_HEADER)
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """Your webhooks (admins: everyone's), oldest first (keyset pages)."""
            limit = args["limit"]
            hooks = handlers.page(caller(), limit + 1, read_id_cursor(args.get("cursor")))
            more = len(hooks) > limit
            hooks = hooks[:limit]
            return page_answer(hooks, id_cursor(hooks[-1].id) if more else None)

        @blp.arguments(WebhookCreateSchema)
        @blp.response(201, WebhookWithSecretSchema, headers=ETAG_HEADER)
        @problem(blp, 422, "Invalid fields: a refused URL, unknown patterns")
        @bearer(blp)
        def post(self, body: dict[str, Any]) -> Any:
            """Subscribe a URL to event patterns; the answer carries the secret, only now."""
            hook = handlers.create(
                caller(), body["url"], body["events"], body["description"], body["active"]
            )
            return hook, 201, versioned(hook.version, {"Location": f"{hook.id}"})

    @blp.route("/<uuid:hook_id>")
    class Webhook(MethodView):
        @blp.response(200, WebhookSchema, headers=ETAG_HEADER)
        @problem(blp, 404, _NOT_FOUND)
        @bearer(blp)
        def get(self, hook_id: uuid.UUID) -> Any:
            """One webhook (never its secret)."""
            hook = handlers.get(caller(), hook_id)
            return hook, 200, versioned(hook.version)

        @blp.arguments(WebhookPatchSchema)
        @blp.response(200, WebhookSchema, headers=ETAG_HEADER)
        @problem(blp, 404, _NOT_FOUND)
        @problem(blp, 412, "If-Match names an older version")
        @problem(blp, 422, "Invalid fields")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def patch(self, body: dict[str, Any], hook_id: uuid.UUID) -> Any:
            """Change the URL, patterns, description or `active`."""
            hook = handlers.update(caller(), hook_id, if_match_version(), body)
            return hook, 200, versioned(hook.version)

        @blp.response(204)
        @problem(blp, 404, _NOT_FOUND)
        @problem(blp, 412, "If-Match names an older version")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def delete(self, hook_id: uuid.UUID) -> Any:
            """Delete the webhook and its delivery log."""
            handlers.delete(caller(), hook_id, if_match_version())
            return None, 204, PRIVATE

    @blp.route("/<uuid:hook_id>/rotate-secret", methods=["POST"])
    @blp.response(200, WebhookWithSecretSchema, headers=ETAG_HEADER)
    @problem(blp, 404, _NOT_FOUND)
    @bearer(blp)
    def rotate_secret(hook_id: uuid.UUID) -> Any:
        """A new secret (shown only now); the old one keeps signing for the overlap period,
        so deliveries carry both signatures until then."""
        hook = handlers.rotate_secret(caller(), hook_id)
        return hook, 200, versioned(hook.version)

    @blp.route("/<uuid:hook_id>/ping", methods=["POST"])
    @blp.response(202, DeliverySchema)
    @problem(blp, 404, _NOT_FOUND)
    @bearer(blp)
    def ping(hook_id: uuid.UUID) -> Any:
        """Send a `hooks.webhook.ping.v1` delivery now."""
        return delivery_view(handlers.ping(caller(), hook_id)), 202, PRIVATE

    @blp.route("/<uuid:hook_id>/deliveries", methods=["GET"])
    @blp.arguments(PageQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, DeliveryPageSchema, headers=LINK_HEADER)
    @problem(blp, 404, _NOT_FOUND)
    @bearer(blp)
    def deliveries(args: dict[str, Any], hook_id: uuid.UUID) -> Any:
        """The delivery log, newest first (keyset pages)."""
        limit = args["limit"]
        found = handlers.deliveries(
            caller(), hook_id, limit + 1, read_id_cursor(args.get("cursor"))
        )
        more = len(found) > limit
        found = found[:limit]
        return page_answer(
            [delivery_view(d) for d in found], id_cursor(found[-1].id) if more else None
        )

    @blp.route("/<uuid:hook_id>/deliveries/<uuid:delivery_id>/redeliver", methods=["POST"])
    @blp.response(202, DeliverySchema)
    @problem(blp, 404, "No such webhook of yours, or no such delivery of it")
    @bearer(blp)
    def redeliver(hook_id: uuid.UUID, delivery_id: uuid.UUID) -> Any:
        """Send this delivery again (same `webhook-id`, a fresh retry window)."""
        return delivery_view(handlers.redeliver(caller(), hook_id, delivery_id)), 202, PRIVATE

    return blp
