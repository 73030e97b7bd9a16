"""Time entries and the timer: thin adapters from HTTP to the use cases."""

from __future__ import annotations

import json
import uuid
from typing import Any

import marshmallow as ma
from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import (
    ETAG_HEADER,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    IF_NONE_MATCH,
    LINK_HEADER,
    PRIVATE,
    authenticated,
    bearer,
    idempotency_key,
    if_match_version,
    not_modified_response,
    page_answer,
    versioned,
)
from timetracking_service.application.entries import ChangeEntry, LogEntry, Retryable
from timetracking_service.application.ports import EntryFilter
from timetracking_service.application.services import TimeTrackingServices
from timetracking_service.domain.model import Actor
from timetracking_service.entrypoints.http.common import (
    PREFIX,
    after_cursor,
    caller,
    entry_cursor,
    entry_view,
)
from timetracking_service.entrypoints.http.schemas import (
    EntryCreateSchema,
    EntryListQuerySchema,
    EntryPageSchema,
    EntryPatchSchema,
    EntrySchema,
    RunningTimerSchema,
    TimerStartSchema,
    TimerStopSchema,
)

_LOCKED = "The entry's week is approved: locked"
_ENTRY = EntrySchema()


def build_entries_blueprint(services: TimeTrackingServices) -> Blueprint:
    blp = Blueprint(
        "entries",
        __name__,
        url_prefix=f"{PREFIX}/entries",
        description="Time entries: a task, a user, a work date and a span or a duration.",
    )
    blp.before_request(authenticated(services.verifier))

    @blp.route("/")
    class Entries(MethodView):
        @blp.arguments(EntryListQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, EntryPageSchema, headers=LINK_HEADER)
        @problem(blp, 422, "Invalid filters or cursor")
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """Entries the caller may see, newest work date first (keyset pages); filters by
            user, task, team and a range of work dates (`from`, `to`, inclusive)."""
            limit = int(args["limit"])
            after = after_cursor(args.get("cursor"))

            def build(actor: Actor) -> EntryFilter:
                return EntryFilter(
                    viewer=actor.user_id,
                    viewer_is_manager=actor.is_manager,
                    viewer_team_ids=actor.team_ids,
                    user_id=args.get("user"),
                    task_id=args.get("task"),
                    team_id=args.get("team"),
                    date_from=args.get("date_from"),
                    date_to=args.get("date_to"),
                    after=after,
                    limit=limit + 1,
                )

            found = services.entries.page(caller(services.verifier), build)
            items = found[:limit]
            cursor = entry_cursor(items[-1]) if len(found) > limit else None
            return page_answer([entry_view(entry) for entry in items], cursor)

        @blp.arguments(EntryCreateSchema)
        @blp.response(201, EntrySchema, headers=ETAG_HEADER)
        @problem(blp, 403, "Only managers (for their teams) and admins log others' time")
        @problem(blp, 409, _LOCKED)
        @problem(
            blp,
            422,
            "Invalid fields, a task the caller cannot see, or an Idempotency-Key reused with "
            "another body",
        )
        @bearer(blp)
        @blp.doc(parameters=[IDEMPOTENCY_KEY])
        def post(self, body: dict[str, Any]) -> Any:
            """Log time: `started_at` and `ended_at`, or `duration_minutes` (with an optional
            `started_at`). Seconds are dropped: entries are kept to the minute. Send an
            Idempotency-Key to retry safely (the same key and body: the first answer again)."""
            key = idempotency_key()
            retry = Retryable(key, request.get_json(silent=True) or {}) if key else None
            logged = services.entries.log_once(
                caller(services.verifier),
                LogEntry(**body),
                retry,
                lambda entry: _ENTRY.dump(entry_view(entry)),
            )
            stored = logged.response.body
            location = url_for("entries.Entry", entry_id=stored["id"])
            headers = versioned(int(stored["version"]), {"Location": location})
            if logged.replayed:
                headers["Idempotent-Replayed"] = "true"
            return Response(
                json.dumps(stored),
                status=logged.response.status,
                mimetype="application/json",
                headers=headers,
            )

    @blp.route("/<uuid:entry_id>")
    class Entry(MethodView):
        @blp.response(200, EntrySchema, headers=ETAG_HEADER)
        @blp.alt_response(304, description="Not modified (If-None-Match)")
        @problem(blp, 404, "No entry the caller may see has this id")
        @bearer(blp)
        @blp.doc(parameters=[IF_NONE_MATCH])
        def get(self, entry_id: uuid.UUID) -> Any:
            """One entry."""
            entry = services.entries.get(caller(services.verifier), entry_id)
            return not_modified_response(entry.version) or (
                entry_view(entry),
                200,
                versioned(entry.version),
            )

        @blp.arguments(EntryPatchSchema)
        @blp.response(200, EntrySchema, headers=ETAG_HEADER)
        @problem(blp, 403, "Only its owner, their team's managers and admins change it")
        @problem(blp, 404, "No entry the caller may see has this id")
        @problem(blp, 409, f"{_LOCKED}; or a running timer (stop it first)")
        @problem(blp, 412, "If-Match names an older version")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def patch(self, body: dict[str, Any], entry_id: uuid.UUID) -> Any:
            """Change a finished entry: only the fields sent change."""
            entry = services.entries.change(
                caller(services.verifier), entry_id, ChangeEntry(**body), if_match_version()
            )
            return entry_view(entry), 200, versioned(entry.version)

        @blp.response(204)
        @problem(blp, 403, "Only its owner, their team's managers and admins delete it")
        @problem(blp, 404, "No entry the caller may see has this id")
        @problem(blp, 409, _LOCKED)
        @problem(blp, 412, "If-Match names an older version")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def delete(self, entry_id: uuid.UUID) -> Any:
            """Delete an entry (a running timer is discarded)."""
            services.entries.delete(caller(services.verifier), entry_id, if_match_version())
            return Response(status=204, headers=PRIVATE)

    return blp


