"""What views reach through the app: the collaborators the composition root gave it."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

from flask import current_app, g

from web_service.application.analytics import RecentReports
from web_service.application.api import Api
from web_service.application.directory import Directory
from web_service.application.live import LiveSlots
from web_service.application.ports import ApiTransport
from web_service.application.sessions import Caller, SessionManager
from web_service.application.task_list import StatusCounts
from web_service.entrypoints.http.security import current_session


@dataclass(frozen=True, slots=True)
class WebDependencies:
    transport: ApiTransport
    sessions: SessionManager
    directory: Directory
    counts: StatusCounts
    pool: Executor
    """Threads for a page's independent API calls (`Api.get_all`)."""
    live: LiveSlots
    """How many live streams this process relays at once (`GET /live`)."""
    reports: RecentReports


def deps() -> WebDependencies:
    found: WebDependencies = current_app.extensions["taskhive_web"]
    return found


def caller() -> Caller:
    found: Caller = g.get("caller") or Caller()
    return found


def api() -> Api:
    """The API as this request's signed-in user (views behind `login_required` only)."""
    existing: Api | None = g.get("api")
    if existing is None:
        session = current_session(create=False)
        assert session is not None
        d = deps()
        existing = Api(d.transport, d.sessions, session, caller())
        g.api = existing
    return existing


def timezone() -> str:
    session = current_session(create=False)
    if session is None or session.user is None:
        return "UTC"
    return session.user.timezone
