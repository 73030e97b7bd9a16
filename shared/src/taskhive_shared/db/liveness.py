"""A pooled connection's liveness, checked at checkout without a round trip (issue 19,
`create_db_engine(liveness="socket")`).

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` on every checkout: one round trip per request,
message or job (one of a task create's 18). A connection idle in the pool has nothing
to read, so its socket becoming readable means the server spoke first: it closed the
connection (restart, `pg_terminate_backend`, `idle_session_timeout`, a proxy's idle cut: a
FATAL message and/or EOF). Such a connection, or one psycopg already knows is closed or
broken, is refused at checkout with `DisconnectionError`, and the pool replaces it (SQLAlchemy
retries the checkout with a fresh connection).

What this cannot see, a pre-ping could not either: a peer that vanished without closing
(a pre-ping would hang until the TCP timeout too), and a connection that dies between the
checkout and its first statement. The latter fails that statement with a disconnect error:
SQLAlchemy invalidates the connection (and the older ones of its pool), and the HTTP layer
answers 503 with Retry-After (taskhive_shared.http.api), never a 500. A false alarm (data
on an idle socket that was no farewell) costs a reconnect, never an error.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from sqlalchemy import Engine, event, exc
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection


def looks_dead(connection: Any) -> bool:
    """True when the idle psycopg connection is closed, broken, or has something to read."""
    if not isinstance(connection, psycopg.Connection):
        return False  # another driver: nothing known to check cheaply
    if connection.closed or connection.broken:
        return True
    if connection.pgconn.status != psycopg.pq.ConnStatus.OK:
        return True
    readable, _, _ = select.select([connection.pgconn.socket], [], [], 0)
    return bool(readable)


def _refuse_dead(
    dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    if looks_dead(dbapi_connection):
        raise exc.DisconnectionError("the server closed this pooled connection")


def check_liveness_on_checkout(engine: Engine) -> None:
    event.listen(engine, "checkout", _refuse_dead)
