"""The admin's view of the log: filtered keyset pages, the JSON Lines export, verification."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from audit_service.application.ports import AuditFilter, UnitOfWorkFactory
from audit_service.domain.records import AuditRecord, ChainBreak, ChainCheck, verify_chain
from taskhive_shared.pagination import InvalidCursor, decode_cursor, encode_cursor


class InvalidQuery(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[AuditRecord]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class AuditQueries:
    uow: UnitOfWorkFactory

    def page(self, where: AuditFilter, limit: int, cursor: str | None) -> AuditPage:
        before = None
        if cursor is not None:
            try:
                before = int(decode_cursor(cursor, {"seq"})["seq"])
            except (InvalidCursor, ValueError, TypeError) as exc:
                raise InvalidQuery("cursor", "Not a cursor of this list.") from exc
        with self.uow() as uow:
            records = uow.records.page(where, before, limit + 1)
        page, more = records[:limit], len(records) > limit
        return AuditPage(page, encode_cursor({"seq": page[-1].seq}) if more and page else None)

    def export(self, where: AuditFilter) -> Iterator[AuditRecord]:
        with self.uow() as uow:
            yield from uow.records.stream(where, batch=500)


@dataclass(frozen=True, slots=True)
class VerifyChainHandler:
    uow: UnitOfWorkFactory

    def __call__(self) -> ChainCheck:
        """Every record from the anchor to the head; a break names the first bad `seq`."""
        with self.uow() as uow:
            state = uow.records.chain_state()
            check = verify_chain(
                state.anchor_seq, state.anchor_hash, uow.records.chain(state.anchor_seq, 1000)
            )
        if check.broken is None and (check.last_seq, check.last_hash) != (
            state.head_seq,
            state.head_hash,
        ):
            # The head remembers the last record written: rows removed from the end show here.
            broken = ChainBreak(check.last_seq + 1, "records after this one were removed")
            return ChainCheck(check.checked, check.last_seq, check.last_hash, broken)
        return check


@dataclass(frozen=True, slots=True)
class PurgeExpiredRecordsHandler:
    uow: UnitOfWorkFactory
    now: Callable[[], datetime]
    retention: timedelta
    batch_size: int = 1000

    def __call__(self) -> int:
        cutoff, total = self.now() - self.retention, 0
        while True:
            with self.uow() as uow:
                dropped = uow.records.purge(cutoff, self.batch_size)
                uow.commit()
            total += dropped
            if dropped < self.batch_size:
                return total
