"""The session cookie, CSRF protection and the security headers of every page.

- The cookie holds an opaque random id (HttpOnly, SameSite=Lax, Secure when configured); the
  session itself (tokens, CSRF token, flash messages) lives in the session store.
- Every state-changing request must carry the session's CSRF token (synchronizer token) AND
  must not come from another site (`Sec-Fetch-Site`, else `Origin`): two independent checks,
  so a browser that omits one header is still covered by the other.
- Content-Security-Policy allows scripts and styles from our own origin only: no inline code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, Response, g, redirect, request, url_for

from taskhive_shared.observability.tracing import current_traceparent
from taskhive_shared.observability.web import METRICS_ENDPOINT
from web_service.application.sessions import Caller, SessionManager
from web_service.domain.session import WebSession

COOKIE_NAME = "taskhive_session"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

F = TypeVar("F", bound=Callable[..., Any])


class CsrfRefused(Exception):
    """A state-changing request without a valid token, or from another site."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    secure: bool
    max_age_seconds: int


def install_sessions(app: Flask, sessions: SessionManager, policy: CookiePolicy) -> None:
    @app.before_request
    def _load_session() -> None:
        if request.endpoint in ("static", "health.livez", "health.readyz", METRICS_ENDPOINT):
            return
        session, stale = sessions.load(request.cookies.get(COOKIE_NAME))
        g.web_session = session
        g.session_cookie = session.id if session else None
        g.session_dirty = stale
        g.caller = Caller(
            client_ip=request.remote_addr,
            request_id=g.get("request_id"),
            traceparent=current_traceparent(),
        )
        if request.method in UNSAFE_METHODS:
            check_csrf(session)

    @app.after_request
    def _store_session(response: Response) -> Response:
        session: WebSession | None = g.get("web_session")
        if session is None:
            if g.get("session_cookie"):
                response.delete_cookie(COOKIE_NAME, path="/")
            return response
        is_new = session.id != g.get("session_cookie")
        if is_new:
            sessions.save(session)  # a new session: nobody else can have written it
        elif g.get("session_dirty"):
            sessions.save_after_request(session)
        # Re-sent whenever the stored session was renewed: the expiry slides in the browser too.
        if is_new or g.get("session_dirty"):
            response.set_cookie(
                COOKIE_NAME,
                session.id,
                max_age=policy.max_age_seconds,
                path="/",
                secure=policy.secure,
                httponly=True,
                samesite="Lax",
            )
        return response


def current_session(*, create: bool = True) -> WebSession | None:
    """This request's session; an anonymous one is started when a page needs it (a form)."""
    session: WebSession | None = g.get("web_session")
    if session is None and create:
        session = WebSession.new()
        g.web_session = session
        g.session_dirty = True
    return session


def replace_session(session: WebSession) -> None:
    """After sign-in or sign-out: a new id, so an id seen before cannot ride the new state."""
    g.web_session = session
    g.session_dirty = True


def mark_dirty() -> None:
    g.session_dirty = True


def flash(message: str, category: str = "info") -> None:
    session = current_session()
    assert session is not None
    session.flash(message, category)
    mark_dirty()


def take_flashes() -> list[tuple[str, str]]:
    session = current_session(create=False)
    if session is None or not session.flashes:
        return []
    taken, session.flashes = session.flashes, []
    mark_dirty()
    return taken


def csrf_token() -> str:
    session = current_session()
    assert session is not None
    return session.csrf_token


def check_csrf(session: WebSession | None) -> None:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        raise CsrfRefused(f"cross-site request (Sec-Fetch-Site: {site})")
    origin = request.headers.get("Origin")
    # `null` is what a browser sends for a same-origin form under some referrer policies.
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise CsrfRefused(f"foreign Origin {origin}")
    submitted = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token")
    if session is None or not session.csrf_matches(submitted):
        raise CsrfRefused("missing or wrong CSRF token")


def install_headers(app: Flask, max_static_age: int) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint == "static":
            response.headers["Cache-Control"] = f"public, max-age={max_static_age}"
        elif "Cache-Control" not in response.headers:
            # Pages show one user's data: never stored by a shared cache or the back button.
            response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
        return response


def signed_in_user() -> Any:
    session = current_session(create=False)
    return session.user if session is not None and session.signed_in else None


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if signed_in_user() is None:
            if request.method in UNSAFE_METHODS:
                flash("Sign in to continue.", "error")
                return redirect(url_for("auth.login"))
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return cast(F, wrapper)


def safe_next(target: str | None, default: str) -> str:
    """Only a path of this site: `next` must not turn sign-in into an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return default  # a control character would break the Location header (a 500)
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
