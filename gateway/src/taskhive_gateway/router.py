"""The in-process gateway of the embedded mode: HAProxy's routes and policies as WSGI.

It mirrors `gateway/haproxy.cfg`: prefix routing, the `/api/` alias of `/api/v1/`,
`/.well-known/jwks.json`, X-Request-ID, the body limit, security headers, the stricter
per-IP rate limit on login and register, and the per-caller limits of ADR 0024 (verified
user, API key, anonymous address) with the IETF RateLimit fields.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_RATE_LIMITED = re.compile(r"^/api/v1/auth/(login|register)/?$")
_INTERNAL_HEADER = re.compile(r"^HTTP_X_INTERNAL_")
_OPERATOR_PATH = re.compile(r"^/+metrics/*$")
"""A process's /metrics is for the monitoring system: never routed (HAProxy's `operator_path`)."""
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
        count, reset = self.take(key)
        return reset if count > self.limit else None

    def take(self, key: str) -> tuple[int, int]:
        """Count a request: the count in this window (this one included), seconds to its end."""
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
        return count, max(1, start + self.window - now)


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class RateVerdict:
    policy: str
    limit: int
    window: int
    remaining: int
    reset: int
    exceeded: bool

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("RateLimit-Policy", f'"{self.policy}";q={self.limit};w={self.window}'),
            ("RateLimit", f'"{self.policy}";r={self.remaining};t={self.reset}'),
        ]


class CallerRateLimits:
    """HAProxy's sc2 limits: a verified token's subject, an API key (by its digest, never
    trusted for more: one address is capped across keys), or the client address."""

    def __init__(
        self,
        *,
        reads: int,
        writes: int,
        anonymous: int,
        key_per_address: int,
        window: int,
        subject_of: Callable[[str], str | None],
    ) -> None:
        self._limiters = {
            "user-read": FixedWindowLimiter(reads, window),
            "user-write": FixedWindowLimiter(writes, window),
            "key-read": FixedWindowLimiter(reads, window),
            "key-write": FixedWindowLimiter(writes, window),
            "anonymous": FixedWindowLimiter(anonymous, window),
            "key-per-address": FixedWindowLimiter(key_per_address, window),
        }
        self._subject_of = subject_of

    def check(self, environ: WSGIEnvironment) -> RateVerdict:
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        kind = "write" if environ.get("REQUEST_METHOD", "GET").upper() in _WRITES else "read"
        address = environ.get("REMOTE_ADDR", "?")
        if token.startswith("th_"):
            per_address = self._take("key-per-address", address)
            verdict = self._take(f"key-{kind}", hashlib.sha256(token.encode()).hexdigest())
            return per_address if per_address.exceeded else verdict
        subject = self._subject_of(token) if token else None
        if subject is not None:
            return self._take(f"user-{kind}", subject)
        return self._take("anonymous", address)

    def _take(self, policy: str, key: str) -> RateVerdict:
        limiter = self._limiters[policy]
        count, reset = limiter.take(key)
        exceeded = count > limiter.limit
        remaining = max(0, limiter.limit - count)
        return RateVerdict(policy, limiter.limit, limiter.window, remaining, reset, exceeded)


def _problem(
    status: int,
    title: str,
    detail: str,
    extra: Sequence[tuple[str, str]] = (),
    extensions: dict[str, str] | None = None,
) -> tuple[str, list[tuple[str, str]], bytes]:
    document = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body = json.dumps({**document, **(extensions or {})})
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
        caller_limits: CallerRateLimits | None = None,
    ) -> None:
        # Longest prefix first, as HAProxy's ACL order does.
        self._routes = sorted(routes, key=lambda route: len(route.prefix), reverse=True)
        self._max_body = max_body_bytes
        self._auth_limiter = auth_limiter or FixedWindowLimiter(20, 60)
        self._caller_limits = caller_limits

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        if not _VALID_REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex
        for key in [key for key in environ if _INTERNAL_HEADER.match(key)]:
            del environ[key]
        environ["HTTP_X_REQUEST_ID"] = request_id
        path = self._rewrite(environ.get("PATH_INFO", "/"))
        environ["PATH_INFO"] = path
        verdict = self._verdict(environ, path)

        def respond(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
            names = {name.lower() for name, _ in headers}
            headers = [(n, v) for n, v in headers if n.lower() not in ("server", "x-request-id")]
            headers.append(("X-Request-ID", request_id))
            headers.extend(h for h in SECURITY_HEADERS if h[0].lower() not in names)
            if "/docs" not in path and "content-security-policy" not in names:
                headers.append(("Content-Security-Policy", API_CSP))
            if verdict is not None:
                headers.extend(verdict.headers())
            return start_response(status, headers, exc_info)  # type: ignore[arg-type]

        early = self._refuse(environ, path)
        if early is None and verdict is not None and verdict.exceeded:
            early = _problem(
                429,
                "Too Many Requests",
                f"The {verdict.policy} rate limit was exceeded; retry later.",
                [("Retry-After", str(verdict.reset))],
                extensions={"limit": verdict.policy},
            )
        if early is not None:
            status, headers, body = early
            respond(status, headers)
            return [body]
        for route in self._routes if not _OPERATOR_PATH.match(path) else ():
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
        return None

    def _verdict(self, environ: WSGIEnvironment, path: str) -> RateVerdict | None:
        """The caller's policy, as HAProxy's: login and register report the stricter sign-in
        limit per address, unless another limit is already exceeded."""
        verdict = (
            self._caller_limits.check(environ)
            if self._caller_limits is not None and path.startswith("/api/")
            else None
        )
        if not _RATE_LIMITED.match(path) or (verdict is not None and verdict.exceeded):
            return verdict
        limiter = self._auth_limiter
        count, reset = limiter.take(environ.get("REMOTE_ADDR", "?"))
        remaining = max(0, limiter.limit - count)
        return RateVerdict(
            "sign-in", limiter.limit, limiter.window, remaining, reset, count > limiter.limit
        )
