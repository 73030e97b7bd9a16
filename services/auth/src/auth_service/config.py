"""Auth settings: `AUTH_*` environment variables, validated when a process starts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from taskhive_shared.settings import CommonSettings


class AuthSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore", frozen=True)

    migrator_database_url: str | None = Field(
        default=None, description="URL of auth_migrator, for `auth-service migrate`."
    )
    signing_key_files: str = Field(
        default="",
        description="Comma-separated PEM files of RSA private keys; the first one signs.",
    )
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=900)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=90)
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=65_536, ge=8, le=4_194_304)
    argon2_parallelism: int = Field(default=4, ge=1, le=64)
    purge_refresh_tokens_hour: int = Field(
        default=3,
        ge=0,
        le=23,
        description="UTC hour of the daily `auth.purge_refresh_tokens` job (at minute 15).",
    )
    purge_batch_size: int = Field(
        default=1000, ge=1, le=100_000, description="Rows deleted per purge transaction."
    )

    @field_validator("signing_key_files")
    @classmethod
    def _files_exist(cls, value: str) -> str:
        for path in cls.split_paths(value):
            if not path.is_file():
                raise ValueError(f"signing key file not found: {path}")
        return value

    @staticmethod
    def split_paths(value: str) -> list[Path]:
        return [Path(item.strip()) for item in value.split(",") if item.strip()]

    @property
    def signing_key_paths(self) -> list[Path]:
        return self.split_paths(self.signing_key_files)
