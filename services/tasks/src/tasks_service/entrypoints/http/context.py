"""What every resource reaches for: the use cases (on the app), the caller."""

from __future__ import annotations

import uuid

from flask import current_app

from taskhive_shared.http.endpoints import caller_id
from taskhive_shared.security.flask_auth import authenticate
from tasks_service.application.services import TasksServices

SERVICES = "tasks.services"


def services() -> TasksServices:
    found: TasksServices = current_app.extensions[SERVICES]
    return found


def me() -> uuid.UUID:
    """The caller's user id (from the verified bearer token)."""
    return caller_id(services().verifier)


def require_token() -> None:
    """A `before_request` hook: a valid bearer token before any parsing or database work."""
    authenticate(services().verifier)
