"""Audit settings: `AUDIT_*` environment variables, validated when a process starts."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from taskhive_shared.settings import CommonSettings


class AuditSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="AUDIT_", extra="ignore", frozen=True)

    migrator_database_url: str | None = Field(
        default=None, description="URL of audit_migrator, for `audit-service migrate`."
    )
    jwks_url: str | None = Field(
        default=None,
        description="Auth's JWKS; required unless the process injects a key resolver.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8080/", description="Start of the lists' `Link` headers."
    )
    retention_days: int = Field(
        default=365,
        ge=1,
        le=36_500,
        description="Records older than this are purged daily (the chain's anchor moves on).",
    )
    purge_hour: int = Field(
        default=4, ge=0, le=23, description="UTC hour of the daily `audit.purge_records` job."
    )
