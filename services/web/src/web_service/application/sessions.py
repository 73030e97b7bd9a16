"""Sessions: sign-in and registration (tokens kept server-side), transparent refresh, sign-out.

The browser only ever holds an opaque session id. The access and refresh tokens live in the
session store; the access token is refreshed shortly before it expires, under a lock, because
the API rotates refresh tokens and treats a second use of a spent one as theft (it would end
the session). Two requests of one browser that both find the token expiring must therefore
not both refresh: the second waits and adopts the first one's new tokens.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from web_service.application.errors import ApiError, ApiUnavailable, SignedOut
from web_service.application.ports import ApiRequest, ApiTransport, SessionStore
from web_service.domain.session import SignedInUser, Tokens, WebSession, storage_key

_SESSION_PREFIX = "web:session:"
_LOCK_PREFIX = "web:session-lock:"
_TOUCH_AFTER_SECONDS = 300.0
"""A session read is written back (renewing its expiry) at most this often."""
ANONYMOUS_SECONDS = 1200
"""A session nobody signed in to (a form's CSRF token, flashes) lives this long: every
cookieless page view may start one, so they must not pile up in Redis for hours."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking, as the gateway should see it."""

    client_ip: str | None = None
    request_id: str | None = None
    traceparent: str | None = None
    """The page's span: the API calls it makes continue its trace."""


class SessionManager:
    def __init__(
        self,
        store: SessionStore,
        transport: ApiTransport,
        *,
        idle_seconds: int,
        clock: Callable[[], float] = time.time,
        lock_seconds: float = 15.0,
    ) -> None:
        self._store = store
        self._transport = transport
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._lock_seconds = lock_seconds
        """How long the per-session lock is waited for; it must outlast one refresh call."""

    # --- storage -----------------------------------------------------------------------------

    def load(self, session_id: str | None) -> tuple[WebSession | None, bool]:
        """The session of this id, and whether it should be written back to stay alive."""
        if not session_id or len(session_id) > 128:
            return None, False
        data = self._store.get(_SESSION_PREFIX + storage_key(session_id))
        if data is None:
            return None, False
        try:
            session = WebSession.from_dict(session_id, data)
        except (KeyError, TypeError, ValueError):
            return None, False  # written by an incompatible version: start afresh
        seen_at = float(data.get("seen_at") or 0)
        return session, self._clock() - seen_at > _TOUCH_AFTER_SECONDS

    def save(self, session: WebSession) -> None:
        data = session.to_dict()
        data["seen_at"] = self._clock()
        ttl = self._idle_seconds if session.user else min(self._idle_seconds, ANONYMOUS_SECONDS)
        self._store.set(_SESSION_PREFIX + storage_key(session.id), data, ttl)

    def save_after_request(self, session: WebSession) -> None:
        """Write back what a request changed (flashes, expiry) without undoing a refresh that
        another request of the same browser made meanwhile: storing the spent refresh token
        again would get the whole sign-in revoked at its next use. Tokens are only ever
        written by `refresh` (under the same lock), so the stored ones are the newest."""
        key = storage_key(session.id)
        with self._store.lock(_LOCK_PREFIX + key, self._lock_seconds) as held:
            if not held:
                return  # a refresh is still running: writing now could undo it; skip the touch
            stored, _ = self.load(session.id)
            if stored is not None:
                session.tokens = stored.tokens
                if stored.tokens is None:
                    session.user = None
            self.save(session)

    def discard(self, session: WebSession) -> None:
        self._store.delete(_SESSION_PREFIX + storage_key(session.id))

    # --- signing in and out ------------------------------------------------------------------

    def sign_in(self, session: WebSession, login: str, password: str, caller: Caller) -> WebSession:
        """A new session (new id: no fixation) holding the tokens; raises `ApiError` (401 …)."""
        response = self._send(
            "POST", "/api/v1/auth/login", caller, json={"username": login, "password": password}
        )
        if response.status != 200:
            raise ApiError.from_response(response)
        return self._start(session, response.body, caller)

    def register(self, session: WebSession, fields: dict[str, str], caller: Caller) -> WebSession:
        response = self._send("POST", "/api/v1/auth/register", caller, json=fields)
        if response.status != 201:
            raise ApiError.from_response(response)
        return self._start(session, response.body, caller)

    def sign_out(self, session: WebSession, caller: Caller) -> WebSession:
        """Revokes the tokens at the API (best effort) and ends the session; returns a fresh one."""
        self._revoke(session, caller)
        self.discard(session)
        return WebSession.new()

    def _revoke(self, session: WebSession, caller: Caller) -> None:
        """Log the session's tokens out at the API. Best effort: the local session ends
        anyway. The API wants a valid access token, so an expired one is refreshed first
        (else the refresh-token family would stay alive for its 30 days)."""
        if session.tokens is None or session.user is None:
            return
        with contextlib.suppress(ApiUnavailable, SignedOut):
            access_token = self.access_token(session, caller)
            assert session.tokens is not None
            self._send(
                "POST",
                "/api/v1/auth/logout",
                caller,
                token=access_token,
                json={"refresh_token": session.tokens.refresh_token},
            )

    def _start(self, previous: WebSession, body: Any, caller: Caller) -> WebSession:
        user = body["user"]
        fresh = WebSession.new()
        fresh.tokens = self._tokens(body)
        name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
        fresh.user = SignedInUser(
            id=str(user["id"]),
            username=str(user["username"]),
            role=str(user.get("role") or "member"),
            display_name=name or str(user["username"]),
        )
        self._adopt_profile(fresh, caller)
        self._revoke(previous, caller)  # signing in again ends the earlier sign-in too
        self.discard(previous)
        self.save(fresh)
        return fresh

    def _adopt_profile(self, session: WebSession, caller: Caller) -> None:
        """Display name and time zone from the users service (absent just after registering)."""
        assert session.tokens is not None
        assert session.user is not None
        try:
            response = self._send(
                "GET", "/api/v1/users/me", caller, token=session.tokens.access_token
            )
        except ApiUnavailable:
            return
        if response.status == 200 and isinstance(response.body, dict):
            profile = response.body
            session.user.display_name = str(profile.get("display_name") or session.user.username)
            session.user.timezone = str(profile.get("timezone") or "UTC")
            session.user.role = str(profile.get("role") or session.user.role)

    def update_profile(self, session: WebSession, profile: dict[str, Any]) -> None:
        if session.user is None:
            return
        session.user.display_name = str(profile.get("display_name") or session.user.username)
        session.user.timezone = str(profile.get("timezone") or "UTC")

    # --- tokens ------------------------------------------------------------------------------

    def access_token(self, session: WebSession, caller: Caller) -> str:
        """A usable access token, refreshed first when it is about to expire."""
        if session.tokens is None or session.user is None:
            raise SignedOut
        if session.tokens.access_expiring(self._clock()):
            self.refresh(session, caller, session.tokens.access_token)
        assert session.tokens is not None
        return session.tokens.access_token

    def refresh(self, session: WebSession, caller: Caller, stale_access_token: str) -> None:
        """Replace `stale_access_token`, unless a concurrent request already did."""
        key = storage_key(session.id)
        with self._store.lock(_LOCK_PREFIX + key, self._lock_seconds) as held:
            if not held:
                raise ApiUnavailable("the session is busy refreshing its sign-in")
            stored, _ = self.load(session.id)
            if stored is None or stored.tokens is None:
                session.user, session.tokens = None, None
                raise SignedOut
            if stored.tokens.access_token != stale_access_token and not (
                stored.tokens.access_expiring(self._clock())
            ):
                session.tokens = stored.tokens  # another request refreshed meanwhile
                return
            response = self._send(
                "POST",
                "/api/v1/auth/refresh",
                caller,
                json={"refresh_token": stored.tokens.refresh_token},
            )
            if response.status == 200:
                # Saved before anything else is read from the answer: the old refresh token is
                # spent now, and losing the new one would end the sign-in at its next use.
                session.tokens = self._tokens(response.body)
                self.save(session)
                user = response.body.get("user") if isinstance(response.body, dict) else None
                if session.user is not None and isinstance(user, dict):
                    session.user.role = str(user.get("role") or session.user.role)
                    self.save(session)
                return
            if response.status in (400, 401, 403, 422):
                session.user, session.tokens = None, None
                self.save(session)
                raise SignedOut
            raise ApiUnavailable(f"refresh answered {response.status}")

    def _tokens(self, body: Any) -> Tokens:
        return Tokens(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            access_expires_at=self._clock() + float(body.get("expires_in") or 300),
        )

    def _send(
        self, method: str, path: str, caller: Caller, *, token: str | None = None, json: Any = None
    ) -> Any:
        return self._transport.send(
            ApiRequest(
                method=method,
                path=path,
                token=token,
                json=json,
                client_ip=caller.client_ip,
                request_id=caller.request_id,
                traceparent=caller.traceparent,
            )
        )
