"""Request plumbing every service app gets: the request id."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask, Response

from taskhive_shared.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


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
