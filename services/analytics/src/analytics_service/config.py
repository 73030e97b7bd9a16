"""Analytics settings: `ANALYTICS_*` environment variables, validated when a process starts."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from taskhive_shared.files.settings import FileStoreSettings
from taskhive_shared.settings import CommonSettings


class AnalyticsSettings(CommonSettings, FileStoreSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYTICS_", extra="ignore", frozen=True)

    migrator_database_url: str | None = Field(
        default=None,
        description="URL of analytics_migrator, for `analytics-service migrate` and `rebuild`.",
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
        description="Where people reach Taskhive (the gateway): the start of `Location` links.",
    )
