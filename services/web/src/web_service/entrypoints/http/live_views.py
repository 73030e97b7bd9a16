"""`GET /live`: the page's live updates, the user's API stream relayed as Server-Sent Events
(its task events, as plain messages: `application.live.page_events`).

Same origin and the session cookie, so `EventSource` needs no token: the access token stays in
the session, server-side (ADR 0023). `Last-Event-ID` passes through, so a reconnecting page
resumes where it stopped. Status codes that make `EventSource` stop for good: 204 (signed out,
or the API refuses the stream) and 503 (every relay slot taken, or the API unreachable; the
page then refreshes itself once later)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from web_service.application.errors import ApiUnavailable, SignedOut
from web_service.application.live import last_event_id, open_stream, page_events
from web_service.entrypoints.http.context import caller, deps
from web_service.entrypoints.http.security import current_session

logger = logging.getLogger(__name__)
blueprint = Blueprint("live", __name__)


@blueprint.get("/live")
def stream() -> Response:
    session = current_session(create=False)
    if session is None or not session.signed_in:
        return Response(status=204)
    d = deps()
    if not d.live.take():
        logger.warning("live stream refused: every relay slot is taken")
        return Response(status=503, headers={"Retry-After": "60"})
    try:
        upstream = open_stream(
            d.transport,
            d.sessions,
            session,
            caller(),
            last_event_id(request.headers.get("Last-Event-ID")),
        )
    except SignedOut:
        d.live.give_back()
        return Response(status=204)
    except ApiUnavailable as exc:
        d.live.give_back()
        logger.warning("live stream unavailable", extra={"error": str(exc)})
        return Response(status=503, headers={"Retry-After": "60"})
    except BaseException:
        d.live.give_back()
        raise
    if upstream.status != 200:
        upstream.close()
        d.live.give_back()
        logger.warning("live stream refused by the API", extra={"status": upstream.status})
        return Response(status=503 if upstream.status >= 500 else 204)
    response = Response(
        page_events(upstream.chunks()),
        status=200,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
    # Called by the app server when the page goes away or the stream ends, started or not.
    response.call_on_close(upstream.close)
    response.call_on_close(d.live.give_back)
    return response
