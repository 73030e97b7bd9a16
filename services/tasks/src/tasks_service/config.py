"""Tasks settings: `TASKS_*` environment variables, validated when a process starts."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from taskhive_shared.files.settings import FileStoreSettings
from taskhive_shared.settings import CommonSettings


class TasksSettings(CommonSettings, FileStoreSettings):
    model_config = SettingsConfigDict(env_prefix="TASKS_", extra="ignore", frozen=True)

    migrator_database_url: str | None = Field(
        default=None, description="URL of tasks_migrator, for `tasks-service migrate`."
    )
    jwks_url: str | None = Field(
        default=None,
        description=(
            "Auth's JWKS, e.g. http://127.0.0.1:8101/api/v1/auth/jwks.json; required unless "
            "the process injects a key resolver (embedded mode, tests)."
        ),
    )
    read_pool_size: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Connections of the read side's autocommit pool (per process), besides "
        "the DB_POOL_SIZE of the writing one.",
    )
    read_statement_timeout_ms: int = Field(
        default=5000,
        ge=0,
        le=3_600_000,
        description="Longest a statement of the read side's pool (the API's lists, single "
        "tasks, facets, suggestions) may run, in milliseconds; one cut off answers 503 "
        "`/problems/query-timeout`. 0: no limit. Writes, jobs, the relay, consumers and "
        "migrations have none (ADR 0029).",
    )
    idempotency_key_ttl_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 30,
        description="How long an Idempotency-Key replays its first response.",
    )
    daily_summary_hour: int = Field(
        default=7,
        ge=0,
        le=23,
        description="Local hour (each user's own timezone) at which the daily summary goes out.",
    )
    archive_retention_days: int = Field(
        default=30, ge=1, le=36500, description="Archived tasks older than this are deleted."
    )
    notification_retries: int = Field(
        default=5,
        ge=0,
        le=20,
        description="Quick retries of a delivery job after a temporary SMTP failure (30 s, then "
        "doubling); the sweeper goes on every 10 minutes after that.",
    )
    notification_give_up_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 14,
        description="A notification still failing temporarily this long after it was recorded "
        "is marked failed.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8080",
        description="Where people open Taskhive: the links in emails start with it.",
    )
    import_max_bytes: int = Field(
        default=1_000_000,
        ge=1024,
        le=100 * 1024 * 1024,
        description="Largest import file; the request around it must also pass MAX_BODY_BYTES "
        "and the gateway's GATEWAY_MAX_BODY_BYTES (1 MiB by default).",
    )
    import_max_rows: int = Field(default=5000, ge=1, le=1_000_000)
