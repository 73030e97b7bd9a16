"""The API over HTTP through the gateway: one pooled keep-alive session per process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from web_service.application.errors import ApiUnavailable
from web_service.application.ports import ApiRequest, ApiResponse

STREAM_READ_TIMEOUT = 45.0
"""Seconds without a byte before a stream is given up: three of the API's 15 s heartbeats."""

CLIENT_IP_HEADER = "X-Internal-Client-IP"
SECRET_HEADER = "X-Internal-Web-Secret"
"""The gateway believes CLIENT_IP_HEADER only next to the right secret, then strips both
(`X-Internal-` headers never reach a service): docs/decisions/0015-web-ui-server-rendered.md."""


class RequestsTransport:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float = 10.0,
        pool_size: int = 16,
        gateway_secret: str | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds
        self._secret = gateway_secret
        self._http = requests.Session()
        # No retries here: a POST must never be sent twice behind the user's back.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)
        self._http.trust_env = False  # a developer's HTTP(S)_PROXY must not reroute the API
        # Streams hold their connection for minutes: never one of the pages' pooled ones.
        self._streams = requests.Session()
        self._streams.mount("http://", HTTPAdapter(pool_connections=1, max_retries=0))
        self._streams.mount("https://", HTTPAdapter(pool_connections=1, max_retries=0))
        self._streams.trust_env = False

    def _headers(self, request: ApiRequest, accept: str) -> dict[str, str]:
        headers = {"Accept": accept, **request.headers}
        if request.token:
            headers["Authorization"] = f"Bearer {request.token}"
        if request.request_id:
            headers["X-Request-ID"] = request.request_id
        if request.traceparent:
            headers["traceparent"] = request.traceparent
        if request.client_ip and self._secret:
            headers[CLIENT_IP_HEADER] = request.client_ip
            headers[SECRET_HEADER] = self._secret
        return headers

    def stream(self, request: ApiRequest) -> RequestsStream:
        try:
            response = self._streams.get(
                self._base_url + request.path,
                params=list(request.params),
                headers=self._headers(request, "text/event-stream"),
                timeout=(self._timeout, STREAM_READ_TIMEOUT),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            raise ApiUnavailable(f"GET {request.path}: {exc}") from exc
        return RequestsStream(response)

    def send(self, request: ApiRequest) -> ApiResponse:
        headers = self._headers(request, "application/json")
        try:
            response = self._http.request(
                request.method,
                self._base_url + request.path,
                params=list(request.params),
                json=request.json,
                files={f: (name, data, kind) for f, name, data, kind in request.files} or None,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise ApiUnavailable(f"{request.method} {request.path}: {exc}") from exc
        return ApiResponse(
            status=response.status_code,
            headers={name.lower(): value for name, value in response.headers.items()},
            body=decode_body(response.headers.get("Content-Type", ""), response.content),
        )

    def close(self) -> None:
        self._http.close()
        self._streams.close()


class RequestsStream:
    def __init__(self, response: requests.Response) -> None:
        self._response = response
        self.status = response.status_code

    def chunks(self) -> Iterator[bytes]:
        raw = self._response.raw
        try:
            while True:
                # read1: what has arrived, at once (read(n) would wait for n bytes).
                chunk = raw.read1(65536)
                if not chunk:
                    return
                yield chunk
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError):
            # A timeout or a reset ends the stream as the API ending it would: the browser
            # reconnects and resumes with Last-Event-ID.
            return

    def close(self) -> None:
        self._response.close()


def decode_body(content_type: str, content: bytes) -> Any:
    if not content or "json" not in content_type:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None
