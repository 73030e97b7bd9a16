"""The yardstick: a deliberately minimal task list, NOT product code (issue 19).

JWT verification (RS256, the auth service's JWKS) + one keyset query + orjson, served by the
same gunicorn settings as the tasks API behind an HAProxy of the same shape as the gateway. Its
rate, measured in the same run as the product's endpoints, is what every figure is divided by,
so the ratios hold when this machine's speed drifts. It skips all the product does besides
(the denylist, the caller's replica row and visibility, assignees and tags, validation of the
query string, problem+json, logging): the gap is what those cost.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jwt
import orjson
import requests
from flask import Flask, Response, request
from psycopg_pool import ConnectionPool

BIN = Path(sys.executable).parent
LIST_SQL = """SELECT id::text, title, status, priority, created_at::text FROM tasks.tasks
WHERE created_by = %s AND NOT is_archived ORDER BY created_at DESC, id DESC LIMIT 21"""


def create_app() -> Flask:
    """gunicorn's factory: `bench.yardstick:create_app()`, configured by the environment."""
    jwks = requests.get(os.environ["YARDSTICK_JWKS_URL"], timeout=10).json()
    keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks["keys"]}
    pool = ConnectionPool(os.environ["YARDSTICK_DATABASE_URL"], min_size=1, max_size=2)
    app = Flask("yardstick")

    @app.get("/tasks/")
    def tasks() -> Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            kid = jwt.get_unverified_header(token)["kid"]
            claims = jwt.decode(token, keys[kid], algorithms=["RS256"], audience="taskhive")
        except (jwt.PyJWTError, KeyError):
            return Response(b'{"title": "Unauthorized"}', 401, mimetype="application/json")
        with pool.connection() as connection:
            rows = connection.execute(LIST_SQL, (claims["sub"],)).fetchall()
        keys_ = ("id", "title", "status", "priority", "created_at")
        items = [dict(zip(keys_, row, strict=True)) for row in rows[:20]]
        body = orjson.dumps({"items": items, "has_more": len(rows) > 20})
        return Response(body, 200, mimetype="application/json")

    return app


HAPROXY_CFG = """global
    maxconn 4096
defaults
    mode http
    option http-keep-alive
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout queue 10s
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    server yardstick 127.0.0.1:{upstream} maxconn 64
"""


@contextmanager
def running_yardstick(
    database_url: str, jwks_url: str, *, port: int = 18490, workers: int = 2
) -> Iterator[str]:
    """The yardstick behind its own HAProxy; yields the base URL of its list."""
    upstream = port + 1
    env = os.environ | {"YARDSTICK_DATABASE_URL": database_url, "YARDSTICK_JWKS_URL": jwks_url}
    argv = [str(BIN / "gunicorn"), "--no-control-socket", "--workers", str(workers)]
    argv += ["--bind", f"127.0.0.1:{upstream}", "--log-level", "warning"]
    server = subprocess.Popen(
        [*argv, "bench.yardstick:create_app()"],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    with tempfile.NamedTemporaryFile("w", suffix=".cfg") as config:
        config.write(HAPROXY_CFG.format(port=port, upstream=upstream))
        config.flush()
        proxy = subprocess.Popen(["haproxy", "-f", config.name])
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_listening(f"{base}/tasks/")
            yield f"{base}/tasks/"
        finally:
            for process in (proxy, server):
                process.terminate()
                process.wait(30)


def _wait_until_listening(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 401:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("the yardstick did not come up within 30 s")
