"""Settings every service process shares, read from the environment and validated at start."""

from __future__ import annotations

from pydantic import Field, model_validator
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
    jobs_broker_url: str | None = Field(
        default=None,
        description="Redis database of this service's Celery queues (one per service, e.g. "
        "redis://127.0.0.1:6379/3); None runs every job in-process (embedded mode).",
    )
    jobs_key_prefix: str = Field(
        default="",
        description="Prefix of every Celery key in that Redis database (isolates test runs).",
    )
    jobs_time_limit_seconds: int = Field(
        default=300, ge=5, le=6 * 3600, description="Hard limit of one job run (it is killed)."
    )
    jobs_visibility_timeout_seconds: int = Field(
        default=3600,
        ge=10,
        description="After how long a job taken by a worker that vanished is delivered again; "
        "must exceed the time limit, or a running job would be handed to a second worker.",
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server of outgoing email.")
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_sender: str = Field(default="Taskhive <no-reply@taskhive.local>")
    jwt_issuer: str = "taskhive-auth"
    jwt_audience: str = "taskhive"

    @model_validator(mode="after")
    def _visibility_outlasts_jobs(self) -> CommonSettings:
        if self.jobs_visibility_timeout_seconds <= self.jobs_time_limit_seconds:
            raise ValueError("JOBS_VISIBILITY_TIMEOUT_SECONDS must exceed JOBS_TIME_LIMIT_SECONDS")
        return self
