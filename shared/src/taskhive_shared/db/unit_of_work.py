"""Unit of work: one fresh session and transaction per request, message or job.

A consumer applying several deliveries at once opens a `TransactionBatch`: each message's unit
of work is then a savepoint of one shared transaction (its own session, repositories and
recorded events, as alone), and the batch commits once. A failing message rolls back to its
savepoint only; its after-commit callbacks wait for the batch's commit (ADR 0030).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.orm import Session, sessionmaker

from taskhive_shared.events.outbox import OutboxWriter

logger = logging.getLogger(__name__)


def _run_callbacks(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            logger.exception("after-commit callback failed")


class TransactionBatch:
    """One database transaction shared by the units of work opened in this context (same
    thread): the first one connects and begins; each is a savepoint; `commit()` commits them
    all and then runs their after-commit callbacks. Leaving without `commit()` rolls back
    everything. One COMMIT (and WAL flush) for many messages instead of one each."""

    def __init__(self) -> None:
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None
        self._after_commit: list[Callable[[], None]] = []
        self._token: Token[TransactionBatch | None] | None = None

    def __enter__(self) -> Self:
        self._token = _current_batch.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _current_batch.reset(self._token)
        connection, self._connection, self._transaction = self._connection, None, None
        self._after_commit = []
        if connection is not None:
            connection.close()  # rolls back what was not committed

    def connection_for(self, engine: Engine) -> Connection:
        if self._connection is None:
            self._connection = engine.connect()
            self._transaction = self._connection.begin()
        elif self._connection.engine is not engine:
            raise RuntimeError("a transaction batch spans one database engine")
        return self._connection

    def defer(self, callbacks: list[Callable[[], None]]) -> None:
        self._after_commit += callbacks

    def commit(self) -> None:
        if self._transaction is not None:
            self._transaction.commit()
        callbacks, self._after_commit = self._after_commit, []
        _run_callbacks(callbacks)


_current_batch: ContextVar[TransactionBatch | None] = ContextVar(
    "taskhive_transaction_batch", default=None
)


class SqlAlchemyUnitOfWork:
    """Base for a service's unit of work: repositories and the outbox share one transaction.

    Leaving the block without `commit()` rolls everything back, so a failing use case
    writes nothing (no partial writes, no event without its state change).
    """

    session: Session
    outbox: OutboxWriter
    _batch: TransactionBatch | None

    def __init__(self, session_factory: sessionmaker[Session], outbox: OutboxWriter) -> None:
        self._session_factory = session_factory
        self._outbox_prototype = outbox

    def __enter__(self) -> Self:
        self._batch = _current_batch.get()
        bind = self._session_factory.kw.get("bind")
        if self._batch is not None and isinstance(bind, Engine):
            self.session = self._session_factory(
                bind=self._batch.connection_for(bind), join_transaction_mode="create_savepoint"
            )
        else:
            self._batch = None
            self.session = self._session_factory()
        self._after_commit: list[Callable[[], None]] = []
        self.outbox = self._outbox_prototype.bound_to(self.session)
        self._open_repositories(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def _open_repositories(self, session: Session) -> None:
        """Subclasses build their repositories on the session here."""

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this unit of work has committed (never after a rollback).

        For side effects outside the database, such as enqueueing a job that reads what was
        just written. A failing callback is logged, not raised: the data is committed, and
        whatever the callback was for must have a sweeper that finds it later.
        """
        self._after_commit.append(callback)

    def commit(self) -> None:
        """Commit (in a batch: release this unit's savepoint; its callbacks wait for the
        batch's commit)."""
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        if self._batch is not None:
            self._batch.defer(callbacks)
        else:
            _run_callbacks(callbacks)
