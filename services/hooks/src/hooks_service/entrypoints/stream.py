"""The live stream: `GET /api/v1/stream`, Server-Sent Events, one asyncio loop for many idle
connections (ADR 0023).

The consumer (fed by RabbitMQ) writes every event to `hooks.events` and NOTIFYs
`hooks_events` in the same transaction; this process LISTENs, reads the new rows in `seq`
order and sends each to every connected client allowed to see it **now** (the replica is
read at send time). `id:` is the row's `seq`, so a client that reconnects with
`Last-Event-ID` gets exactly what it missed (kept `HOOKS_EVENT_RETENTION_DAYS`), in order,
then the live events: one task (the hub) does both, so nothing is lost or repeated between
the two. A stream ends when its access token expires; the client reconnects with a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
from sqlalchemy import Engine

from hooks_service.application.ports import EVENTS_CHANNEL
from hooks_service.config import HooksSettings
from hooks_service.domain.visibility import Audience, Viewer, can_see
from taskhive_shared.security.api_keys import required_scope
from taskhive_shared.security.flask_auth import lacks_scope
from taskhive_shared.security.tokens import AccessTokenVerifier, InvalidAccessToken, Principal

logger = logging.getLogger(__name__)

STREAM_PATHS = ("/api/v1/stream", "/api/stream")
STREAM_SCOPE = required_scope("hooks", "GET")
"""A key reads the stream with hooks' read scope, as it reads the activity feed."""
HEAD_MAX = 16384
BATCH = 500
WRITE_BUFFER_MAX = 1 << 20
"""A client this far behind is cut off; it resumes with Last-Event-ID."""


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


@dataclass(eq=False)
class Client:
    writer: asyncio.StreamWriter
    principal: Principal
    viewer: Viewer
    cursor: int
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def send(self, chunk: bytes) -> bool:
        if self.writer.is_closing():
            return False
        if self.writer.transport.get_write_buffer_size() > WRITE_BUFFER_MAX:
            self.writer.close()
            return False
        self.writer.write(chunk)
        return True


def sse(seq: int, event_type: str, envelope: dict[str, Any]) -> bytes:
    data = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
    return f"id: {seq}\nevent: {event_type}\ndata: {data}\n\n".encode()


@dataclass(frozen=True, slots=True)
class Row:
    seq: int
    type: str
    subject: str
    task_id: uuid.UUID | None
    envelope: dict[str, Any]


