"""Composition root of every users process: adapters built from settings, nothing at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from taskhive_shared.db.engine import create_db_engine, database_ready
from taskhive_shared.db.migrations import upgrade_to_head
from taskhive_shared.events.cli import EventWiring
from taskhive_shared.events.consumer import EventProcessor
from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.events.outbox import OutboxWriter
from taskhive_shared.events.publisher import EventPublisher, exchange_of
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.http.health import ReadinessCheck
from taskhive_shared.logging import configure_logging
from taskhive_shared.messaging.rabbitmq import ConsumerTopology
from taskhive_shared.security.denylist import (
    InMemoryTokenDenylist,
    RedisTokenDenylist,
    TokenDenylist,
)
from taskhive_shared.security.tokens import (
    AccessTokenVerifier,
    JwksKeyResolver,
    RefuseAllKeys,
    SigningKeyResolver,
)
from users_service.adapters.clock import SystemClock
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
from users_service.config import UsersSettings
from users_service.entrypoints.events import AUTH_EXCHANGE, CONSUMED, QUEUE, event_handlers
from users_service.entrypoints.http.app import create_app

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


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


def build_runtime(
    settings: UsersSettings,
    *,
    key_resolver: SigningKeyResolver | None = None,
    denylist: TokenDenylist | None = None,
) -> UsersRuntime:
    """`key_resolver` and `denylist` are given by the embedded mode and tests; else the
    verifier fetches auth's JWKS from USERS_JWKS_URL and the denylist is Redis."""
    if key_resolver is None:
        if not settings.jwks_url:
            raise ValueError("USERS_JWKS_URL is required to verify access tokens")
        key_resolver = JwksKeyResolver(settings.jwks_url)
    engine = create_db_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    readiness: dict[str, ReadinessCheck] = {"database": lambda: database_ready(engine)}
    if denylist is None:
        if settings.denylist_redis_url:
            redis_denylist = RedisTokenDenylist.from_url(settings.denylist_redis_url)
            readiness["redis"] = redis_denylist.ping
            denylist = redis_denylist
        else:
            denylist = InMemoryTokenDenylist()

    outbox_writer = OutboxWriter(outbox, SCHEMA, ContractRegistry())
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)

    def unit_of_work() -> SqlAlchemyUsersUnitOfWork:
        return SqlAlchemyUsersUnitOfWork(session_factory, outbox_writer)

    clock = SystemClock()
    verifier = AccessTokenVerifier(
        key_resolver, denylist, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    services = UsersServices(
        create_profile_from_registration=CreateProfileFromRegistrationHandler(clock),
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
        publish_snapshots=PublishSnapshotsHandler(unit_of_work),
        verifier=verifier,
    )
    return UsersRuntime(
        settings=settings,
        engine=engine,
        services=services,
        verifier=verifier,
        denylist=denylist,
        readiness=readiness,
        unit_of_work=unit_of_work,
    )


def build_offline_runtime(settings: UsersSettings) -> UsersRuntime:
    """For processes that serve no HTTP (CLI, event consumer): needs no JWKS and no Redis."""
    return build_runtime(settings, key_resolver=RefuseAllKeys(), denylist=InMemoryTokenDenylist())


def build_http_app(runtime: UsersRuntime) -> Flask:
    return create_app(
        runtime.services, runtime.readiness, max_body_bytes=runtime.settings.max_body_bytes
    )


def build_relay(runtime: UsersRuntime, publisher: EventPublisher) -> OutboxRelay:
    return OutboxRelay(runtime.engine, outbox, publisher, exchange_of(SCHEMA))


def build_event_processor(runtime: UsersRuntime) -> EventProcessor:
    return EventProcessor(
        QUEUE, event_handlers(runtime.services), ContractRegistry(), runtime.unit_of_work, inbox
    )


def consumer_topology() -> ConsumerTopology:
    # Producers' exchanges are declared by provisioning; this user may only bind to them.
    return ConsumerTopology(
        service=SCHEMA,
        queue=QUEUE,
        bindings={AUTH_EXCHANGE: list(CONSUMED)},
        declare_producer_exchanges=False,
    )


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
    url = settings.migrator_database_url or settings.database_url
    upgrade_to_head(MIGRATIONS_DIR, url, SCHEMA)


def wsgi_app() -> Flask:
    """Entry for gunicorn: `gunicorn 'users_service.bootstrap:wsgi_app()'`."""
    settings = UsersSettings()  # type: ignore[call-arg]
    configure_logging("users", settings.log_level)
    return build_http_app(build_runtime(settings))
