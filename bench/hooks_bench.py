"""Webhooks and the live stream on `make stack` (RabbitMQ, Celery on Redis, HAProxy).

1. event → webhook delivered: POST /api/v1/tasks/ (201) → the tasks relay publishes → the
   hooks consumer logs it and writes the delivery → a hooks worker signs and POSTs it to a
   receiver on 127.0.0.1 (allow-listed for the bench). From the 201 to the receiver's read.
2. event → stream client: the same, to an SSE client connected through HAProxy.
3. open streams: N idle SSE connections straight to the stream process; its RSS, and the
   time for one event to reach all N.
Latencies are taken from the moment the POST is sent (the API write through the gateway
included) and, second, from its 201. Run under the stack lock:
`flock /tmp/taskhive-stack.lock .venv/bin/python -m bench.hooks_bench [--events 100]
[--streams 5000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from bench.auth_bench import percentile
from bench.stack import ROOT, running_stack

PORT_OFFSET = 10400
STREAM_PORT = 8116 + PORT_OFFSET


class Arrivals:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.lock = threading.Lock()

    def seen(self, key: str) -> None:
        with self.lock:
            self.times.setdefault(key, time.perf_counter())

    def wait(self, key: str, timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if key in self.times:
                    return self.times[key]
            time.sleep(0.0005)
        raise SystemExit(f"{key} did not arrive within {timeout} s")


def receiver(arrivals: Arrivals) -> int:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            data = json.loads(body).get("data", {})
            if "task_id" in data:
                arrivals.seen(data["task_id"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return int(server.server_address[1])


def sse_reader(host: str, port: int, token: str, arrivals: Arrivals) -> None:
    sock = socket.create_connection((host, port))
    request = f"GET /api/v1/stream HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
    sock.sendall((request + "\r\n").encode())

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


def latency(
    base: str, headers: dict[str, str], arrivals: Arrivals, n: int
) -> tuple[list[float], list[float]]:
    """Per event: ms from the POST sent to the arrival, and from its 201 to the arrival."""
    session = requests.Session()
    from_write, from_201 = [], []
    for i in range(n):
        sent = time.perf_counter()
        created = session.post(
            f"{base}/api/v1/tasks/", json={"title": f"bench {i}"}, headers=headers, timeout=30
        )
        answered = time.perf_counter()
        assert created.status_code == 201, created.text
        arrived = arrivals.wait(created.json()["id"])
        from_write.append((arrived - sent) * 1000)
        from_201.append((arrived - answered) * 1000)
    return from_write, from_201


async def hold_streams(n: int, token: str) -> list[asyncio.StreamWriter]:
    request = (
        f"GET /api/v1/stream HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    writers = []
    readers = []
    for _ in range(n):
        reader, writer = await asyncio.open_connection("127.0.0.1", STREAM_PORT)
        writer.write(request)
        writers.append(writer)
        readers.append(reader)
    heads = await asyncio.gather(*(r.readuntil(b"retry: 2000\n\n") for r in readers))
    assert all(h.startswith(b"HTTP/1.1 200") for h in heads)
    hold_streams.readers = readers  # type: ignore[attr-defined]
    return writers


def stream_rss_mib() -> float:
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            status = (proc / "status").read_text()
        except OSError:
            continue
        if any(p.endswith(b"hooks-service") for p in cmdline) and b"stream" in cmdline:
            environ = (proc / "environ").read_bytes()
            if f"HOOKS_STREAM_PORT={STREAM_PORT}".encode() not in environ:
                continue
            rss = next(line for line in status.splitlines() if line.startswith("VmRSS"))
            return int(rss.split()[1]) / 1024
    raise SystemExit("stream process not found")


async def fan_out(n: int, token: str, base: str, headers: dict[str, str]) -> tuple[float, float]:
    rss_before = stream_rss_mib()
    # Keep the writers referenced: a collected StreamWriter closes its connection.
    writers = await hold_streams(n, token)
    await asyncio.sleep(2)
    rss = stream_rss_mib()
    readers: list[asyncio.StreamReader] = hold_streams.readers  # type: ignore[attr-defined]
    created = await asyncio.to_thread(
        requests.post, f"{base}/api/v1/tasks/", json={"title": "fan-out"}, headers=headers
    )
    start = time.perf_counter()
    await asyncio.gather(*(_event(r) for r in readers))
    assert created.status_code == 201
    took = (time.perf_counter() - start) * 1000
    for writer in writers:
        writer.close()
    return rss - rss_before, took


async def _event(reader: asyncio.StreamReader) -> None:
    while True:
        block = await reader.readuntil(b"\n\n")
        if b"data: " in block:
            return


def sign_in(base: str, name: str) -> str:
    """A fresh access token (15 min): the stream ends when its token expires."""
    login = requests.post(
        f"{base}/api/v1/auth/login",
        json={"username": name, "password": f"{name}-secret"},
        timeout=30,
    )
    assert login.status_code == 200, login.text
    return str(login.json()["access_token"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--streams", type=int, default=5000, help="0 skips the fan-out part")
    parser.add_argument("--boot-timeout", type=float, default=1200)
    args = parser.parse_args()
    arrivals = Arrivals()
    receiver_port = receiver(arrivals)
    settings: dict[str, Any] = {
        "AUTH_ARGON2_MEMORY_KIB": "1024",
        "AUTH_ARGON2_TIME_COST": "1",
        "HOOKS_ALLOWED_NETWORKS": "127.0.0.0/8",
        "HOOKS_LOG_LEVEL": "WARNING",
        "TASKS_LOG_LEVEL": "WARNING",
        # Each boot step (migrations, a service's readiness) may take minutes on a loaded machine.
        "TASKHIVE_STARTUP_TIMEOUT": str(int(args.boot_timeout)),
    }
    log_path = ROOT / "artifacts" / "hooks_bench_stack.log"
    log_path.parent.mkdir(exist_ok=True)
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    fan: tuple[float, float] | None = None
    with running_stack(
        port_offset=PORT_OFFSET, log_path=log_path, boot_timeout=args.boot_timeout, **settings
    ) as stack:
        base = stack.base_url
        name = f"hb{uuid.uuid4().hex[:10]}"
        registered = requests.post(
            f"{base}/api/v1/auth/register",
            json={"email": f"{name}@bench.local", "username": name, "password": f"{name}-secret"},
            timeout=30,
        )
        assert registered.status_code == 201, registered.text
        token = registered.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        hook = requests.post(
            f"{base}/api/v1/webhooks/",
            json={"url": f"http://127.0.0.1:{receiver_port}/", "events": ["tasks.task.created"]},
            headers=headers,
            timeout=30,
        )
        assert hook.status_code == 201, hook.text
        # The owner must have reached the hooks replica before deliveries are made for them.
        deadline = time.monotonic() + 60
        while not requests.get(
            f"{base}/api/v1/activity/?type=users.user", headers=headers, timeout=10
        ).json()["items"]:
            if time.monotonic() > deadline:
                raise SystemExit("the user never reached the hooks replica")
            time.sleep(0.1)
        load_booted = os.getloadavg()
        latency(base, headers, arrivals, 5)  # warm-up
        hooks = latency(base, headers, arrivals, args.events)
        token = sign_in(base, name)
        headers = {"Authorization": f"Bearer {token}"}
        stream_arrivals = Arrivals()
        sse_reader("127.0.0.1", int(base.rsplit(":", 1)[1]), token, stream_arrivals)
        time.sleep(0.5)
        latency(base, headers, stream_arrivals, 5)
        streamed = latency(base, headers, stream_arrivals, args.events)
        load_after = os.getloadavg()
        if args.streams:
            try:
                fan = asyncio.run(fan_out(args.streams, sign_in(base, name), base, headers))
            except (OSError, AssertionError, SystemExit, asyncio.IncompleteReadError) as exc:
                print(f"fan-out to {args.streams} streams failed: {exc!r}")
    print(f"{started}; load average (1/5/15 min) before boot {_load(load_before)}, ", end="")
    print(f"after boot {_load(load_booted)}, after the latency runs {_load(load_after)}")
    print("| path | n | p50 ms | p99 ms | max ms | p50 from 201 | p99 from 201 |")
    print("|---|---|---|---|---|---|---|")
    for label, (write, answered) in (
        ("event → webhook delivered", hooks),
        ("event → SSE client (via HAProxy)", streamed),
    ):
        print(
            f"| {label} | {len(write)} | {percentile(write, 0.5):.1f} | "
            f"{percentile(write, 0.99):.1f} | {max(write):.1f} | "
            f"{percentile(answered, 0.5):.1f} | {percentile(answered, 0.99):.1f} |"
        )
    if fan is not None:
        rss, ms = fan
        print(
            f"\n{args.streams} open streams: +{rss:.0f} MiB RSS of the stream process; one event "
            f"reached all of them in {ms:.0f} ms"
        )


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    main()
