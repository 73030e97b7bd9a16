"""Composition root of every auth process: adapters built from settings, nothing at import."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from celery import Celery
from cryptography.hazmat.primitives import serialization
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from auth_service.adapters.clock import SystemClock
from auth_service.adapters.common_passwords import common_passwords
from auth_service.adapters.hashing import Argon2PasswordHasher
from auth_service.adapters.persistence.tables import SCHEMA, inbox, outbox
from auth_service.adapters.persistence.unit_of_work import SqlAlchemyAuthUnitOfWork
from auth_service.adapters.secrets import RandomApiKeySecrets, RandomRefreshTokenSecrets
from auth_service.adapters.signing import (
    JwtAccessTokenIssuer,
    KeySet,
    SigningKey,
    generate_private_key_pem,
)
from auth_service.application.api_keys import (
    ApiKeyDirectorySync,
    ApiKeyQueries,
    CreateApiKeyHandler,
    RevokeApiKeyHandler,
    SyncApiKeysHandler,
)
from auth_service.application.change_password import ChangePasswordHandler
from auth_service.application.create_admin import CreateAdminHandler
from auth_service.application.login import LoginUserHandler
from auth_service.application.logout import LogoutUserHandler
from auth_service.application.ports import IssuedAccessToken
from auth_service.application.purge_refresh_tokens import PurgeRefreshTokensHandler
from auth_service.application.refresh import RefreshTokensHandler
from auth_service.application.register import RegisterUser, RegisterUserHandler
from auth_service.application.services import AuthServices
from auth_service.application.sessions import SessionRevoker, TokenMinter
from auth_service.application.sync_profile import (
    DeactivateAccountHandler,
    SyncAccountFromProfileHandler,
)
from auth_service.config import AuthSettings
from auth_service.domain.errors import AccountAlreadyExists
from auth_service.domain.model import Role
from auth_service.domain.passwords import PasswordPolicy
from auth_service.entrypoints.events import CONSUMED, QUEUE, USERS_EXCHANGE, event_handlers
from auth_service.entrypoints.http.app import create_app
from auth_service.entrypoints.jobs import (
    AuthJobs,
    beat_schedule,
    register_jobs,
)
from taskhive_shared.access_runtime import token_denylist
from taskhive_shared.db.engine import create_db_engine, database_ready
from taskhive_shared.events.cli import EventWiring
from taskhive_shared.events.consumer import EventProcessor
from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.events.outbox import OutboxWriter
from taskhive_shared.events.publisher import EventPublisher, exchange_of
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.http.health import ReadinessCheck
from taskhive_shared.ids import uuid7
from taskhive_shared.jobs.app import create_jobs_app, once_per_process
from taskhive_shared.jobs.cli import JobsWiring
from taskhive_shared.messaging.rabbitmq import ConsumerTopology
from taskhive_shared.security.denylist import (
    RedisTokenDenylist,
    TokenDenylist,
    api_key_directory_of,
)
from taskhive_shared.security.tokens import AccessTokenVerifier, LocalKeyResolver
from taskhive_shared.service import consumer_topology_of, migrate_schema, wsgi_entry

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
JOBS_SERVICE = "auth"


@dataclass(frozen=True, slots=True)
class AuthRuntime:
    settings: AuthSettings
    engine: Engine
    services: AuthServices
    denylist: TokenDenylist
    readiness: dict[str, ReadinessCheck]
    unit_of_work: Callable[[], SqlAlchemyAuthUnitOfWork]
    clock: SystemClock
    revoker: SessionRevoker
    api_keys: ApiKeyDirectorySync


@dataclass(frozen=True, slots=True)
class AuthEventRuntime:
    """What the relay and the consumer need: no keys, no HTTP; the denylist, so that a
    deactivation ends its sessions' access tokens at once."""

    engine: Engine
    unit_of_work: Callable[[], SqlAlchemyAuthUnitOfWork]
    clock: SystemClock
    revoker: SessionRevoker
    api_keys: ApiKeyDirectorySync


