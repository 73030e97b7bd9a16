"""The API in the same process (`make run`): requests go through the in-process gateway
router as WSGI calls, with the browser's address as REMOTE_ADDR, and never touch a socket."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from werkzeug.test import EnvironBuilder, run_wsgi_app

from web_service.adapters.http_transport import decode_body
from web_service.application.errors import ApiUnavailable
from web_service.application.ports import ApiRequest, ApiResponse

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class WsgiTransport:
    def __init__(self, gateway: Callable[[], WSGIApplication]) -> None:
        """`gateway` returns the router: it is built after the web app it will also serve."""
        self._gateway = gateway

    def send(self, request: ApiRequest) -> ApiResponse:
        headers = {"Accept": "application/json", **request.headers}
        if request.token:
            headers["Authorization"] = f"Bearer {request.token}"
        if request.request_id:
            headers["X-Request-ID"] = request.request_id
        data = None
        if request.json is not None:
            data = json.dumps(request.json)
            headers["Content-Type"] = "application/json"
        builder = EnvironBuilder(
            path=request.path,
            method=request.method,
            query_string=urlencode(list(request.params)),
            headers=list(headers.items()),
            data=data,
            environ_base={"REMOTE_ADDR": request.client_ip or "127.0.0.1"},
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        try:
            app_iter, status, response_headers = run_wsgi_app(
                self._gateway(), environ, buffered=True
            )
            try:
                content = b"".join(app_iter)
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()
        except Exception as exc:  # an in-process crash is an unavailable API to the page
            raise ApiUnavailable(f"{request.method} {request.path}: {exc}") from exc
        return ApiResponse(
            status=int(status.split(" ", 1)[0]),
            headers={name.lower(): value for name, value in response_headers.items()},
            body=decode_body(response_headers.get("Content-Type", ""), content),
        )
