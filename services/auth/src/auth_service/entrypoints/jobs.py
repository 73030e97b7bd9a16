"""Auth's background jobs as Celery tasks: thin glue from a task name to a use case.

The tasks get their use cases from `jobs`, a factory the composition root hands over; it
builds the runtime the first time a task runs in a process (after the worker forked), never at
import. Every job is idempotent: Celery acknowledges late and may run one twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.schedules import crontab

from auth_service.application.purge_refresh_tokens import PurgeRefreshTokensHandler
from taskhive_shared.jobs.app import job

PURGE_REFRESH_TOKENS = "auth.purge_refresh_tokens"
SYNC_API_KEYS = "auth.sync_api_keys"


@dataclass(frozen=True, slots=True)
class AuthJobs:
    purge_refresh_tokens: PurgeRefreshTokensHandler
    sync_api_keys: Callable[[], int]


def beat_schedule(purge_hour: int) -> dict[str, dict[str, Any]]:
    return {
        "purge-refresh-tokens-daily": {
            "task": PURGE_REFRESH_TOKENS,
            "schedule": crontab(minute=15, hour=purge_hour),
        },
        # The directory is a cache in Redis, which may restart empty: refill it often.
        "sync-api-keys": {"task": SYNC_API_KEYS, "schedule": crontab(minute="*/5")},
    }


def register_jobs(app: Celery, jobs: Callable[[], AuthJobs]) -> None:
    @job(app, PURGE_REFRESH_TOKENS)
    def purge_refresh_tokens() -> dict[str, int]:
        """Delete expired refresh tokens (and the families left empty), in batches."""
        result = jobs().purge_refresh_tokens()
        return {"tokens": result.tokens, "families": result.families, "batches": result.batches}

    @job(app, SYNC_API_KEYS)
    def sync_api_keys() -> dict[str, int]:
        """Republish every active API key into the shared directory."""
        return {"published": jobs().sync_api_keys()}
