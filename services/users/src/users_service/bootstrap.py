"""Composition root of every users process: adapters built from settings, nothing at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from celery import Celery
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from taskhive_shared.access_runtime import build_access_runtime
from taskhive_shared.events.cli import EventWiring
from taskhive_shared.events.consumer import EventProcessor
from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.events.outbox import OutboxWriter
from taskhive_shared.events.publisher import EventPublisher, exchange_of
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.http.health import ReadinessCheck
from taskhive_shared.idempotency import PurgeExpiredIdempotencyKeys
from taskhive_shared.jobs.app import create_jobs_app, once_per_process
from taskhive_shared.jobs.cli import JobsWiring
from taskhive_shared.mail.smtp import SmtpConfig, SmtpMailer
from taskhive_shared.mail.templates import EmailTemplates
from taskhive_shared.messaging.rabbitmq import ConsumerTopology
from taskhive_shared.security.denylist import (
    InMemoryTokenDenylist,
    TokenDenylist,
)
from taskhive_shared.security.tokens import (
    AccessTokenVerifier,
    RefuseAllKeys,
    SigningKeyResolver,
)
from taskhive_shared.service import consumer_topology_of, migrate_schema, wsgi_entry
from users_service.adapters.clock import SystemClock
from users_service.adapters.jobs import CeleryWelcomeEmailQueue
from users_service.adapters.persistence.tables import SCHEMA, inbox, outbox
from users_service.adapters.persistence.unit_of_work import SqlAlchemyUsersUnitOfWork
from users_service.application.create_profile import CreateProfileFromRegistrationHandler
from users_service.application.create_team import CreateTeamHandler
from users_service.application.publish_snapshots import PublishSnapshotsHandler
from users_service.application.queries import TeamQueries, UserQueries
from users_service.application.services import UsersServices
from users_service.application.team_members import AddTeamMemberHandler, RemoveTeamMemberHandler
from users_service.application.update_profile import UpdateProfileHandler
from users_service.application.update_team import DeleteTeamHandler, UpdateTeamHandler
from users_service.application.welcome_email import (
    SendWelcomeEmailHandler,
    SweepWelcomeEmailsHandler,
)
from users_service.config import UsersSettings
from users_service.entrypoints.events import AUTH_EXCHANGE, CONSUMED, QUEUE, event_handlers
from users_service.entrypoints.http.app import create_app
from users_service.entrypoints.jobs import (
    PURGE_IDEMPOTENCY_KEYS,
    SEND_PENDING_WELCOME_EMAILS,
    SEND_WELCOME_EMAIL,
    RetryPolicy,
    UsersJobs,
    beat_schedule,
    register_jobs,
)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
EMAIL_TEMPLATES_DIR = Path(__file__).resolve().parent / "templates" / "email"
JOBS_SERVICE = "users"
JOB_NAMES = (SEND_WELCOME_EMAIL, SEND_PENDING_WELCOME_EMAILS, PURGE_IDEMPOTENCY_KEYS)


@dataclass(frozen=True, slots=True)
class UsersRuntime:
    settings: UsersSettings
    engine: Engine
    services: UsersServices
    verifier: AccessTokenVerifier
    denylist: TokenDenylist
    readiness: dict[str, ReadinessCheck]
    unit_of_work: Callable[[], SqlAlchemyUsersUnitOfWork]
    """`runtime.unit_of_work()`: a new, unopened unit of work (the event consumer's)."""
    jobs: UsersJobs
    jobs_app: Celery
    """Where the welcome emails are enqueued (eager without USERS_JOBS_BROKER_URL)."""


def build_runtime(
    settings: UsersSettings,
    *,
    key_resolver: SigningKeyResolver | None = None,
    denylist: TokenDenylist | None = None,
    jobs_app: Celery | None = None,
) -> UsersRuntime:
    """`key_resolver` and `denylist` are given by the embedded mode and tests; else the
    verifier fetches auth's JWKS from USERS_JWKS_URL and the denylist is Redis.

    `jobs_app` is given by a worker (whose tasks build this runtime); else a new app whose
    in-process tasks (eager mode) use this runtime."""
    access = build_access_runtime(
        settings, env_prefix="USERS_", key_resolver=key_resolver, denylist=denylist
    )
    engine, verifier, readiness = access.engine, access.verifier, access.readiness

    outbox_writer = OutboxWriter(outbox, SCHEMA, ContractRegistry())
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)

    def unit_of_work() -> SqlAlchemyUsersUnitOfWork:
        return SqlAlchemyUsersUnitOfWork(session_factory, outbox_writer)

    clock = SystemClock()
    built: list[UsersRuntime] = []
    if jobs_app is None:
        jobs_app = build_jobs_app(settings, runtime=lambda: built[0])
    welcome_queue = CeleryWelcomeEmailQueue(jobs_app, SEND_WELCOME_EMAIL)
    jobs = UsersJobs(
        send_welcome_email=SendWelcomeEmailHandler(
            unit_of_work,
            mailer=SmtpMailer(SmtpConfig.from_settings(settings)),
            templates=EmailTemplates(EMAIL_TEMPLATES_DIR),
            clock=clock,
            sign_in_url=settings.public_base_url,
            max_attempts=settings.welcome_email_max_attempts,
        ),
        sweep_welcome_emails=SweepWelcomeEmailsHandler(
            unit_of_work,
            welcome_queue,
            clock,
            lookback=timedelta(days=settings.welcome_email_sweep_days),
        ),
        purge_idempotency_keys=PurgeExpiredIdempotencyKeys(
            unit_of_work, clock.now, timedelta(hours=settings.idempotency_key_ttl_hours)
        ),
    )
    services = UsersServices(
        create_profile_from_registration=CreateProfileFromRegistrationHandler(clock, welcome_queue),
        update_profile=UpdateProfileHandler(unit_of_work, clock),
        users=UserQueries(unit_of_work),
        teams=TeamQueries(unit_of_work),
        create_team=CreateTeamHandler(
            unit_of_work, clock, timedelta(hours=settings.idempotency_key_ttl_hours)
        ),
        update_team=UpdateTeamHandler(unit_of_work, clock),
        delete_team=DeleteTeamHandler(unit_of_work, clock),
        add_team_member=AddTeamMemberHandler(unit_of_work, clock),
        remove_team_member=RemoveTeamMemberHandler(unit_of_work, clock),
        publish_snapshots=PublishSnapshotsHandler(unit_of_work, clock),
        verifier=verifier,
    )
    runtime = UsersRuntime(
        settings=settings,
        engine=engine,
        services=services,
        verifier=verifier,
        denylist=access.denylist,
        readiness=readiness,
        unit_of_work=unit_of_work,
        jobs=jobs,
        jobs_app=jobs_app,
    )
    built.append(runtime)
    return runtime


