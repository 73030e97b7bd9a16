"""The pool's liveness check at checkout (no round trip): a connection the server closed
while it sat in the pool is replaced, not lent out to fail its first statement."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from taskhive_shared.db.engine import create_db_engine
from taskhive_shared.db.liveness import looks_dead

_PID = sa.text("SELECT pg_backend_pid()")


def _terminate_pooled(engine: sa.Engine, admin: sa.Engine) -> int:
    """Terminate the backend of the pool's only connection; wait until its socket shows it."""
    with engine.connect() as connection:
        pid = int(connection.execute(_PID).scalar_one())
        raw = connection.connection.dbapi_connection
    with admin.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    deadline = time.monotonic() + 5
    while not looks_dead(raw) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert looks_dead(raw)
    return pid


def test_a_connection_the_server_closed_is_replaced_at_checkout(test_database: Any) -> None:
    engine = create_db_engine(test_database.url(), pool_size=1, max_overflow=0, liveness="socket")
    admin = create_db_engine(test_database.url(), pool_size=1, max_overflow=0)
    try:
        pid = _terminate_pooled(engine, admin)
        with engine.connect() as connection:
            assert connection.execute(_PID).scalar_one() != pid
    finally:
        engine.dispose()
        admin.dispose()


def test_without_the_check_the_first_statement_fails_on_the_closed_connection(
    test_database: Any,
) -> None:
    """What the check prevents (and what the HTTP layer turns into a 503 when a connection
    dies after the checkout): the statement fails and the connection is invalidated."""
    engine = create_db_engine(test_database.url(), pool_size=1, max_overflow=0, liveness="none")
    admin = create_db_engine(test_database.url(), pool_size=1, max_overflow=0)
    try:
        _terminate_pooled(engine, admin)
        with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError) as failure:
            connection.execute(_PID)
        assert failure.value.connection_invalidated
    finally:
        engine.dispose()
        admin.dispose()


def test_an_idle_live_connection_is_not_refused(test_database: Any) -> None:
    engine = create_db_engine(test_database.url(), pool_size=1, max_overflow=0, liveness="socket")
    try:
        with engine.connect() as connection:
            first = connection.execute(_PID).scalar_one()
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert connection.execute(_PID).scalar_one() == first
        assert not looks_dead(raw)
    finally:
        engine.dispose()