class Hub:
    """Owns the database side: new rows, audiences, viewers; sends to the clients."""

    def __init__(self, dsn: str, settings: HooksSettings) -> None:
        self._dsn = dsn
        self._settings = settings
        self.clients: set[Client] = set()
        self._joining: list[Client] = []
        self._wake = asyncio.Event()
        self.last_seq = 0
        self.ready = False
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def viewer(self, user_id: uuid.UUID, token_role: str) -> Viewer:
        conn = await self._connection()
        async with conn.cursor() as cur:
            await cur.execute("SELECT role, is_active FROM hooks.users WHERE id = %s", (user_id,))
            row = await cur.fetchone()
            await cur.execute(
                "SELECT team_id FROM hooks.team_members WHERE user_id = %s", (user_id,)
            )
            teams = frozenset(r[0] for r in await cur.fetchall())
        if row is None:
            return Viewer(user_id, token_role, True, teams)
        return Viewer(user_id, row[0], row[1], teams)

    def join(self, client: Client) -> None:
        self._joining.append(client)
        self._wake.set()

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
        return self._conn

    async def run(self) -> None:
        while True:
            try:
                await self._run_once()
            except Exception:  # the database went away, or a bug: never a dead hub
                self.ready = False
                logger.exception("stream hub failed; restarting it")
                await asyncio.sleep(1)

    async def _run_once(self) -> None:
        listener = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
        async with listener:
            await listener.execute(f"LISTEN {EVENTS_CHANNEL}")
            if not self.ready:
                self.last_seq = max(self.last_seq, await self._max_seq())
            self.ready = True
            notified = asyncio.create_task(self._notifications(listener))
            try:
                while True:
                    with contextlib.suppress(TimeoutError):
                        # Polling as a fallback, should a notification be missed.
                        await asyncio.wait_for(self._wake.wait(), timeout=2.0)
                    self._wake.clear()
                    if notified.done():
                        notified.result()
                    await self._step()
            finally:
                notified.cancel()

    async def _notifications(self, listener: psycopg.AsyncConnection[Any]) -> None:
        async for _ in listener.notifies():
            self._wake.set()

    async def _step(self) -> None:
        joining, self._joining = self._joining, []
        # No Last-Event-ID: from what is committed now on (one query for all who join now).
        now = await self._max_seq() if any(c.cursor < 0 for c in joining) else 0
        for client in joining:
            if client.cursor < 0:
                client.cursor = now
            # Catch up from the client's cursor to where the live clients are, then join them.
            while client.cursor < self.last_seq:
                rows = await self._rows(client.cursor, self.last_seq)
                if not rows:
                    break
                await self._send(rows, [client])
            client.cursor = max(client.cursor, self.last_seq)
            self.clients.add(client)
        while True:
            rows = await self._rows(self.last_seq, None)
            if not rows:
                return
            if any(r.type.startswith("users.") for r in rows):
                await self._refresh_viewers()
            await self._send(rows, list(self.clients))
            self.last_seq = rows[-1].seq

    async def _max_seq(self) -> int:
        conn = await self._connection()
        async with conn.cursor() as cur:
            await cur.execute("SELECT coalesce(max(seq), 0) FROM hooks.events")
            found = await cur.fetchone()
        return int(found[0]) if found else 0

    async def _rows(self, after: int, upto: int | None) -> list[Row]:
        conn = await self._connection()
        async with conn.cursor() as cur:
            await cur.execute(
                "SELECT seq, type, subject, task_id, envelope FROM hooks.events "
                "WHERE seq > %s AND (%s::bigint IS NULL OR seq <= %s) ORDER BY seq LIMIT %s",
                (after, upto, upto, BATCH),
            )
            return [Row(*r) for r in await cur.fetchall()]

    async def _audiences(self, rows: list[Row]) -> dict[int, Audience]:
        task_ids = list({r.task_id for r in rows if r.task_id and r.type.startswith("tasks.")})
        current: dict[uuid.UUID, Audience] = {}
        if task_ids:
            conn = await self._connection()
            async with conn.cursor() as cur:
                await cur.execute(
                    "SELECT id, created_by, assignee_ids, team_id FROM hooks.tasks "
                    "WHERE id = ANY(%s)",
                    (task_ids,),
                )
                for task_id, creator, assignees, team in await cur.fetchall():
                    current[task_id] = Audience("task", creator, frozenset(assignees), team)
        audiences: dict[int, Audience] = {}
        for row in rows:
            if row.type.startswith("users.team."):
                audiences[row.seq] = Audience("team")
            elif row.type.startswith("users.user."):
                audiences[row.seq] = Audience("user", subject_user=_uuid(row.subject))
            elif row.task_id is not None and row.task_id in current:
                audiences[row.seq] = current[row.task_id]
            else:
                data = row.envelope.get("data", {})
                audiences[row.seq] = Audience(
                    "task" if row.task_id else "system",
                    _uuid(data.get("created_by")),
                    frozenset(u for u in map(_uuid, data.get("assignee_ids", [])) if u),
                    _uuid(data.get("team_id")),
                )
        return audiences

    async def _send(self, rows: list[Row], clients: Iterable[Client]) -> None:
        audiences = await self._audiences(rows)
        targets = list(clients)
        for row in rows:
            chunk = sse(row.seq, row.type, row.envelope)
            audience = audiences[row.seq]
            for client in targets:
                visible = row.seq > client.cursor and can_see(client.viewer, audience)
                if visible and not client.send(chunk):
                    self.leave(client)
                client.cursor = max(client.cursor, row.seq)

    async def _refresh_viewers(self) -> None:
        for client in list(self.clients):
            client.viewer = await self.viewer(client.viewer.user_id, client.principal.role)

    def leave(self, client: Client) -> None:
        self.clients.discard(client)
        client.done.set()

    async def heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self._settings.stream_heartbeat_seconds)
            now = time.time()
            for client in list(self.clients):
                if client.principal.expires_at <= now or not client.send(b": heartbeat\n\n"):
                    client.writer.close()
                    self.leave(client)


