"""PurgeIdempotencyKeys: delete Idempotency-Key records past their replay window, in batches.

An expired record is already ignored (a new request with its key reclaims it), so deleting it
changes no answer; the purge only keeps the table small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from users_service.application.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class PurgeIdempotencyKeysHandler:
    uow: UnitOfWorkFactory
    clock: Clock
    ttl: timedelta
    batch_size: int = 1000
    max_batches: int = 10_000

    def __call__(self) -> int:
        created_before = self.clock.now() - self.ttl
        deleted = 0
        for _ in range(self.max_batches):
            with self.uow() as uow:
                count = uow.expired_idempotency_keys.delete_batch(created_before, self.batch_size)
                uow.commit()
            deleted += count
            if count < self.batch_size:
                break
        return deleted
