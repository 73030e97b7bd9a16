"""Settings every service process shares, read from the environment and validated at start."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Fields shared by all services. A service subclasses this with its own `env_prefix`."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str = Field(
        description="SQLAlchemy URL of the service's application role (DML only)."
    )
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_max_overflow: int = Field(default=5, ge=0, le=100)
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    denylist_redis_url: str | None = Field(
        default=None,
        description="Redis holding revoked access-token ids; None means in-process (embedded).",
    )
    amqp_url: str = Field(
        default="amqp://guest:guest@127.0.0.1:5672/%2F",
        description="RabbitMQ of the relay and consumers (the service's own broker user).",
    )
    jwt_issuer: str = "taskhive-auth"
    jwt_audience: str = "taskhive"
