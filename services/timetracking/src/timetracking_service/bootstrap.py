"""Composition root of every timetracking process: adapters built from settings, nothing at
import."""

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
from taskhive_shared.db.engine import create_db_engine
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
from timetracking_service.adapters.clock import SystemClock
from timetracking_service.adapters.persistence.day_totals import rebuild_day_totals
from timetracking_service.adapters.persistence.tables import SCHEMA, inbox, outbox
from timetracking_service.adapters.persistence.unit_of_work import SqlAlchemyTimeUnitOfWork
from timetracking_service.application.entries import TimeEntries
from timetracking_service.application.overtime_report import OvertimeReports
from timetracking_service.application.preferences import Preferences
from timetracking_service.application.replica import Replicas
from timetracking_service.application.reports import Reports
from timetracking_service.application.services import TimeTrackingServices
from timetracking_service.application.timers import Timers
from timetracking_service.application.timesheets import Timesheets
from timetracking_service.config import TimeTrackingSettings
from timetracking_service.entrypoints.events import CONSUMED, QUEUE, event_handlers
from timetracking_service.entrypoints.http.app import create_app
from timetracking_service.entrypoints.jobs import beat_schedule, register_jobs

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
JOBS_SERVICE = "timetracking"


@dataclass(frozen=True, slots=True)
class TimeTrackingRuntime:
    settings: TimeTrackingSettings
    engine: Engine
    services: TimeTrackingServices
    verifier: AccessTokenVerifier
    readiness: dict[str, ReadinessCheck]
    unit_of_work: Callable[[], SqlAlchemyTimeUnitOfWork]
    """`runtime.unit_of_work()`: a new, unopened unit of work (the event consumer's)."""
    overtime_reports: OvertimeReports
    purge_idempotency_keys: PurgeExpiredIdempotencyKeys


def build_runtime(
    settings: TimeTrackingSettings,
    *,
    key_resolver: SigningKeyResolver | None = None,
    denylist: TokenDenylist | None = None,
) -> TimeTrackingRuntime:
    """`key_resolver` and `denylist` are given by the embedded mode and tests; else the
    verifier fetches auth's JWKS from TIMETRACKING_JWKS_URL and the denylist is Redis."""
    access = build_access_runtime(
        settings, env_prefix="TIMETRACKING_", key_resolver=key_resolver, denylist=denylist
    )
    engine, verifier, readiness = access.engine, access.verifier, access.readiness
    outbox_writer = OutboxWriter(outbox, SCHEMA, ContractRegistry())
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)

    def unit_of_work() -> SqlAlchemyTimeUnitOfWork:
        return SqlAlchemyTimeUnitOfWork(session_factory, outbox_writer)

    clock = SystemClock()
    timesheets = Timesheets(unit_of_work, clock)
    services = TimeTrackingServices(
        entries=TimeEntries(
            unit_of_work, clock, timedelta(hours=settings.idempotency_key_ttl_hours)
        ),
        timers=Timers(unit_of_work, clock),
        timesheets=timesheets,
        preferences=Preferences(unit_of_work, clock),
        replicas=Replicas(clock),
        reports=Reports(unit_of_work),
        verifier=verifier,
    )
    return TimeTrackingRuntime(
        settings=settings,
        engine=engine,
        services=services,
        verifier=verifier,
        readiness=readiness,
        unit_of_work=unit_of_work,
        overtime_reports=OvertimeReports(
            unit_of_work, clock, timesheets, SmtpMailer(SmtpConfig.from_settings(settings))
        ),
        purge_idempotency_keys=PurgeExpiredIdempotencyKeys(
            unit_of_work, clock.now, timedelta(hours=settings.idempotency_key_ttl_hours)
        ),
    )


def build_offline_runtime(settings: TimeTrackingSettings) -> TimeTrackingRuntime:
    """For processes that serve no HTTP (CLI, event consumer, job worker)."""
    return build_runtime(settings, key_resolver=RefuseAllKeys(), denylist=InMemoryTokenDenylist())


def build_jobs_app(
    settings: TimeTrackingSettings, runtime: Callable[[], TimeTrackingRuntime] | None = None
) -> Celery:
    """Timetracking's Celery app (its own Redis database and queue). Its tasks use
    `runtime()` when given (in-process mode), else an offline runtime built on their first
    run in each worker process."""
    schedule = beat_schedule(settings.overtime_report_weekday, settings.overtime_report_hour)
    app = create_jobs_app(JOBS_SERVICE, settings, schedule)
    own = runtime or once_per_process(lambda: build_offline_runtime(settings))
    register_jobs(app, lambda: own().overtime_reports, lambda: own().purge_idempotency_keys)
    return app


def jobs_wiring(settings: TimeTrackingSettings) -> JobsWiring:
    return JobsWiring.of(JOBS_SERVICE, build_jobs_app(settings), settings)


def build_http_app(runtime: TimeTrackingRuntime) -> Flask:
    return create_app(
        runtime.services,
        runtime.readiness,
        max_body_bytes=runtime.settings.max_body_bytes,
        public_base_url=runtime.settings.public_base_url,
    )


def build_relay(runtime: TimeTrackingRuntime, publisher: EventPublisher) -> OutboxRelay:
    return OutboxRelay(runtime.engine, outbox, publisher, exchange_of(SCHEMA))


def build_event_processor(runtime: TimeTrackingRuntime) -> EventProcessor:
    return EventProcessor(
        QUEUE, event_handlers(runtime.services), ContractRegistry(), runtime.unit_of_work, inbox
    )


def consumer_topology() -> ConsumerTopology:
    return consumer_topology_of(SCHEMA, QUEUE, CONSUMED)


def event_wiring(settings: TimeTrackingSettings) -> EventWiring:
    """The relay and the consumer verify no tokens: they run without JWKS or Redis."""
    runtime = build_offline_runtime(settings)
    return EventWiring(
        amqp_url=settings.amqp_url,
        relay=lambda publisher: build_relay(runtime, publisher),
        processor=lambda: build_event_processor(runtime),
        topology=consumer_topology,
    )


def migrate(settings: TimeTrackingSettings) -> None:
    migrate_schema(settings, MIGRATIONS_DIR, SCHEMA)


def rebuild_totals(settings: TimeTrackingSettings) -> int:
    """`rebuild-day-totals`: the timesheets' day totals recomputed from the entries."""
    engine = create_db_engine(settings.database_url)
    try:
        return rebuild_day_totals(engine)
    finally:
        engine.dispose()


def wsgi_app() -> Flask:
    """Entry for gunicorn: `gunicorn 'timetracking_service.bootstrap:wsgi_app()'`."""
    return wsgi_entry(
        "timetracking",
        TimeTrackingSettings,
        lambda settings: build_http_app(build_runtime(settings)),
    )