def build_event_runtime(
    settings: AuthSettings, denylist: TokenDenylist | None = None
) -> AuthEventRuntime:
    engine = create_db_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    outbox_writer = OutboxWriter(outbox, SCHEMA, ContractRegistry())
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)

    def unit_of_work() -> SqlAlchemyAuthUnitOfWork:
        return SqlAlchemyAuthUnitOfWork(session_factory, outbox_writer)

    clock = SystemClock()
    denylist = denylist or token_denylist(settings.denylist_redis_url)
    revoker = SessionRevoker(denylist, clock, settings.access_token_ttl_seconds)
    api_keys = ApiKeyDirectorySync(api_key_directory_of(denylist))
    return AuthEventRuntime(engine, unit_of_work, clock, revoker, api_keys)


def build_runtime(
    settings: AuthSettings,
    *,
    keys: KeySet | None = None,
    denylist: TokenDenylist | None = None,
) -> AuthRuntime:
    """`keys` and `denylist` are given by the embedded mode and tests; else from settings."""
    readiness: dict[str, ReadinessCheck] = {}
    if denylist is None:
        denylist = token_denylist(settings.denylist_redis_url)
        if isinstance(denylist, RedisTokenDenylist):
            readiness["redis"] = denylist.ping
    persistence = build_event_runtime(settings, denylist)
    engine, unit_of_work, clock = persistence.engine, persistence.unit_of_work, persistence.clock
    revoker = persistence.revoker
    keys = keys or KeySet.from_files(settings.signing_key_paths)
    readiness = {"database": lambda: database_ready(engine), **readiness}

    hasher = build_password_hasher(settings)
    policy = PasswordPolicy(common_passwords())
    secrets = RandomRefreshTokenSecrets()
    minter = TokenMinter(
        access_tokens=build_access_token_issuer(settings, keys),
        secrets=secrets,
        refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
    )
    register = RegisterUserHandler(unit_of_work, hasher, policy, minter, clock)
    directory = persistence.api_keys.directory
    services = AuthServices(
        register=register,
        login=LoginUserHandler(unit_of_work, hasher, minter, clock),
        refresh=RefreshTokensHandler(unit_of_work, secrets, minter, clock, revoker),
        logout=LogoutUserHandler(unit_of_work, secrets, denylist, clock, revoker),
        change_password=ChangePasswordHandler(unit_of_work, hasher, policy, clock, revoker),
        create_admin=CreateAdminHandler(unit_of_work, register),
        create_api_key=CreateApiKeyHandler(unit_of_work, RandomApiKeySecrets(), directory, clock),
        revoke_api_key=RevokeApiKeyHandler(unit_of_work, directory, clock),
        api_keys=ApiKeyQueries(unit_of_work, directory),
        # Auth verifies its own tokens from its own key set: no HTTP round trip to itself.
        verifier=AccessTokenVerifier(
            LocalKeyResolver(keys.jwks),
            denylist,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        ),
        jwks=keys.jwks,
    )
    return AuthRuntime(
        settings,
        engine,
        services,
        denylist,
        readiness,
        unit_of_work,
        clock,
        revoker,
        persistence.api_keys,
    )


def build_password_hasher(settings: AuthSettings) -> Argon2PasswordHasher:
    """argon2id with the configured cost (registration, login, password change; the bench)."""
    return Argon2PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


def build_access_token_issuer(settings: AuthSettings, keys: KeySet) -> JwtAccessTokenIssuer:
    """Signs the access tokens of login and refresh with the active key of `keys`."""
    return JwtAccessTokenIssuer(
        keys,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )


def ephemeral_keys() -> KeySet:
    """One new signing key held in memory only: for tools whose tokens outlive nothing (the
    OpenAPI render, the benchmarks). Served keys come from files (`write_signing_key`)."""
    return KeySet([SigningKey.from_pem(generate_private_key_pem())])


