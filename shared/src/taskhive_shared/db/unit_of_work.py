"""Unit of work: one fresh session and transaction per request, message or job."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from taskhive_shared.events.outbox import OutboxWriter


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

    def commit(self) -> None:
        self.session.commit()
