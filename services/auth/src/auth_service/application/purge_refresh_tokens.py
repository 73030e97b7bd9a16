"""PurgeRefreshTokens: delete refresh tokens nobody can use any more, a batch at a time.

A token is kept until its own expiry whatever its state: a spent token presented again is how
reuse is detected (ADR 0003), and a token of a revoked family must keep answering "revoked"
rather than "unknown" while it could still be presented. Past its expiry a token is refused
for that reason alone, so deleting it changes no answer. A family goes with its last token.
"""

from __future__ import annotations

from dataclasses import dataclass

from auth_service.application.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class PurgeResult:
    tokens: int
    families: int
    batches: int


@dataclass(frozen=True, slots=True)
class PurgeRefreshTokensHandler:
    uow: UnitOfWorkFactory
    clock: Clock
    batch_size: int = 1000
    max_batches: int = 10_000
    """A bound on one run; whatever is left is the next run's."""

    def __call__(self) -> PurgeResult:
        # One cut-off for the whole run: rows expiring while it runs are the next run's.
        before = self.clock.now()
        tokens = families = batches = 0
        while batches < self.max_batches:
            with self.uow() as uow:
                purged = uow.refresh_tokens.purge_expired(before, self.batch_size)
                uow.commit()
            batches += 1
            tokens += purged.tokens
            families += purged.families
            if purged.tokens < self.batch_size:
                break
        return PurgeResult(tokens=tokens, families=families, batches=batches)
