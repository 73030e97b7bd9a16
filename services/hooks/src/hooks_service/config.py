"""Hooks settings: `HOOKS_*` environment variables, validated when a process starts."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from taskhive_shared.settings import CommonSettings


class HooksSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="HOOKS_", extra="ignore", frozen=True)

    migrator_database_url: str | None = Field(
        default=None, description="URL of hooks_migrator, for `hooks-service migrate`."
    )
    jwks_url: str | None = Field(
        default=None,
        description="Auth's JWKS; required unless the process injects a key resolver.",
    )
    public_base_url: str = Field(default="http://127.0.0.1:8080/")
    allowed_networks: str = Field(
        default="",
        description="Comma-separated CIDRs webhooks may reach although private or loopback "
        "(e.g. `127.0.0.0/8,::1/128` in development). Empty: public addresses only.",
    )
    allowed_hosts: str = Field(
        default="",
        description="Comma-separated host names admitted whatever they resolve to, and "
        "reachable over plain http.",
    )
    connect_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    read_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    response_max_bytes: int = Field(default=65536, ge=1024, le=10_485_760)
    retry_base_seconds: float = Field(default=10, gt=0, le=3600)
    retry_cap_seconds: float = Field(default=7200, gt=0, le=86400)
    retry_window_hours: float = Field(default=24, gt=0, le=168)
    disable_after_hours: float = Field(default=24, gt=0, le=168)
    secret_rotation_overlap_hours: float = Field(default=24, ge=0, le=168)
    sweep_seconds: int = Field(
        default=15, ge=1, le=3600, description="How often the beat enqueues due deliveries."
    )
    event_retention_days: int = Field(
        default=30, ge=1, le=3650, description="Event log (stream resume, activity feed)."
    )
    stream_port: int = Field(default=8116, ge=1, le=65535)
    stream_bind: str = Field(default="127.0.0.1")
    stream_heartbeat_seconds: float = Field(default=15, gt=0, le=300)
    stream_max_clients: int = Field(default=10000, ge=1, le=1_000_000)

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in filter(None, (v.strip() for v in value.split(","))):
            ipaddress.ip_network(item, strict=False)
        return value

    def network_list(self) -> list[str]:
        return [v.strip() for v in self.allowed_networks.split(",") if v.strip()]

    def host_list(self) -> list[str]:
        return [v.strip() for v in self.allowed_hosts.split(",") if v.strip()]
