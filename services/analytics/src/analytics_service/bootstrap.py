"""Composition root of every analytics process: adapters built from settings, nothing at import."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from celery import Celery
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from analytics_service.adapters.clock import SystemClock
from analytics_service.adapters.jobs import CeleryReportQueue
from analytics_service.adapters.persistence.rebuild import SqlAlchemyRebuild
from analytics_service.adapters.persistence.tables import SCHEMA, inbox, outbox
from analytics_service.adapters.persistence.unit_of_work import SqlAlchemyAnalyticsUnitOfWork
from analytics_service.adapters.report_files import render
from analytics_service.application.queries import AnalyticsQueries
from analytics_service.application.reports import ReportHandlers
from analytics_service.application.schedules import ReportSchedules
from analytics_service.application.services import AnalyticsServices
from analytics_service.config import AnalyticsSettings
from analytics_service.domain.reports import Report
from analytics_service.entrypoints.events import CONSUMED, QUEUE, event_handlers
from analytics_service.entrypoints.http.app import DOWNLOAD_PATH, create_app
from analytics_service.entrypoints.jobs import GENERATE_REPORT, beat_schedule, register_jobs
from taskhive_shared.access_runtime import build_access_runtime
from taskhive_shared.db.engine import create_db_engine
from taskhive_shared.events.cli import EventWiring
from taskhive_shared.events.consumer import EventProcessor
from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.events.outbox import OutboxWriter
from taskhive_shared.events.publisher import EventPublisher, exchange_of
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.files.links import LinkSigner
from taskhive_shared.files.port import FileStore
from taskhive_shared.files.settings import build_file_store, build_link_signer
from taskhive_shared.http.health import ReadinessCheck
from taskhive_shared.ids import uuid7
from taskhive_shared.jobs.app import create_jobs_app, once_per_process
from taskhive_shared.jobs.cli import JobsWiring
from taskhive_shared.mail.smtp import SmtpConfig, SmtpMailer
from taskhive_shared.messaging.rabbitmq import ConsumerTopology
from taskhive_shared.security.denylist import (
    InMemoryTokenDenylist,
    TokenDenylist,
)
from taskhive_shared.security.tokens import (
    RefuseAllKeys,
    SigningKeyResolver,
)
from taskhive_shared.service import consumer_topology_of, migrate_schema, wsgi_entry

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
JOBS_SERVICE = "analytics"


@dataclass(frozen=True, slots=True)
class AnalyticsRuntime:
    settings: AnalyticsSettings
    engine: Engine
    services: AnalyticsServices
    readiness: dict[str, ReadinessCheck]
    unit_of_work: Callable[[], SqlAlchemyAnalyticsUnitOfWork]
    """`runtime.unit_of_work()`: a new, unopened unit of work (the event consumer's)."""
    files: FileStore
    signer: LinkSigner
    jobs_app: Celery
    """Where reports are generated (eager, in this process, without ANALYTICS_JOBS_BROKER_URL)."""


def build_runtime(
    settings: AnalyticsSettings,
    *,
    key_resolver: SigningKeyResolver | None = None,
    denylist: TokenDenylist | None = None,
    jobs_app: Celery | None = None,
) -> AnalyticsRuntime:
    """`key_resolver` and `denylist` are given by the embedded mode and tests; else the
    verifier fetches auth's JWKS from ANALYTICS_JWKS_URL and the denylist is Redis.

    `jobs_app` is given by a worker (whose tasks build this runtime); else a new app whose
    in-process tasks (eager mode) use this runtime."""
    access = build_access_runtime(
        settings, env_prefix="ANALYTICS_", key_resolver=key_resolver, denylist=denylist
    )
    engine, verifier, readiness = access.engine, access.verifier, access.readiness
    outbox_writer = OutboxWriter(outbox, SCHEMA, ContractRegistry())
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)

    def unit_of_work() -> SqlAlchemyAnalyticsUnitOfWork:
        return SqlAlchemyAnalyticsUnitOfWork(session_factory, outbox_writer)

    clock = SystemClock()
    built: list[AnalyticsRuntime] = []
    if jobs_app is None:
        jobs_app = build_jobs_app(settings, runtime=lambda: built[0])
    queries = AnalyticsQueries(unit_of_work, clock)
    files = build_file_store(settings)
    queue = CeleryReportQueue(jobs_app, GENERATE_REPORT)
    signer = build_link_signer(settings)
    reports = ReportHandlers(unit_of_work, queries, files, render, lambda: queue, clock)
    downloads = settings.public_base_url.rstrip("/") + DOWNLOAD_PATH

    def link_for(key: str, until: datetime) -> str:
        return signer.sign(key, until=until).url(downloads)

    services = AnalyticsServices(
        queries=queries,
        reports=reports,
        schedules=ReportSchedules(
            unit_of_work, reports, SmtpMailer(SmtpConfig.from_settings(settings)), link_for, clock
        ),
        verifier=verifier,
    )
    runtime = AnalyticsRuntime(
        settings=settings,
        engine=engine,
        services=services,
        readiness=readiness,
        unit_of_work=unit_of_work,
        files=files,
        signer=signer,
        jobs_app=jobs_app,
    )
    built.append(runtime)
    return runtime


