"""The API over HTTP through the gateway: one pooled keep-alive session per process."""

from __future__ import annotations

import json
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from web_service.application.errors import ApiUnavailable
from web_service.application.ports import ApiRequest, ApiResponse

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

    def send(self, request: ApiRequest) -> ApiResponse:
        headers = {"Accept": "application/json", **request.headers}
        if request.token:
            headers["Authorization"] = f"Bearer {request.token}"
        if request.request_id:
            headers["X-Request-ID"] = request.request_id
        if request.client_ip and self._secret:
            headers[CLIENT_IP_HEADER] = request.client_ip
            headers[SECRET_HEADER] = self._secret
        try:
            response = self._http.request(
                request.method,
                self._base_url + request.path,
                params=list(request.params),
                json=request.json,
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


def decode_body(content_type: str, content: bytes) -> Any:
    if not content or "json" not in content_type:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None
