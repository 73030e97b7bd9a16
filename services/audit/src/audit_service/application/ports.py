"""What the audit use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from audit_service.domain.records import AuditEntry, AuditRecord


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_id: str | None = None
    action: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChainState:
    anchor_seq: int
    anchor_hash: str
    head_seq: int
    head_hash: str


class AuditRepository(Protocol):
    def append(self, entry: AuditEntry, recorded_at: datetime) -> AuditRecord:
        """Place the entry after the chain's head (locks the head: one writer at a time)."""

    def page(self, where: AuditFilter, before_seq: int | None, limit: int) -> list[AuditRecord]:
        """Newest first, below `before_seq`."""

    def stream(self, where: AuditFilter, batch: int) -> Iterator[AuditRecord]:
        """Oldest first, in batches (the export)."""

    def chain_state(self) -> ChainState: ...

    def chain(self, after_seq: int, batch: int) -> Iterator[AuditRecord]:
        """Every record after `after_seq`, in order (verification)."""

    def purge(self, before: datetime, limit: int) -> int:
        """Drop up to `limit` of the oldest records recorded before `before`, moving the
        anchor to the last one dropped (the only way rows leave the table)."""


class AuditUnitOfWork(Protocol):
    @property
    def records(self) -> AuditRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], AuditUnitOfWork]
