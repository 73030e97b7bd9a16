"""Tasks settings: `TASKS_*` environment variables, validated when a process starts."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from taskhive_shared.settings import CommonSettings


class TasksSettings(CommonSettings):
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
    idempotency_key_ttl_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 30,
        description="How long an Idempotency-Key replays its first response.",
    )
