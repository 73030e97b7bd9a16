"""Live updates: the signed-in user's stream of the API (`GET /api/v1/stream`), opened with
the session's access token server-side, so that the token never reaches the page (ADR 0023)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator

from web_service.application.errors import SignedOut
from web_service.application.ports import ApiRequest, ApiStream, ApiTransport
from web_service.application.sessions import Caller, SessionManager
from web_service.domain.session import WebSession

STREAM_PATH = "/api/v1/stream"
PAGE_EVENTS = b"tasks.task."
"""What a page follows: its list and detail change with task events only."""
_EVENT_ID = re.compile(r"[0-9]{1,18}")
BLOCK_MAX = 1 << 20
"""An event larger than this (never written by the API) ends the relay."""


class LiveSlots:
    """How many streams one web process relays at once. Each holds one of its threads for as
    long as a page stays open, so the rest are kept for pages: beyond the limit a page simply
    does not update by itself (it still works)."""

    def __init__(self, limit: int) -> None:
        self._free = threading.BoundedSemaphore(limit) if limit > 0 else None

    def take(self) -> bool:
        return self._free is not None and self._free.acquire(blocking=False)

    def give_back(self) -> None:
        if self._free is not None:
            self._free.release()


def last_event_id(value: str | None) -> str | None:
    """Only what the API's stream would accept (its ids are positive integers)."""
    return value if value is not None and _EVENT_ID.fullmatch(value) else None


def open_stream(
    transport: ApiTransport,
    sessions: SessionManager,
    session: WebSession,
    caller: Caller,
    resume_after: str | None,
) -> ApiStream:
    """The user's stream, resumed after `resume_after`; raises `SignedOut` when the sign-in is
    gone, `ApiUnavailable` when the API cannot be reached. A 401 (the token revoked or expired
    early) gets one refresh and one retry, as every other call of the web does."""
    headers = {"Last-Event-ID": resume_after} if resume_after else {}

    def attempt(token: str) -> ApiStream:
        return transport.stream(
            ApiRequest(
                method="GET",
                path=STREAM_PATH,
                token=token,
                headers=headers,
                client_ip=caller.client_ip,
                request_id=caller.request_id,
            )
        )

    token = sessions.access_token(session, caller)
    stream = attempt(token)
    if stream.status == 401:
        stream.close()
        sessions.refresh(session, caller, token)
        stream = attempt(sessions.access_token(session, caller))
        if stream.status == 401:
            stream.close()
            raise SignedOut
    return stream


def page_events(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The API's stream as a page reads it: task events as plain messages (no `event:` line,
    so that one `onmessage` handler sees them all, whatever their type); any other event
    shrinks to its `id:` line (the browser's Last-Event-ID still moves on, nothing is sent);
    comments (heartbeats) and `retry:` pass as they are."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        out = []
        while (end := buffer.find(b"\n\n")) >= 0:
            out.append(_page_block(buffer[:end]))
            buffer = buffer[end + 2 :]
        if out:
            yield b"".join(out)
        if len(buffer) > BLOCK_MAX:
            return


def _page_block(block: bytes) -> bytes:
    lines = block.split(b"\n")
    kind = next((line[6:].strip() for line in lines if line.startswith(b"event:")), None)
    if kind is None:
        return block + b"\n\n"
    if kind.startswith(PAGE_EVENTS):
        kept = [line for line in lines if not line.startswith(b"event:")]
    else:
        kept = [line for line in lines if line.startswith(b"id:")]
    return b"\n".join(kept) + b"\n\n" if kept else b""