def build_offline_runtime(
    settings: AnalyticsSettings, *, jobs_app: Celery | None = None
) -> AnalyticsRuntime:
    """For processes that serve no HTTP (CLI, event consumer, job worker): needs no JWKS and
    no Redis denylist."""
    return build_runtime(
        settings, key_resolver=RefuseAllKeys(), denylist=InMemoryTokenDenylist(), jobs_app=jobs_app
    )


def build_jobs_app(
    settings: AnalyticsSettings, *, runtime: Callable[[], AnalyticsRuntime] | None = None
) -> Celery:
    """Analytics' Celery app with its tasks registered. Its tasks use `runtime()` when given
    (in-process mode), else build an offline runtime on their first run in each worker."""
    app = create_jobs_app(JOBS_SERVICE, settings, beat_schedule())
    if runtime is None:
        runtime = once_per_process(lambda: build_offline_runtime(settings, jobs_app=app))
    own_runtime = runtime
    register_jobs(
        app, lambda: own_runtime().services.reports, lambda: own_runtime().services.schedules
    )
    return app


def jobs_wiring(settings: AnalyticsSettings) -> JobsWiring:
    return JobsWiring.of(JOBS_SERVICE, build_jobs_app(settings), settings)


def build_http_app(runtime: AnalyticsRuntime) -> Flask:
    return create_app(
        runtime.services,
        runtime.readiness,
        files=(runtime.files, runtime.signer),
        max_body_bytes=runtime.settings.max_body_bytes,
        public_base_url=runtime.settings.public_base_url,
    )


def build_relay(runtime: AnalyticsRuntime, publisher: EventPublisher) -> OutboxRelay:
    return OutboxRelay(runtime.engine, outbox, publisher, exchange_of(SCHEMA))


def build_event_processor(runtime: AnalyticsRuntime) -> EventProcessor:
    return EventProcessor(QUEUE, event_handlers(), ContractRegistry(), runtime.unit_of_work, inbox)


def consumer_topology() -> ConsumerTopology:
    return consumer_topology_of(SCHEMA, QUEUE, CONSUMED)


def event_wiring(settings: AnalyticsSettings) -> EventWiring:
    """The relay and the consumer verify no tokens: they run without JWKS or Redis."""
    runtime = build_offline_runtime(settings)
    return EventWiring(
        amqp_url=settings.amqp_url,
        relay=lambda publisher: build_relay(runtime, publisher),
        processor=lambda: build_event_processor(runtime),
        topology=consumer_topology,
    )


def build_rebuild(settings: AnalyticsSettings) -> SqlAlchemyRebuild:
    """The rebuild's DDL runs as the schema's owner (ANALYTICS_MIGRATOR_DATABASE_URL)."""
    url = settings.migrator_database_url or settings.database_url
    return SqlAlchemyRebuild(create_db_engine(url, pool_size=1, max_overflow=0))


def generate_report_here(
    runtime: AnalyticsRuntime, owner_id: uuid.UUID, kind: str, fmt: str
) -> Report:
    """A report row generated in this process, as `analytics.generate_report` does (benches)."""
    report = Report(
        id=uuid7(),
        owner_id=owner_id,
        kind=kind,
        format=fmt,
        params={},
        created_at=datetime.now(UTC),
    )
    with runtime.unit_of_work() as uow:
        uow.reports.add(report)
        uow.commit()
    runtime.services.reports.generate(report.id)
    return runtime.services.reports.get(owner_id, report.id)


def migrate(settings: AnalyticsSettings) -> None:
    migrate_schema(settings, MIGRATIONS_DIR, SCHEMA)


def wsgi_app() -> Flask:
    """Entry for gunicorn: `gunicorn 'analytics_service.bootstrap:wsgi_app()'`."""
    return wsgi_entry(
        "analytics",
        AnalyticsSettings,
        lambda settings: build_http_app(build_runtime(settings)),
    )
