"""Composition root of every hooks process: adapters built from settings, nothing at import."""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from celery import Celery
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from hooks_service.adapters.activity import SqlAlchemyActivityReader
from hooks_service.adapters.clock import SystemClock
from hooks_service.adapters.jobs import CeleryDeliveryQueue, MailOwnerNotifier
from hooks_service.adapters.outbound import PinnedHttpSender, SystemResolver
from hooks_service.adapters.persistence.tables import SCHEMA, events, inbox, outbox
from hooks_service.adapters.persistence.unit_of_work import SqlAlchemyHooksUnitOfWork
from hooks_service.application.activity import ActivityQueries
from hooks_service.application.delivery import DeliverWebhookHandler, SweepDueDeliveriesHandler
from hooks_service.application.ingest import IngestEventHandler
from hooks_service.application.ports import Clock, DeliveryQueue, Resolver, WebhookSender
from hooks_service.application.services import HooksServices
from hooks_service.application.webhooks import WebhookHandlers
from hooks_service.config import HooksSettings
from hooks_service.domain.addresses import AddressPolicy
from hooks_service.domain.model import RetryPolicy
from hooks_service.entrypoints.events import CONSUMED, QUEUE, event_handlers
from hooks_service.entrypoints.http.app import create_app
from hooks_service.entrypoints.jobs import DELIVER, HooksJobs, beat_schedule, register_jobs
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

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
JOBS_SERVICE = "hooks"


@dataclass(frozen=True, slots=True)
class HooksRuntime:
    settings: HooksSettings
    engine: Engine
    services: HooksServices
    verifier: AccessTokenVerifier
    readiness: dict[str, ReadinessCheck]
    unit_of_work: Callable[[], SqlAlchemyHooksUnitOfWork]
    jobs: HooksJobs
    jobs_app: Celery


def address_policy(settings: HooksSettings) -> AddressPolicy:
    return AddressPolicy.of(settings.network_list(), settings.host_list())


def retry_policy(settings: HooksSettings) -> RetryPolicy:
    return RetryPolicy(
        base=timedelta(seconds=settings.retry_base_seconds),
        cap=timedelta(seconds=settings.retry_cap_seconds),
        window=timedelta(hours=settings.retry_window_hours),
        disable_after=timedelta(hours=settings.disable_after_hours),
    )


def build_runtime(
    settings: HooksSettings,
    *,
    key_resolver: SigningKeyResolver | None = None,
    denylist: TokenDenylist | None = None,
    jobs_app: Celery | None = None,
    clock: Clock | None = None,
    resolver: Resolver | None = None,
    sender: WebhookSender | None = None,
) -> HooksRuntime:
    """`key_resolver`, `denylist`, `clock`, `resolver` and `sender` are given by the embedded
    mode and tests; else JWKS from HOOKS_JWKS_URL, Redis, the wall clock, DNS and HTTP."""
    access = build_access_runtime(
        settings, env_prefix="HOOKS_", key_resolver=key_resolver, denylist=denylist
    )
    engine, verifier, readiness = access.engine, access.verifier, access.readiness
    outbox_writer = OutboxWriter(outbox, SCHEMA, ContractRegistry())
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)

    def unit_of_work() -> SqlAlchemyHooksUnitOfWork:
        return SqlAlchemyHooksUnitOfWork(session_factory, outbox_writer)

    clock = clock or SystemClock()
    resolver = resolver or SystemResolver()
    sender = sender or PinnedHttpSender(
        settings.connect_timeout_seconds,
        settings.read_timeout_seconds,
        settings.response_max_bytes,
    )
    policy = address_policy(settings)
    built: list[HooksRuntime] = []
    if jobs_app is None:
        jobs_app = build_jobs_app(settings, runtime=lambda: built[0])
    app = jobs_app

    def queue() -> DeliveryQueue:
        return CeleryDeliveryQueue(app, DELIVER)

    retention = timedelta(days=settings.event_retention_days)

    def purge_events() -> int:
        with engine.begin() as connection:
            cutoff = clock.now() - retention
            return int(
                connection.execute(events.delete().where(events.c.received_at < cutoff)).rowcount
            )

    jobs = HooksJobs(
        deliver=DeliverWebhookHandler(
            unit_of_work,
            clock,
            policy,
            resolver,
            sender,
            queue,
            MailOwnerNotifier(SmtpMailer(SmtpConfig.from_settings(settings))),
            retry_policy(settings),
            random.random,
            lease=timedelta(
                seconds=settings.connect_timeout_seconds + settings.read_timeout_seconds + 30
            ),
        ),
        sweep_due=SweepDueDeliveriesHandler(unit_of_work, clock, queue),
        purge_events=purge_events,
    )
    services = HooksServices(
        webhooks=WebhookHandlers(
            unit_of_work,
            clock,
            policy,
            resolver,
            queue,
            timedelta(hours=settings.secret_rotation_overlap_hours),
        ),
        activity=ActivityQueries(SqlAlchemyActivityReader(engine)),
        ingest=IngestEventHandler(clock, queue),
        verifier=verifier,
    )
    runtime = HooksRuntime(
        settings=settings,
        engine=engine,
        services=services,
        verifier=verifier,
        readiness=readiness,
        unit_of_work=unit_of_work,
        jobs=jobs,
        jobs_app=jobs_app,
    )
    built.append(runtime)
    return runtime


