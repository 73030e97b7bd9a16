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
