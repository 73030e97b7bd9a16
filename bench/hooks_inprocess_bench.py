"""Webhooks and the live stream without the stack: the hooks part of the path only.

For a machine too loaded to boot `make stack` (bench/hooks_bench.py measures the whole path):
a throwaway database; the hooks event processor applies each event as the consumer would
(replica, event log, deliveries, commit) and, its jobs running in-process, signs and POSTs the
delivery to a receiver on 127.0.0.1; the stream is the real `hooks-service stream` process.
1. event applied → webhook received (no RabbitMQ or Celery queue hop);
2. event applied → SSE client received (one client);
3. N idle streams held by the stream process: its RSS, and one event's fan-out to all N.
Run: `.venv/bin/python -m bench.hooks_inprocess_bench [--events 200] [--streams 5000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from bench.auth_bench import percentile
from bench.hooks_bench import Arrivals, receiver

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BIN = Path(sys.executable).parent
PREFERENCES = (
    "task_assigned",
    "task_unassigned",
    "task_status_changed",
    "task_commented",
    "task_created",
    "task_overdue",
    "task_due_soon",
    "daily_summary",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_jwks(jwks: dict[str, Any]) -> str:
    body = json.dumps(jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/jwks.json"


def envelope(event_type: str, subject: str, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "type": event_type,
            "source": event_type.split(".", 1)[0],
            "subject": subject,
            "time": datetime.now(UTC).isoformat(),
            "data": data,
        }
    ).encode()


def user_created(user_id: str) -> bytes:
    now = datetime.now(UTC).isoformat()
    name = f"b{user_id[:8]}"
    return envelope(
        "users.user.created.v1",
        user_id,
        {
            "user_id": user_id,
            "username": name,
            "email": f"{name}@bench.local",
            "first_name": "",
            "last_name": "",
            "display_name": name,
            "role": "member",
            "is_active": True,
            "timezone": "UTC",
            "team_ids": [],
            "notification_preferences": dict.fromkeys(PREFERENCES, True),
            "version": 1,
            "created_at": now,
            "updated_at": now,
        },
    )


def task_created(owner: str) -> tuple[str, bytes]:
    task_id = str(uuid.uuid4())
    return task_id, envelope(
        "tasks.task.created.v1",
        task_id,
        {
            "task_id": task_id,
            "title": "bench",
            "status": "todo",
            "priority": "medium",
            "due_date": None,
            "team_id": None,
            "parent_task_id": None,
            "created_by": owner,
            "assignee_ids": [],
            "tags": [],
            "is_archived": False,
            "is_overdue": False,
            "version": 1,
            "actor_id": owner,
            "occurred_at": datetime.now(UTC).isoformat(),
        },
    )


def sse_reader(port: int, token: str, arrivals: Arrivals) -> None:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        f"GET /api/v1/stream HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
    )

    def run() -> None:
        buffer = b""
        while chunk := sock.recv(65536):
            buffer += chunk
            while b"\n\n" in buffer:
                block, _, buffer = buffer.partition(b"\n\n")
                for line in block.split(b"\n"):
                    if line.startswith(b"data: "):
                        arrivals.seen(json.loads(line[6:])["subject"])

    threading.Thread(target=run, daemon=True).start()


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


async def fan_out(port: int, token: str, n: int, pid: int, emit: Any) -> tuple[float, float]:
    request = f"GET /api/v1/stream HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer {token}\r\n\r\n"
    before = rss_mib(pid)
    readers = []
    for _ in range(n):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request.encode())
        readers.append((reader, writer))
    print(f"{n} connections opened", file=sys.stderr, flush=True)
    heads = await asyncio.gather(*(r.readuntil(b"retry: 2000\n\n") for r, _ in readers))
    print(f"{n} streams answered", file=sys.stderr, flush=True)
    assert all(h.startswith(b"HTTP/1.1 200") for h in heads)
    await asyncio.sleep(1)
    held = rss_mib(pid) - before

    done = 0

    async def one(reader: asyncio.StreamReader) -> None:
        nonlocal done
        while b"data: " not in await reader.readuntil(b"\n\n"):
            pass
        done += 1

    async def progress() -> None:
        while True:
            await asyncio.sleep(5)
            print(f"{done}/{n} received the event", file=sys.stderr, flush=True)

    reporter = asyncio.create_task(progress())
    start = time.perf_counter()
    await asyncio.to_thread(emit)
    await asyncio.gather(*(one(r) for r, _ in readers))
    reporter.cancel()
    took = (time.perf_counter() - start) * 1000
    for _, writer in readers:
        writer.close()
    return held, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--streams", type=int, default=5000)
    args = parser.parse_args()
    # A `timeout` (SIGTERM) still drops the database and stops the stream process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    from auth_service.bootstrap import build_access_token_issuer, ephemeral_keys, sign_access_token
    from auth_service.config import AuthSettings
    from hooks_service.bootstrap import (
        build_event_processor,
        build_http_app,
        build_runtime,
        migrate,
    )
    from hooks_service.config import HooksSettings
    from taskhive_infra.provision import database_url_for, provision
    from taskhive_shared.db.provisioning import drop_database
    from taskhive_shared.security.denylist import InMemoryTokenDenylist
    from taskhive_shared.security.tokens import LocalKeyResolver

    name = f"taskhive_bench_{uuid.uuid4().hex[:8]}"
    provision(ADMIN_URL, name, migrate=False)
    db = database_url_for(ADMIN_URL, name)
    app_url = db.replace("postgres@", "hooks_app:hooks_app@")
    stream = None
    try:
        settings = HooksSettings(
            database_url=app_url,
            migrator_database_url=db.replace("postgres@", "hooks_migrator:hooks_migrator@"),
            allowed_networks="127.0.0.0/8",
            log_level="WARNING",
        )
        migrate(settings)
        keys = ephemeral_keys()
        issuer = build_access_token_issuer(AuthSettings(database_url=ADMIN_URL), keys)
        runtime = build_runtime(
            settings, key_resolver=LocalKeyResolver(keys.jwks), denylist=InMemoryTokenDenylist()
        )
        processor = build_event_processor(runtime)
        owner = str(uuid.uuid4())
        assert processor.process(user_created(owner)).outcome.value == "applied"
        token = sign_access_token(issuer, uuid.UUID(owner)).token
        auth = {"Authorization": f"Bearer {token}"}
        arrivals = Arrivals()
        port = receiver(arrivals)
        client = build_http_app(runtime).test_client()
        hook = client.post(
            "/api/v1/webhooks/",
            json={"url": f"http://127.0.0.1:{port}/", "events": ["tasks.task.*"]},
            headers=auth,
        ).get_json()

        def measure(arrived: Arrivals, n: int) -> list[float]:
            samples = []
            for _ in range(n):
                task_id, body = task_created(owner)
                start = time.perf_counter()
                assert processor.process(body).outcome.value == "applied"
                samples.append((arrived.wait(task_id) - start) * 1000)
            return samples

        measure(arrivals, 10)
        hooks = measure(arrivals, args.events)
        client.delete(f"/api/v1/webhooks/{hook['id']}", headers=auth)

        stream_port = free_port()
        env = os.environ | {
            "HOOKS_DATABASE_URL": app_url,
            "HOOKS_JWKS_URL": serve_jwks(keys.jwks()),
            "HOOKS_STREAM_PORT": str(stream_port),
            "HOOKS_STREAM_MAX_CLIENTS": str(args.streams + 10),
            "HOOKS_LOG_LEVEL": "WARNING",
        }
        stream = subprocess.Popen([str(BIN / "hooks-service"), "stream"], env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{stream_port}/readyz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the stream process did not start")
            time.sleep(0.2)
        streamed_arrivals = Arrivals()
        sse_reader(stream_port, token, streamed_arrivals)
        time.sleep(0.5)
        measure(streamed_arrivals, 10)
        streamed = measure(streamed_arrivals, args.events)
        held, fan = asyncio.run(
            fan_out(
                stream_port,
                token,
                args.streams,
                stream.pid,
                lambda: processor.process(task_created(owner)[1]),
            )
        )
        print("| path | n | p50 ms | p99 ms | max ms |")
        print("|---|---|---|---|---|")
        for label, samples in (
            ("event applied → webhook received", hooks),
            ("event applied → SSE client received", streamed),
        ):
            print(
                f"| {label} | {len(samples)} | {percentile(samples, 0.5):.1f} | "
                f"{percentile(samples, 0.99):.1f} | {max(samples):.1f} |"
            )
        print(
            f"\n{args.streams} open streams: +{held:.0f} MiB RSS of the stream process "
            f"(total {rss_mib(stream.pid):.0f} MiB); one event reached all in {fan:.0f} ms"
        )
        runtime.engine.dispose()
    finally:
        if stream is not None:
            stream.terminate()
            stream.wait(10)
        drop_database(ADMIN_URL, name)


if __name__ == "__main__":
    main()