def build_offline_runtime(
    settings: HooksSettings, *, jobs_app: Celery | None = None
) -> HooksRuntime:
    """For processes that serve no HTTP (CLI, consumer, worker): no JWKS, no Redis."""
    return build_runtime(
        settings, key_resolver=RefuseAllKeys(), denylist=InMemoryTokenDenylist(), jobs_app=jobs_app
    )


def build_jobs_app(
    settings: HooksSettings, *, runtime: Callable[[], HooksRuntime] | None = None
) -> Celery:
    app = create_jobs_app(JOBS_SERVICE, settings, beat_schedule(settings.sweep_seconds))
    if runtime is None:
        runtime = once_per_process(lambda: build_offline_runtime(settings, jobs_app=app))
    own_runtime = runtime
    register_jobs(app, lambda: own_runtime().jobs)
    return app


def jobs_wiring(settings: HooksSettings) -> JobsWiring:
    return JobsWiring.of(JOBS_SERVICE, build_jobs_app(settings), settings)


def build_http_app(runtime: HooksRuntime) -> Flask:
    return create_app(
        runtime.services,
        runtime.readiness,
        max_body_bytes=runtime.settings.max_body_bytes,
        public_base_url=runtime.settings.public_base_url,
    )


def build_relay(runtime: HooksRuntime, publisher: EventPublisher) -> OutboxRelay:
    return OutboxRelay(runtime.engine, outbox, publisher, exchange_of(SCHEMA))


def build_event_processor(runtime: HooksRuntime) -> EventProcessor:
    return EventProcessor(
        QUEUE,
        event_handlers(runtime.services.ingest),
        ContractRegistry(),
        runtime.unit_of_work,
        inbox,
    )


def consumer_topology() -> ConsumerTopology:
    return consumer_topology_of(SCHEMA, QUEUE, CONSUMED)


def event_wiring(settings: HooksSettings) -> EventWiring:
    runtime = build_offline_runtime(settings)
    return EventWiring(
        amqp_url=settings.amqp_url,
        relay=lambda publisher: build_relay(runtime, publisher),
        processor=lambda: build_event_processor(runtime),
        topology=consumer_topology,
    )


def migrate(settings: HooksSettings) -> None:
    migrate_schema(settings, MIGRATIONS_DIR, SCHEMA)


def wsgi_app() -> Flask:
    """Entry for gunicorn: `gunicorn 'hooks_service.bootstrap:wsgi_app()'`."""
    return wsgi_entry(
        "hooks", HooksSettings, lambda settings: build_http_app(build_runtime(settings))
    )


def start_stream_thread(runtime: HooksRuntime, host: str, port: int, stop: threading.Event) -> int:
    """The stream on its own event loop in a daemon thread (`make run`) until `stop` is set;
    returns its port (`port` 0: any free one)."""
    from hooks_service.entrypoints.stream import StreamServer, dsn_of

    server = StreamServer(dsn_of(runtime.settings.database_url), runtime.verifier, runtime.settings)
    bound: list[int] = []
    failed: list[BaseException] = []
    started = threading.Event()

    async def main() -> None:
        ready = asyncio.Event()
        task = asyncio.create_task(server.serve(host, port, ready, bound))
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():  # the port is taken, say: the caller hears why
            waiting.cancel()
            failed.append(task.exception() or RuntimeError("the hooks stream stopped"))
            started.set()
            return
        started.set()
        # Stopped with the platform, before its database goes: no hub retrying against
        # nothing. Polled, not waited on in an executor thread, which would hold up the
        # interpreter's exit when the platform is never shut down.
        while not stop.is_set():
            await asyncio.sleep(0.25)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    threading.Thread(target=lambda: asyncio.run(main()), name="hooks-stream", daemon=True).start()
    if not started.wait(60):
        raise RuntimeError("the hooks stream did not start")
    if failed:
        raise failed[0]
    return bound[0]


def run_stream() -> None:
    """The live stream process (`hooks-service stream`)."""
    from hooks_service.entrypoints.stream import serve
    from taskhive_shared.service import process_settings

    settings = process_settings("hooks", HooksSettings)
    runtime = build_runtime(settings)
    serve(runtime.engine, runtime.verifier, settings)
