"""Unit of work: one fresh session and transaction per request, message or job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from taskhive_shared.events.outbox import OutboxWriter

logger = logging.getLogger(__name__)


class SqlAlchemyUnitOfWork:
    """Base for a service's unit of work: repositories and the outbox share one transaction.

    Leaving the block without `commit()` rolls everything back, so a failing use case
    writes nothing (no partial writes, no event without its state change).
    """

    session: Session
    outbox: OutboxWriter

    def __init__(self, session_factory: sessionmaker[Session], outbox: OutboxWriter) -> None:
        self._session_factory = session_factory
        self._outbox_prototype = outbox

    def __enter__(self) -> Self:
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
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                logger.exception("after-commit callback failed")
