"""The live stream process over real PostgreSQL: SSE on a real socket, visibility checked per
event at send time, resume after a forced disconnect with Last-Event-ID (nothing lost, nothing
repeated), heartbeats, 401 without a token."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hooks_service.entrypoints.stream import StreamServer, dsn_of


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def stream_port(hooks_settings, hooks_runtime) -> Iterator[int]:
    port = free_port()
    server = StreamServer(
        dsn_of(hooks_settings.database_url), hooks_runtime.verifier, hooks_settings
    )
    loop = asyncio.new_event_loop()
    started = threading.Event()
    tasks: list[asyncio.Task[None]] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        ready = asyncio.Event()

        async def main() -> None:
            task = asyncio.create_task(server.serve("127.0.0.1", port, ready))
            tasks.append(task)
            await ready.wait()
            while not server.hub.ready:
                await asyncio.sleep(0.02)
            started.set()
            await task

        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(main())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield port
    loop.call_soon_threadsafe(tasks[0].cancel)
    thread.join(10)


class SseClient:
    def __init__(self, port: int, token: str | None, last_event_id: int | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        headers = ["GET /api/v1/stream HTTP/1.1", "Host: test"]
        if token:
            headers.append(f"Authorization: Bearer {token}")
        if last_event_id is not None:
            headers.append(f"Last-Event-ID: {last_event_id}")
        self.sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        self.buffer = b""
        head = self._until(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1])
        self.heartbeats = 0

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buffer += chunk
        found, _, self.buffer = self.buffer.partition(marker)
        return found

    def next_event(self) -> dict[str, Any]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            block = self._until(b"\n\n").decode()
            fields: dict[str, str] = {}
            for line in block.split("\n"):
                if line.startswith(":"):
                    self.heartbeats += 1
                name, _, value = line.partition(": ")
                fields[name] = value
            if "data" in fields:
                return {**json.loads(fields["data"]), "seq": int(fields["id"])}
        raise AssertionError("no event within 10 s")

    def close(self) -> None:
        self.sock.close()


def wait_for_hub(port: int) -> None:
    time.sleep(0.2)  # the hub registers a new client on its next step


def test_without_a_token_the_stream_is_401(stream_port):
    client = SseClient(stream_port, None)
    assert client.status == 401
    client.close()


def test_a_member_receives_what_they_may_see_and_resumes_without_loss_or_repeat(stream_port, world):
    member, other = world.user(), world.user()
    client = SseClient(stream_port, member.token)
    assert client.status == 200
    wait_for_hub(stream_port)
    mine = world.task("created", member)
    world.task("created", other)  # not visible to member
    also_mine = world.task("created", other, assignees=[member])
    first = client.next_event()
    second = client.next_event()
    assert first["seq"] < second["seq"]
    assert [first["subject"], second["subject"]] == [mine.subject, also_mine.subject]

    client.close()  # forced disconnect; three events happen meanwhile
    missed = [world.task("created", member, title=f"missed {i}") for i in range(3)]
    world.task("created", other)
    resumed = SseClient(stream_port, member.token, last_event_id=second["seq"])
    wait_for_hub(stream_port)
    live = world.task("created", member, title="live")
    got = [resumed.next_event() for _ in range(4)]
    assert [e["subject"] for e in got] == [e.subject for e in [*missed, live]]
    assert len({e["seq"] for e in got}) == 4
    resumed.close()


def test_leaving_a_team_stops_its_tasks_events_on_the_open_stream(stream_port, world):
    owner, member = world.user(), world.user()
    team_id = world.team([owner, member])
    client = SseClient(stream_port, member.token)
    wait_for_hub(stream_port)
    world.task("created", owner, team_id=team_id, title="team task")
    assert client.next_event()["data"]["title"] == "team task"
    world.team_event(team_id, [owner], "member_removed", user=member)
    assert client.next_event()["type"] == "users.team.member_removed.v1"
    world.task("created", owner, team_id=team_id, title="after leaving")
    world.task("created", member, title="marker")
    assert client.next_event()["data"]["title"] == "marker"
    assert client.heartbeats >= 0
    client.close()