def build_timer_blueprint(services: TimeTrackingServices) -> Blueprint:
    blp = Blueprint(
        "timer",
        __name__,
        url_prefix=f"{PREFIX}/timer",
        description="The caller's timer: at most one runs; starting another stops the first.",
    )
    blp.before_request(authenticated(services.verifier))

    @blp.route("/")
    class Timer(MethodView):
        @blp.response(200, RunningTimerSchema)
        @bearer(blp)
        def get(self) -> Any:
            """The caller's running timer, or null."""
            entry = services.timers.current(caller(services.verifier))
            return {"running": entry_view(entry) if entry else None}, 200, PRIVATE

    @blp.route("/start")
    class TimerStart(MethodView):
        @blp.arguments(TimerStartSchema)
        @blp.response(201, EntrySchema, headers=ETAG_HEADER)
        @blp.alt_response(200, schema=EntrySchema, description="Already running on this task")
        @problem(blp, 409, _LOCKED)
        @problem(blp, 422, "A task the caller cannot see")
        @bearer(blp)
        def post(self, body: dict[str, Any]) -> Any:
            """Start a timer on a task (stopping the one running on another task)."""
            entry, started = services.timers.start(caller(services.verifier), body["task_id"])
            return entry_view(entry), 201 if started else 200, versioned(entry.version)

    @blp.route("/stop")
    class TimerStop(MethodView):
        @blp.arguments(TimerStopSchema)
        @blp.response(200, EntrySchema, headers=ETAG_HEADER)
        @problem(blp, 409, "No timer is running, or its week is approved")
        @bearer(blp)
        def post(self, _body: dict[str, Any]) -> Any:
            """Stop the caller's running timer: it becomes a finished entry."""
            entry = services.timers.stop(caller(services.verifier))
            return entry_view(entry), 200, versioned(entry.version)

    return blp