class StreamServer:
    def __init__(self, dsn: str, verifier: AccessTokenVerifier, settings: HooksSettings) -> None:
        self._verifier = verifier
        self._settings = settings
        self.hub = Hub(dsn, settings)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            writer.close()
            return
        try:
            await self._route(head, writer)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _route(self, head: bytes, writer: asyncio.StreamWriter) -> None:
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return await self._answer(writer, 400, "Bad Request", "Malformed request line.")
        method, target, _ = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        path = urlsplit(target).path.rstrip("/") or "/"
        if path in ("/livez", "/readyz"):
            ok = path == "/livez" or self.hub.ready
            return await self._answer(writer, 200 if ok else 503, "OK" if ok else "Unavailable")
        if path not in STREAM_PATHS:
            return await self._answer(writer, 404, "Not Found", "No such path.")
        if method != "GET":
            return await self._answer(writer, 405, "Method Not Allowed", "Only GET.")
        if set(parse_qs(urlsplit(target).query)):
            return await self._answer(writer, 422, "Unprocessable Content", "No parameters.")
        if len(self.hub.clients) >= self._settings.stream_max_clients:
            return await self._answer(writer, 503, "Service Unavailable", "Too many streams.")
        principal = await self._principal(headers.get("authorization", ""))
        if principal is None:
            return await self._answer(
                writer, 401, "Unauthorized", "A valid bearer access token is required."
            )
        if lacks_scope(principal, STREAM_SCOPE):
            return await self._answer(
                writer,
                403,
                "Forbidden",
                f"This API key lacks the scope `{STREAM_SCOPE}`.",
                missing_scope=STREAM_SCOPE,
            )
        cursor = self._last_event_id(headers.get("last-event-id"))
        viewer = await self.hub.viewer(uuid.UUID(principal.user_id), principal.role)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
            b"cache-control: no-store\r\nx-accel-buffering: no\r\nconnection: close\r\n\r\n"
            b"retry: 2000\n\n"
        )
        await writer.drain()
        client = Client(writer, principal, viewer, cursor if cursor is not None else -1)
        self.hub.join(client)
        await client.done.wait()
        return None

    def _last_event_id(self, value: str | None) -> int | None:
        if value is None or not value.isdigit() or len(value) > 18:
            return None
        return int(value)

    async def _principal(self, header: str) -> Principal | None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            return await asyncio.to_thread(self._verifier.verify, token.strip())
        except InvalidAccessToken:
            return None
        except Exception:  # the key source is down: refuse, never crash the loop
            logger.exception("token verification failed")
            return None

    async def _answer(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        title: str,
        detail: str = "",
        **extensions: str,
    ) -> None:
        body = json.dumps(
            {"type": "about:blank", "title": title, "status": status, "detail": detail} | extensions
        )
        kind = "application/problem+json" if status >= 400 else "application/json"
        writer.write(
            f"HTTP/1.1 {status} {title}\r\ncontent-type: {kind}\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n{body}".encode()
        )
        await writer.drain()

    async def serve(
        self,
        host: str,
        port: int,
        started: asyncio.Event | None = None,
        bound: list[int] | None = None,
    ) -> None:
        server = await asyncio.start_server(self.handle, host, port, limit=HEAD_MAX, backlog=4096)
        if bound is not None:
            bound.append(int(server.sockets[0].getsockname()[1]))
        hub = asyncio.create_task(self.hub.run())
        beat = asyncio.create_task(self.hub.heartbeat())
        if started is not None:
            started.set()
        try:
            async with server:
                await server.serve_forever()
        finally:
            hub.cancel()
            beat.cancel()
            for client in list(self.hub.clients):
                client.writer.close()
                self.hub.leave(client)
            await asyncio.gather(hub, beat, return_exceptions=True)


def dsn_of(database_url: str) -> str:
    """A libpq DSN from the service's SQLAlchemy URL (`postgresql+psycopg://` → `postgresql://`)."""
    scheme, sep, rest = database_url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"


def serve(engine: Engine, verifier: AccessTokenVerifier, settings: HooksSettings) -> None:
    engine.dispose()  # the stream uses its own async connections
    server = StreamServer(dsn_of(settings.database_url), verifier, settings)
    logger.info("hooks stream listening", extra={"port": settings.stream_port})
    asyncio.run(server.serve(settings.stream_bind, settings.stream_port))