def build_offline_runtime(
    settings: UsersSettings, *, jobs_app: Celery | None = None
) -> UsersRuntime:
    """For processes that serve no HTTP (CLI, event consumer, job worker): needs no JWKS and
    no Redis denylist."""
    return build_runtime(
        settings,
        key_resolver=RefuseAllKeys(),
        denylist=InMemoryTokenDenylist(),
        jobs_app=jobs_app,
    )


def build_jobs_app(
    settings: UsersSettings, *, runtime: Callable[[], UsersRuntime] | None = None
) -> Celery:
    """Users' Celery app with its tasks registered. Its tasks use `runtime()` when given (the
    process's own runtime, in-process mode), else build an offline runtime on their first run
    in each worker process."""
    app = create_jobs_app(
        JOBS_SERVICE, settings, beat_schedule(settings.purge_idempotency_keys_hour)
    )
    if runtime is None:
        runtime = once_per_process(lambda: build_offline_runtime(settings, jobs_app=app))
    own_runtime = runtime
    retry = RetryPolicy(
        backoff_seconds=settings.welcome_email_retry_backoff_seconds,
        backoff_max_seconds=settings.welcome_email_retry_backoff_max_seconds,
        max_retries=settings.welcome_email_max_retries,
    )
    register_jobs(app, lambda: own_runtime().jobs, retry)
    return app


def jobs_wiring(settings: UsersSettings) -> JobsWiring:
    return JobsWiring.of(JOBS_SERVICE, build_jobs_app(settings), settings)


def build_http_app(runtime: UsersRuntime) -> Flask:
    return create_app(
        runtime.services,
        runtime.readiness,
        max_body_bytes=runtime.settings.max_body_bytes,
        public_base_url=runtime.settings.public_base_url,
    )


def build_relay(runtime: UsersRuntime, publisher: EventPublisher) -> OutboxRelay:
    return OutboxRelay(runtime.engine, outbox, publisher, exchange_of(SCHEMA))


def build_event_processor(runtime: UsersRuntime) -> EventProcessor:
    return EventProcessor(
        QUEUE, event_handlers(runtime.services), ContractRegistry(), runtime.unit_of_work, inbox
    )


def consumer_topology() -> ConsumerTopology:
    return consumer_topology_of(SCHEMA, QUEUE, {AUTH_EXCHANGE: CONSUMED})


def event_wiring(settings: UsersSettings) -> EventWiring:
    """The relay and the consumer verify no tokens: they run without JWKS or Redis."""
    runtime = build_offline_runtime(settings)
    return EventWiring(
        amqp_url=settings.amqp_url,
        relay=lambda publisher: build_relay(runtime, publisher),
        processor=lambda: build_event_processor(runtime),
        topology=consumer_topology,
    )


def migrate(settings: UsersSettings) -> None:
    migrate_schema(settings, MIGRATIONS_DIR, SCHEMA)


def wsgi_app() -> Flask:
    """Entry for gunicorn: `gunicorn 'users_service.bootstrap:wsgi_app()'`."""
    return wsgi_entry(
        "users", UsersSettings, lambda settings: build_http_app(build_runtime(settings))
    )
