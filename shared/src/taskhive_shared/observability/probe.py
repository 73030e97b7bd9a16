"""The small listener of the processes that serve no HTTP (relay, consumer, worker, beat):
`/livez` (the process answers), `/readyz` (connected and making progress) and `/metrics`.

It listens on `TASKHIVE_PROBE_PORT` (compose and Kubernetes set 9000; `make stack` one port
per process); without it no listener starts. It runs on a daemon thread and never touches the
process's own connections: readiness reads what the process's loop last reported (`Progress`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from taskhive_shared.observability.metrics import exposition

logger = logging.getLogger(__name__)

PROBE_PORT_ENV = "TASKHIVE_PROBE_PORT"
PROBE_BIND_ENV = "TASKHIVE_PROBE_BIND"
Check = Callable[[], None]
"""Raises when the process is not ready (the message says why)."""


class NotReady(Exception):
    pass


class Progress:
    """What a loop reports of itself: connected, and the last time it went round. Ready means
    connected and gone round within `max_silence` seconds (a stuck loop turns not ready)."""

    def __init__(self, max_silence: float = 30.0) -> None:
        self._max_silence = max_silence
        self._last: float | None = None
        self._lock = threading.Lock()

    def beat(self) -> None:
        with self._lock:
            self._last = time.monotonic()

    def lost(self) -> None:
        with self._lock:
            self._last = None

    def check(self) -> None:
        with self._lock:
            last = self._last
        if last is None:
            raise NotReady("not connected")
        silence = time.monotonic() - last
        if silence > self._max_silence:
            raise NotReady(f"no progress for {silence:.0f}s")


class ProbeServer:
    def __init__(
        self,
        port: int,
        checks: Mapping[str, Check],
        *,
        host: str = "0.0.0.0",
        collect: Callable[[], None] | None = None,
    ) -> None:
        self._checks = dict(checks)
        self._collect = collect
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> ProbeServer:
        threading.Thread(target=self._server.serve_forever, name="probe", daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def readiness(self) -> tuple[bool, dict[str, str]]:
        results: dict[str, str] = {}
        for name, check in self._checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:  # a failing check must never crash the probe
                results[name] = f"unavailable: {exc}"[:200]
        return all(value == "ok" for value in results.values()), results

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        probe = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0].rstrip("/")
                if path == "/livez":
                    self._send(200, "application/json", b'{"status":"ok"}')
                elif path == "/readyz":
                    ready, results = probe.readiness()
                    body = {"status": "ok" if ready else "unavailable", "checks": results}
                    self._send(200 if ready else 503, "application/json", json.dumps(body).encode())
                elif path == "/metrics":
                    if probe._collect is not None:
                        try:
                            probe._collect()
                        except Exception:  # a gauge read at scrape time may fail; serve the rest
                            logger.warning("metrics collection failed", exc_info=True)
                    payload, content_type = exposition()
                    self._send(200, content_type, payload)
                else:
                    self._send(404, "application/json", b'{"status":404}')

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # probes every few seconds would drown the process's own log

        return Handler


def start_probe(
    checks: Mapping[str, Check], *, collect: Callable[[], None] | None = None
) -> ProbeServer | None:
    """The process's probe listener on TASKHIVE_PROBE_PORT, or None when it is not set."""
    port = os.environ.get(PROBE_PORT_ENV)
    if not port:
        return None
    host = os.environ.get(PROBE_BIND_ENV, "0.0.0.0")
    try:
        server = ProbeServer(int(port), checks, host=host, collect=collect).start()
    except OSError as exc:
        # The process's work matters more than its probe: it goes on, unprobed (an orchestrator
        # then sees it unready and says so), rather than crash-looping on a taken port.
        logger.error("probe listener unavailable", extra={"port": port, "error": str(exc)})
        return None
    logger.info("probe listening", extra={"port": server.port})
    return server
