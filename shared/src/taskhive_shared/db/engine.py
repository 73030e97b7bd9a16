"""SQLAlchemy engines over psycopg 3, built from settings (never at import time)."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from taskhive_shared.db.liveness import check_liveness_on_checkout
from taskhive_shared.observability.pools import ObservedQueuePool

Liveness = Literal["ping", "socket", "none"]
"""How a pool checks a connection at checkout (see `create_db_engine`)."""


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and select the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def database_role(url: str) -> str:
    """The role a URL connects as: the default name of its pool in the metrics."""
    return make_url(normalise_url(url)).username or "default"


def create_db_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    pool_name: str | None = None,
    liveness: Liveness = "ping",
    **options: Any,
) -> Engine:
    """The one way a process builds a pooled engine: its pool reports itself in the metrics
    under `pool_name` (default: the database role, which names the service), so every
    process of every service shows its pool use. `options` go to `create_engine`.

    `liveness` at checkout: "ping" (SQLAlchemy's pre-ping, a round trip, which also replaces a
    connection killed a moment ago), "socket" (no round trip: a connection the server closed
    is found from its socket, `taskhive_shared.db.liveness`; one killed after that check fails
    its first statement, a 503 in an API) or "none" (the caller retries, as tasks' reader)."""
    normalised = normalise_url(url)
    engine = create_engine(
        normalised,
        poolclass=ObservedQueuePool,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=liveness == "ping",
        pool_recycle=1800,
        **options,
    )
    if liveness == "socket":
        check_liveness_on_checkout(engine)
    if isinstance(engine.pool, ObservedQueuePool):
        engine.pool.observe(pool_name or database_role(normalised))
    return engine


def database_ready(engine: Engine) -> None:
    """Readiness check: a round trip to the database."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