def sign_access_token(
    issuer: JwtAccessTokenIssuer, user_id: uuid.UUID, role: str = "member"
) -> IssuedAccessToken:
    """An access token as a login would sign it (`role`: admin, manager or member), with a
    session id of its own; for benchmarks and tools that need a token without a login."""
    return issuer.issue(user_id, Role(role), uuid7())


def build_http_app(runtime: AuthRuntime) -> Flask:
    return create_app(
        runtime.services, runtime.readiness, max_body_bytes=runtime.settings.max_body_bytes
    )


def sync_api_keys(runtime: AuthRuntime | AuthEventRuntime) -> int:
    """Republish every active API key into the shared directory (its truth is the table)."""
    return SyncApiKeysHandler(runtime.unit_of_work, runtime.api_keys, runtime.clock)()


def build_relay(runtime: AuthRuntime | AuthEventRuntime, publisher: EventPublisher) -> OutboxRelay:
    return OutboxRelay(runtime.engine, outbox, publisher, exchange_of(SCHEMA))


def build_event_processor(runtime: AuthRuntime | AuthEventRuntime) -> EventProcessor:
    handlers = event_handlers(
        SyncAccountFromProfileHandler(runtime.clock, runtime.revoker, runtime.api_keys),
        DeactivateAccountHandler(runtime.clock, runtime.revoker, runtime.api_keys),
    )
    return EventProcessor(QUEUE, handlers, ContractRegistry(), runtime.unit_of_work, inbox)


def consumer_topology() -> ConsumerTopology:
    return consumer_topology_of(SCHEMA, QUEUE, {USERS_EXCHANGE: CONSUMED})


def event_wiring(settings: AuthSettings) -> EventWiring:
    runtime = build_event_runtime(settings)
    return EventWiring(
        amqp_url=settings.amqp_url,
        relay=lambda publisher: build_relay(runtime, publisher),
        processor=lambda: build_event_processor(runtime),
        topology=consumer_topology,
    )


def build_jobs_app(settings: AuthSettings) -> Celery:
    """Auth's Celery app with its tasks registered (`auth.purge_refresh_tokens`, daily)."""
    app = create_jobs_app(JOBS_SERVICE, settings, beat_schedule(settings.purge_refresh_tokens_hour))

    def jobs() -> AuthJobs:
        runtime = build_event_runtime(settings)
        return AuthJobs(
            purge_refresh_tokens=PurgeRefreshTokensHandler(
                runtime.unit_of_work, runtime.clock, batch_size=settings.purge_batch_size
            ),
            sync_api_keys=lambda: sync_api_keys(runtime),
        )

    register_jobs(app, once_per_process(jobs))
    return app


def jobs_wiring(settings: AuthSettings) -> JobsWiring:
    return JobsWiring.of(JOBS_SERVICE, build_jobs_app(settings), settings)


def migrate(settings: AuthSettings) -> None:
    migrate_schema(settings, MIGRATIONS_DIR, SCHEMA)


def wsgi_app() -> Flask:
    """Entry for gunicorn: `gunicorn 'auth_service.bootstrap:wsgi_app()'`."""
    return wsgi_entry(
        "auth", AuthSettings, lambda settings: build_http_app(build_runtime(settings))
    )


def register_account(
    runtime: AuthRuntime,
    *,
    email: str,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    role: str = "member",
) -> bool:
    """Register an account as `POST /register` would, with a role (admin, manager, member):
    the demo seed's way in. False when the email or username is taken already."""
    command = RegisterUser(
        email=email,
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        role=Role(role),
    )
    try:
        runtime.services.register(command)
    except AccountAlreadyExists:
        return False
    return True


def write_signing_key(path: Path) -> str | None:
    """Create a new RSA signing key file (mode 0600); None when the file already exists."""
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = generate_private_key_pem()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return SigningKey.from_pem(pem).kid


def write_public_key(signing_key_file: Path, path: Path) -> None:
    """The PEM public key of a signing key, for the gateway's `jwt_verify` (ADR 0024):
    written afresh each time (a rotated active key must reach the gateway)."""
    key = SigningKey.from_pem(signing_key_file.read_bytes())
    pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)
