"""The in-process gateway of the embedded mode: HAProxy's routes and policies as WSGI.

It mirrors `gateway/haproxy.cfg`: prefix routing, the `/api/` alias of `/api/v1/`,
`/.well-known/jwks.json`, X-Request-ID, the body limit, security headers and the
stricter per-IP rate limit on login and register.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_RATE_LIMITED = re.compile(r"^/api/v1/auth/(login|register)/?$")
_INTERNAL_HEADER = re.compile(r"^HTTP_X_INTERNAL_")
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"


@dataclass(frozen=True, slots=True)
class Route:
    prefix: str
    app: WSGIApplication


class FixedWindowLimiter:
    """Per-key counter over a fixed window; enough for one process (HAProxy does it in stack)."""

    def __init__(self, limit: int, window_seconds: int) -> None:
        self.limit = limit
        self.window = window_seconds
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count a request; return seconds to wait when over the limit, else None."""
        now = int(time.monotonic())
        window_start = now - now % self.window
        with self._lock:
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window_start}
            start, count = self._counts.get(key, (window_start, 0))
            if start != window_start:
                start, count = window_start, 0
            count += 1
            self._counts[key] = (start, count)
        if count > self.limit:
            return max(1, start + self.window - now)
        return None


def _problem(
    status: int, title: str, detail: str, extra: Sequence[tuple[str, str]] = ()
) -> tuple[str, list[tuple[str, str]], bytes]:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
    headers = [("Content-Type", "application/problem+json"), *extra]
    return f"{status} {title}", headers, body.encode()


def not_found_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """HAProxy's `be_not_found`: no API at this path (the web UI answers every other path)."""
    status, headers, body = _problem(404, "Not Found", "No resource at this path.")
    start_response(status, headers)
    return [body]


class GatewayRouter:
    def __init__(
        self,
        routes: Sequence[Route],
        *,
        max_body_bytes: int = 1_048_576,
        auth_limiter: FixedWindowLimiter | None = None,
    ) -> None:
        # Longest prefix first, as HAProxy's ACL order does.
        self._routes = sorted(routes, key=lambda route: len(route.prefix), reverse=True)
        self._max_body = max_body_bytes
        self._auth_limiter = auth_limiter or FixedWindowLimiter(20, 60)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        if not _VALID_REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex
        for key in [key for key in environ if _INTERNAL_HEADER.match(key)]:
            del environ[key]
        environ["HTTP_X_REQUEST_ID"] = request_id
        path = self._rewrite(environ.get("PATH_INFO", "/"))
        environ["PATH_INFO"] = path

        def respond(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
            names = {name.lower() for name, _ in headers}
            headers = [(n, v) for n, v in headers if n.lower() not in ("server", "x-request-id")]
            headers.append(("X-Request-ID", request_id))
            headers.extend(h for h in SECURITY_HEADERS if h[0].lower() not in names)
            if "/docs" not in path and "content-security-policy" not in names:
                headers.append(("Content-Security-Policy", API_CSP))
            return start_response(status, headers, exc_info)  # type: ignore[arg-type]

        early = self._refuse(environ, path)
        if early is not None:
            status, headers, body = early
            respond(status, headers)
            return [body]
        for route in self._routes:
            if path == route.prefix.rstrip("/") or path.startswith(route.prefix):
                return route.app(environ, respond)  # type: ignore[arg-type]
        status, headers, body = _problem(404, "Not Found", "No route for this path.")
        respond(status, headers)
        return [body]

    @staticmethod
    def _rewrite(path: str) -> str:
        if path in ("/.well-known/jwks.json", "/.well-known/jwks.json/"):
            return "/api/v1/auth/jwks.json"
        if path.startswith("/api/") and not path.startswith("/api/v1/"):
            return "/api/v1/" + path.removeprefix("/api/")
        return path

    def _refuse(
        self, environ: WSGIEnvironment, path: str
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _problem(400, "Bad Request", "Invalid Content-Length.")
        if length > self._max_body:
            return _problem(
                413, "Content Too Large", f"Request bodies are limited to {self._max_body} bytes."
            )
        if _RATE_LIMITED.match(path):
            wait = self._auth_limiter.hit(environ.get("REMOTE_ADDR", "?"))
            if wait is not None:
                return _problem(
                    429,
                    "Too Many Requests",
                    "Too many sign-in attempts; retry later.",
                    [("Retry-After", str(wait))],
                )
        return None
