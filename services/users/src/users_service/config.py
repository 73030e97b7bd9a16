"""Users settings: `USERS_*` environment variables, validated when a process starts."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from taskhive_shared.settings import CommonSettings


class UsersSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="USERS_", extra="ignore", frozen=True)

    migrator_database_url: str | None = Field(
        default=None, description="URL of users_migrator, for `users-service migrate`."
    )
    jwks_url: str | None = Field(
        default=None,
        description=(
            "Auth's JWKS, e.g. http://127.0.0.1:8101/api/v1/auth/jwks.json; required unless "
            "the process injects a key resolver (embedded mode, tests)."
        ),
    )
    idempotency_key_ttl_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 30,
        description="How long an Idempotency-Key replays its first response.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8080/",
        description="Where people reach Taskhive (the gateway): the link of the welcome email "
        "and the start of the lists' `Link` headers.",
    )
    welcome_email_sweep_days: int = Field(
        default=7,
        ge=1,
        le=90,
        description="The welcome-email sweeper looks at profiles created in the last N days.",
    )
    welcome_email_max_attempts: int = Field(
        default=12, ge=1, le=100, description="Transient failures before a welcome email fails."
    )
    welcome_email_retry_backoff_seconds: int = Field(
        default=30, ge=1, le=3600, description="First retry delay (doubling each time)."
    )
    welcome_email_retry_backoff_max_seconds: int = Field(default=1800, ge=1, le=6 * 3600)
    welcome_email_max_retries: int = Field(
        default=6, ge=0, le=50, description="Celery retries of one job (the sweeper retries later)."
    )
    purge_idempotency_keys_hour: int = Field(
        default=3,
        ge=0,
        le=23,
        description="UTC hour of the daily `users.purge_idempotency_keys` job (at minute 30).",
    )
