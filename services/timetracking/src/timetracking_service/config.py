"""Timetracking settings: `TIMETRACKING_*` environment variables, validated at start."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from taskhive_shared.settings import CommonSettings


class TimeTrackingSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="TIMETRACKING_", extra="ignore", frozen=True)

    migrator_database_url: str | None = Field(
        default=None,
        description="URL of timetracking_migrator, for `timetracking-service migrate`.",
    )
    jwks_url: str | None = Field(
        default=None,
        description=(
            "Auth's JWKS, e.g. http://127.0.0.1:8101/api/v1/auth/jwks.json; required unless "
            "the process injects a key resolver (embedded mode, tests)."
        ),
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8080/",
        description="Where people reach Taskhive (the gateway): the start of `Link` headers.",
    )
    overtime_report_weekday: int = Field(
        default=1,
        ge=1,
        le=7,
        description="ISO weekday (1 = Monday) of the weekly overtime e-mail to managers.",
    )
    overtime_report_hour: int = Field(
        default=6, ge=0, le=23, description="UTC hour of the weekly overtime e-mail."
    )
    idempotency_key_ttl_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 30,
        description="How long an Idempotency-Key of `POST /entries/` replays its first response.",
    )
