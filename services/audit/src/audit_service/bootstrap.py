"""Composition root of every audit process: adapters built from settings, nothing at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from celery import Celery
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from audit_service.adapters.persistence.tables import SCHEMA, inbox, outbox
from audit_service.adapters.persistence.unit_of_work import SqlAlchemyAuditUnitOfWork
from audit_service.application.queries import (
    AuditQueries,
    PurgeExpiredRecordsHandler,
    VerifyChainHandler,
)
from audit_service.application.record_event import RecordAuditEventHandler
from audit_service.application.services import AuditServices
from audit_service.config import AuditSettings
from audit_service.entrypoints.events import BINDINGS, QUEUE, event_handlers
from audit_service.entrypoints.http.app import create_app
from audit_service.entrypoints.jobs import beat_schedule, register_jobs
from taskhive_shared.access_runtime import build_access_runtime
from taskhive_shared.events.cli import EventWiring
from taskhive_shared.events.consumer import EventProcessor
from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.events.outbox import OutboxWriter
from taskhive_shared.events.publisher import EventPublisher, exchange_of
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.http.health import ReadinessCheck
from taskhive_shared.jobs.app import create_jobs_app, once_per_process
from taskhive_shared.jobs.cli import JobsWiring
from taskhive_shared.messaging.rabbitmq import ConsumerTopology
from taskhive_shared.security.denylist import (
    TokenDenylist,
)
from taskhive_shared.security.tokens import (
    SigningKeyResolver,
)
from taskhive_shared.service import consumer_topology_of, migrate_schema, wsgi_entry

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
JOBS_SERVICE = "audit"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class AuditRuntime:
    settings: AuditSettings
    engine: Engine
    services: AuditServices
    readiness: dict[str, ReadinessCheck]
    unit_of_work: Callable[[], SqlAlchemyAuditUnitOfWork]


def build_runtime(
    settings: AuditSettings,
    *,
    key_resolver: SigningKeyResolver | None = None,
    denylist: TokenDenylist | None = None,
) -> AuditRuntime:
    """`key_resolver` and `denylist` are given by the embedded mode and tests; else the
    verifier fetches auth's JWKS from AUDIT_JWKS_URL (processes without HTTP refuse all)."""
    access = build_access_runtime(
        settings,
        env_prefix="AUDIT_",
        key_resolver=key_resolver,
        denylist=denylist,
        jwks_required=False,
    )
    engine = access.engine
    outbox_writer = OutboxWriter(outbox, SCHEMA, ContractRegistry())
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)

    def unit_of_work() -> SqlAlchemyAuditUnitOfWork:
        return SqlAlchemyAuditUnitOfWork(session_factory, outbox_writer)

    services = AuditServices(queries=AuditQueries(unit_of_work), verifier=access.verifier)
    return AuditRuntime(settings, engine, services, access.readiness, unit_of_work)


def build_http_app(runtime: AuditRuntime) -> Flask:
    return create_app(
        runtime.services,
        runtime.readiness,
        max_body_bytes=runtime.settings.max_body_bytes,
        public_base_url=runtime.settings.public_base_url,
    )


def build_relay(runtime: AuditRuntime, publisher: EventPublisher) -> OutboxRelay:
    return OutboxRelay(runtime.engine, outbox, publisher, exchange_of(SCHEMA))


def build_event_processor(runtime: AuditRuntime) -> EventProcessor:
    handlers = event_handlers(RecordAuditEventHandler(_now))
    return EventProcessor(QUEUE, handlers, ContractRegistry(), runtime.unit_of_work, inbox)


def build_verifier(settings: AuditSettings) -> VerifyChainHandler:
    return VerifyChainHandler(build_runtime(settings).unit_of_work)


def build_purge(settings: AuditSettings) -> PurgeExpiredRecordsHandler:
    return PurgeExpiredRecordsHandler(
        build_runtime(settings).unit_of_work, _now, timedelta(days=settings.retention_days)
    )


def consumer_topology() -> ConsumerTopology:
    return consumer_topology_of(SCHEMA, QUEUE, BINDINGS)


def event_wiring(settings: AuditSettings) -> EventWiring:
    runtime = build_runtime(settings)
    return EventWiring(
        amqp_url=settings.amqp_url,
        relay=lambda publisher: build_relay(runtime, publisher),
        processor=lambda: build_event_processor(runtime),
        topology=consumer_topology,
    )


def build_jobs_app(settings: AuditSettings) -> Celery:
    """Audit's Celery app: `audit.purge_records` daily."""
    app = create_jobs_app(JOBS_SERVICE, settings, beat_schedule(settings.purge_hour))
    register_jobs(app, once_per_process(lambda: build_purge(settings)))
    return app


def jobs_wiring(settings: AuditSettings) -> JobsWiring:
    return JobsWiring.of(JOBS_SERVICE, build_jobs_app(settings), settings)


def migrate(settings: AuditSettings) -> None:
    migrate_schema(settings, MIGRATIONS_DIR, SCHEMA)


def wsgi_app() -> Flask:
    """Entry for gunicorn: `gunicorn 'audit_service.bootstrap:wsgi_app()'`."""
    return wsgi_entry(
        "audit", AuditSettings, lambda settings: build_http_app(build_runtime(settings))
    )
