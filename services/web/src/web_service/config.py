"""Web settings: `WEB_*` environment variables, validated when a process starts.

The web service owns no data, so it does not take the services' `CommonSettings` (which
requires a database URL): it needs the gateway's address and a session store.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore", frozen=True)

    api_base_url: str = Field(
        default="http://127.0.0.1:8080",
        description="The gateway, as the web service reaches it (the public API lives under it).",
    )
    api_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    api_pool_size: int = Field(
        default=16, ge=1, le=256, description="Keep-alive connections to the gateway per process."
    )
    gateway_secret: str | None = Field(
        default=None,
        min_length=16,
        description=(
            "Shared with the gateway (GATEWAY_WEB_SECRET): proves that a call comes from the web "
            "service, so the gateway rate-limits it by the browser's address, not the web's."
        ),
    )
    session_redis_url: str | None = Field(
        default=None, description="Redis holding the sessions; None keeps them in the process."
    )
    session_idle_minutes: int = Field(
        default=8 * 60, ge=5, le=30 * 24 * 60, description="A session unused this long ends."
    )
    cookie_secure: bool = Field(
        default=False,
        description="Send the session cookie over HTTPS only (set it wherever TLS terminates).",
    )
    trusted_proxies: int = Field(
        default=1,
        ge=0,
        le=5,
        description="Proxies in front of the web service whose X-Forwarded-For is believed.",
    )
    live_max_streams: int = Field(
        default=4,
        ge=0,
        le=1000,
        description=(
            "Live streams (`GET /live`) one web process relays at once; each holds one of its "
            "threads while a page is open, so keep it below the threads (0: no live updates)."
        ),
    )
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
