"""Request plumbing every service app gets: the request id, the body limit of chunked bodies."""

from __future__ import annotations

import io
import ipaddress
import re
import uuid
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import RequestEntityTooLarge

from taskhive_shared.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def client_ip() -> str | None:
    """The caller's address (for the audit log): the gateway replaces any client
    X-Forwarded-For with its own view (gateway/haproxy.cfg); a service is never reached from
    outside but through it."""
    from flask import request

    forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
    for candidate in (forwarded, request.remote_addr or ""):
        try:
            # Without an IPv6 zone (`%eth0`): meaningless off the host, and unbounded in length.
            return str(ipaddress.ip_address(candidate.partition("%")[0]))
        except ValueError:
            continue
    return None


def install_request_id(app: Flask) -> None:
    """Adopt the caller's (or gateway's) X-Request-ID, or mint one; echo it on the response."""

    @app.before_request
    def _bind_request_id() -> None:
        from flask import g, request

        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else new_request_id()
        g.request_id = request_id
        g.request_id_token = request_id_var.set(request_id)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        from flask import g

        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response

    @app.teardown_request
    def _unbind_request_id(_exc: Any) -> None:
        from flask import g

        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)


def install_chunked_body_limit(app: Flask, max_body_bytes: int) -> None:
    """MAX_CONTENT_LENGTH refuses a declared Content-Length over it, but werkzeug cuts a chunked
    body (no Content-Length; the gateway cannot bound those) at the limit and hands the parser a
    truncated body: a 400 "Invalid JSON body" instead of a 413. Read such a body here, at most one
    byte past the limit: over it, 413; within it, the app reads it as if its length were declared.
    """

    @app.before_request
    def _bound_chunked_body() -> None:
        from flask import request

        environ = request.environ
        if (
            environ.get("CONTENT_LENGTH")
            or "chunked" not in request.headers.get("Transfer-Encoding", "").lower()
        ):
            return
        stream = environ["wsgi.input"]
        body = stream.read(max_body_bytes + 1)
        if len(body) > max_body_bytes:
            # Read (a bounded part of) the rest first: closing a socket with unread data resets
            # the connection, and the gateway would lose the answer.
            for _ in range(16):
                if not stream.read(max_body_bytes):
                    break
            raise RequestEntityTooLarge()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
