"""The Flask app of the web UI: pages, static assets, sessions, CSRF, errors as pages."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from taskhive_shared.http.health import ReadinessCheck, health_blueprint
from taskhive_shared.http.middleware import install_request_id
from taskhive_shared.observability.web import install_observability
from web_service.application.errors import ApiError, ApiUnavailable, SignedOut
from web_service.domain import recurrence
from web_service.domain.workflow import (
    PRIORITIES,
    STATUSES,
    priority_label,
    status_label,
)
from web_service.entrypoints.http import formatting
from web_service.entrypoints.http.activity_views import blueprint as activity_blueprint
from web_service.entrypoints.http.analytics_views import blueprint as analytics_blueprint
from web_service.entrypoints.http.auth_views import blueprint as auth_blueprint
from web_service.entrypoints.http.automation_views import blueprint as automation_blueprint
from web_service.entrypoints.http.context import WebDependencies
from web_service.entrypoints.http.file_views import blueprint as files_blueprint
from web_service.entrypoints.http.key_views import blueprint as keys_blueprint
from web_service.entrypoints.http.live_views import blueprint as live_blueprint
from web_service.entrypoints.http.people_views import blueprint as people_blueprint
from web_service.entrypoints.http.report_views import blueprint as reports_blueprint
from web_service.entrypoints.http.search_views import blueprint as search_blueprint
from web_service.entrypoints.http.security import (
    CookiePolicy,
    CsrfRefused,
    csrf_token,
    current_session,
    flash,
    install_headers,
    install_sessions,
    signed_in_user,
    take_flashes,
)
from web_service.entrypoints.http.task_views import blueprint as task_blueprint
from web_service.entrypoints.http.time_views import blueprint as time_blueprint

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
STATIC_MAX_AGE = 7 * 24 * 3600

ERROR_TEXT: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "You may not do this. Ask the task's creator or a manager."),
    404: ("Page not found", "There is nothing here, or it is not shared with you."),
    405: ("Not allowed", "This page cannot be used that way."),
    409: ("Conflict", "This change does not fit the current state. Reload and try again."),
    413: ("Too large", "What you sent is larger than the limit of 1 MiB."),
    429: ("Too many requests", "Too many attempts in a short time. Wait a moment and retry."),
    500: ("Something went wrong", "An unexpected error occurred. Try again in a moment."),
    503: (
        "Temporarily unavailable",
        "Taskhive cannot reach its services right now. Try again in a moment.",
    ),
}


def _asset_versions(static_dir: Path) -> dict[str, str]:
    """Content hashes appended to asset URLs, so browsers may cache them for a week."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        for path in static_dir.iterdir()
        if path.is_file()
    }


def create_app(
    dependencies: WebDependencies,
    readiness: Mapping[str, ReadinessCheck],
    *,
    cookie_secure: bool,
    session_idle_seconds: int,
    trusted_proxies: int,
    max_body_bytes: int,
) -> Flask:
    app = Flask(
        "web_service",
        template_folder=str(HERE / "templates"),
        static_folder=str(HERE / "static"),
        static_url_path="/static",
    )
    app.config.update(MAX_CONTENT_LENGTH=max_body_bytes, TEMPLATES_AUTO_RELOAD=False)
    app.url_map.strict_slashes = False
    app.extensions["taskhive_web"] = dependencies
    if trusted_proxies:
        # The gateway sets X-Forwarded-For to the browser's address (it drops any client copy).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies
        )
    install_request_id(app)
    # Per-route RED metrics, /metrics (the gateway never routes it) and a SERVER span per page.
    install_observability(app, "web")
    install_sessions(app, dependencies.sessions, CookiePolicy(cookie_secure, session_idle_seconds))
    install_headers(app, STATIC_MAX_AGE)
    app.register_blueprint(health_blueprint(readiness))
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(task_blueprint)
    app.register_blueprint(people_blueprint)
    app.register_blueprint(keys_blueprint)
    app.register_blueprint(activity_blueprint)
    app.register_blueprint(search_blueprint)
    app.register_blueprint(analytics_blueprint)
    app.register_blueprint(files_blueprint)
    app.register_blueprint(reports_blueprint)
    app.register_blueprint(automation_blueprint)
    app.register_blueprint(live_blueprint)
    app.register_blueprint(time_blueprint)
    versions = _asset_versions(HERE / "static")

    def asset(name: str) -> str:
        return url_for("static", filename=name, v=versions.get(name, "0"))

    app.jinja_env.globals.update(
        asset=asset,
        csrf_token=csrf_token,
        current_user=signed_in_user,
        take_flashes=take_flashes,
        STATUSES=STATUSES,
        PRIORITIES=PRIORITIES,
        status_label=status_label,
        priority_label=priority_label,
        RECURRENCE_PRESETS=recurrence.PRESETS,
        RECURRENCE_WEEKDAYS=recurrence.WEEKDAYS,
        RECURRENCE_MODES=recurrence.MODES,
    )
    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    _install_error_pages(app)
    return app


def error_page(status: int, message: str | None = None, title: str | None = None) -> Response:
    default_title, default_text = ERROR_TEXT.get(status, ERROR_TEXT[500])
    html = render_template(
        "error.html", status=status, title=title or default_title, message=message or default_text
    )
    return Response(html, status=status, mimetype="text/html")


def _install_error_pages(app: Flask) -> None:
    @app.errorhandler(CsrfRefused)
    def _csrf(exc: CsrfRefused) -> Response:
        logger.warning("csrf refused", extra={"reason": exc.reason, "path": request.path})
        return error_page(
            403,
            "This form could not be accepted: it was sent from another site, or it expired "
            "(for example after you signed out). Go back, reload the page and try again.",
            "Form refused",
        )

    @app.errorhandler(SignedOut)
    def _signed_out(_exc: SignedOut) -> Any:
        session = current_session(create=False)
        if session is not None:
            session.user, session.tokens = None, None
        flash("Your session has ended. Sign in again to continue.", "error")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))

    @app.errorhandler(ApiUnavailable)
    def _unavailable(exc: ApiUnavailable) -> Response:
        logger.error("api unavailable", extra={"error": str(exc)})
        return error_page(503)

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        if exc.status >= 500:
            logger.error("api error", extra={"status": exc.status, "detail": exc.detail})
            return error_page(503)
        if exc.status == 429:
            wait = exc.retry_after
            return error_page(
                429, f"Too many attempts. Try again in {wait} seconds." if wait else None
            )
        if exc.status in (404, 403, 401):
            return error_page(exc.status if exc.status != 401 else 403)
        return error_page(exc.status if exc.status in ERROR_TEXT else 400, exc.message())

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        return error_page(status if status in ERROR_TEXT else 400)

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Response:
        logger.exception("unhandled error", exc_info=exc)
        return error_page(500)
