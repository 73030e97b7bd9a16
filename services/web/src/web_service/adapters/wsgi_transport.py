"""The API in the same process (`make run`): requests go through the in-process gateway
router as WSGI calls, with the browser's address as REMOTE_ADDR, and never touch a socket."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any
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

    def stream(self, request: ApiRequest) -> WsgiStream:
        """The router's answer unbuffered: its iterator yields the stream as it comes."""
        headers = _headers(request, "text/event-stream")
        builder = EnvironBuilder(
            path=request.path,
            method="GET",
            query_string=urlencode(list(request.params)),
            headers=list(headers.items()),
            environ_base={"REMOTE_ADDR": request.client_ip or "127.0.0.1"},
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        try:
            app_iter, status, _ = run_wsgi_app(self._gateway(), environ, buffered=False)
        except Exception as exc:  # an in-process crash is an unavailable API to the page
            raise ApiUnavailable(f"GET {request.path}: {exc}") from exc
        return WsgiStream(int(status.split(" ", 1)[0]), app_iter)

    def send(self, request: ApiRequest) -> ApiResponse:
        headers = _headers(request, "application/json")
        data: Any = None
        if request.files:
            data = {f: (io.BytesIO(raw), name, kind) for f, name, raw, kind in request.files}
        elif request.json is not None:
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


def _headers(request: ApiRequest, accept: str) -> dict[str, str]:
    headers = {"Accept": accept, **request.headers}
    if request.token:
        headers["Authorization"] = f"Bearer {request.token}"
    if request.request_id:
        headers["X-Request-ID"] = request.request_id
    if request.traceparent:
        headers["traceparent"] = request.traceparent
    return headers


class WsgiStream:
    def __init__(self, status: int, body: Iterable[bytes]) -> None:
        self.status = status
        self._body = body

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self._body
        except OSError:
            return  # the stream's socket went away: an ordinary end, the browser resumes

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()
