"""The audit API: admins only; a filtered keyset list and a JSON Lines export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import marshmallow as ma
from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from audit_service.application.ports import AuditFilter
from audit_service.application.queries import InvalidQuery
from audit_service.application.services import AuditServices
from audit_service.domain.records import AuditRecord
from audit_service.entrypoints.http.schemas import (
    AuditPageQuerySchema,
    AuditPageSchema,
    AuditQuerySchema,
)
from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import bearer, page_answer
from taskhive_shared.http.problem import ProblemError, validation_problem
from taskhive_shared.security.flask_auth import authenticate


def record_body(record: AuditRecord) -> dict[str, Any]:
    entry = record.entry
    return {
        "seq": record.seq,
        "event_id": entry.event_id,
        "occurred_at": entry.occurred_at,
        "recorded_at": record.recorded_at,
        "action": entry.action,
        "resource_type": entry.resource_type,
        "resource_id": entry.resource_id,
        "actor_id": entry.actor_id,
        "request_id": entry.request_id,
        "source_ip": entry.source_ip,
        "details": entry.details,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def export_line(record: AuditRecord) -> str:
    """One JSON Lines row: the API's body with its UUID and times as text."""
    body = record_body(record)
    for name in ("event_id", "occurred_at", "recorded_at"):
        value = body[name]
        body[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return json.dumps(body, separators=(",", ":")) + "\n"


def _filter(query: dict[str, Any]) -> AuditFilter:
    if query.get("since") and query.get("until") and query["since"] >= query["until"]:
        raise validation_problem({"until": ["Must be after `since`."]})
    return AuditFilter(
        actor_id=query.get("actor"),
        action=query.get("action"),
        resource_type=query.get("resource_type"),
        resource_id=query.get("resource_id"),
        since=query.get("since"),
        until=query.get("until"),
    )


def build_blueprint(services: AuditServices) -> Blueprint:
    blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="The audit log")

    def admin() -> None:
        if authenticate(services.verifier).role != "admin":
            raise ProblemError(
                403, "Forbidden", "Only administrators read the audit log.", slug="forbidden"
            )

    @blp.route("/")
    class Records(MethodView):
        @blp.arguments(AuditPageQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, AuditPageSchema)
        @bearer(blp)
        @problem(blp, 403, "Not an administrator")
        def get(self, query: dict[str, Any]) -> Any:
            """Audit records, newest first, filtered by actor, action, resource and time."""
            admin()
            try:
                page = services.queries.page(_filter(query), query["limit"], query.get("cursor"))
            except InvalidQuery as exc:
                raise validation_problem({exc.field: [exc.message]}) from exc
            return page_answer([record_body(record) for record in page.items], page.next_cursor)

    @blp.route("/export")
    class Export(MethodView):
        @blp.arguments(AuditQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, content_type="application/jsonl")
        @bearer(blp)
        @problem(blp, 403, "Not an administrator")
        def get(self, query: dict[str, Any]) -> Any:
            """Every matching record, oldest first, one JSON object per line (for a SIEM)."""
            admin()
            where = _filter(query)

            def lines() -> Iterator[str]:
                for record in services.queries.export(where):
                    yield export_line(record)

            return Response(
                stream_with_context(lines()),
                mimetype="application/jsonl",
                headers={"Cache-Control": "no-store"},
            )

    return blp
