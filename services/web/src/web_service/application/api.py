"""Calls to the public API on behalf of the signed-in user of one request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from web_service.application.errors import ApiError, SignedOut
from web_service.application.ports import ApiRequest, ApiResponse, ApiTransport, QueryParams
from web_service.application.sessions import Caller, SessionManager
from web_service.domain.session import WebSession


class Api:
    """The API as one user sees it: their token on every call, refreshed when needed."""

    def __init__(
        self,
        transport: ApiTransport,
        sessions: SessionManager,
        session: WebSession,
        caller: Caller,
    ) -> None:
        self._transport = transport
        self._sessions = sessions
        self.session = session
        self._caller = caller

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: QueryParams = (),
        headers: Mapping[str, str] | None = None,
        files: tuple[tuple[str, str, bytes, str], ...] = (),
    ) -> ApiResponse:
        """The response when 2xx; else raises `ApiError` (or `SignedOut`, `ApiUnavailable`)."""
        token = self._sessions.access_token(self.session, self._caller)
        response = self._send(method, path, token, json, params, headers, files)
        if response.status == 401:
            # Revoked or expired early (e.g. a password change elsewhere): one refresh, one retry.
            self._sessions.refresh(self.session, self._caller, token)
            token = self._sessions.access_token(self.session, self._caller)
            response = self._send(method, path, token, json, params, headers, files)
            if response.status == 401:
                raise SignedOut
        if not response.ok:
            raise ApiError.from_response(response)
        return response

    def get(self, path: str, params: QueryParams = ()) -> Any:
        return self.call("GET", path, params=params).body

    def get_all(self, requests: Sequence[tuple[str, QueryParams]], pool: Executor) -> list[Any]:
        """Several independent reads at once (a page's parts): the page waits for the slowest
        instead of their sum. The first failure is raised, as `get` would."""
        self._sessions.access_token(self.session, self._caller)  # refresh once, up front
        futures = [pool.submit(self.get, path, params) for path, params in requests]
        return [future.result() for future in futures]

    def post(self, path: str, json: Any = None, headers: Mapping[str, str] | None = None) -> Any:
        return self.call("POST", path, json=json, headers=headers).body

    def patch(self, path: str, json: Any, headers: Mapping[str, str] | None = None) -> Any:
        return self.call("PATCH", path, json=json, headers=headers).body

    def delete(self, path: str, headers: Mapping[str, str] | None = None) -> None:
        self.call("DELETE", path, headers=headers)

    def _send(
        self,
        method: str,
        path: str,
        token: str,
        json: Any,
        params: QueryParams,
        headers: Mapping[str, str] | None,
        files: tuple[tuple[str, str, bytes, str], ...] = (),
    ) -> ApiResponse:
        return self._transport.send(
            ApiRequest(
                method=method,
                path=path,
                token=token,
                json=json,
                params=params,
                headers=dict(headers or {}),
                files=files,
                client_ip=self._caller.client_ip,
                request_id=self._caller.request_id,
                traceparent=self._caller.traceparent,
            )
        )


def if_match(version: int | str) -> dict[str, str]:
    """The API's strong ETag for a version (docs/API.md: `"v<version>"`)."""
    return {"If-Match": f'"v{version}"'}
