"""The skeleton every service's composition root shares.

Each `<svc>_service.bootstrap` shows the platform the same process entries (`ServiceBootstrap`):
`wsgi_app()` for gunicorn, `migrate(settings)`, `event_wiring(settings)`, `jobs_wiring(settings)`
and `consumer_topology()`. What those have in common lives here once, parameterised by what is
the service's own: its name, settings class, migrations, queue and bindings, how to build its app.
The command line on top of them is `taskhive_shared.cli.service_cli`.

Nothing here connects: a process connects when it calls these, never on import (DESIGN §1.5).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from taskhive_shared.db.migrations import upgrade_to_head
from taskhive_shared.logging import configure_logging
from taskhive_shared.messaging.rabbitmq import ConsumerTopology
from taskhive_shared.observability.metrics import ensure_multiprocess_directory
from taskhive_shared.observability.tracing import configure_tracing

if TYPE_CHECKING:
    from flask import Flask

    from taskhive_shared.events.cli import EventWiring
    from taskhive_shared.jobs.cli import JobsWiring


class ProcessSettings(Protocol):
    """What the skeleton reads of any process's settings."""

    @property
    def log_level(self) -> str: ...


class DatabaseSettings(Protocol):
    """What migrating a schema reads of a service's settings."""

    @property
    def database_url(self) -> str: ...

    @property
    def migrator_database_url(self) -> str | None: ...


SettingsT = TypeVar("SettingsT", bound=ProcessSettings)
SettingsT_contra = TypeVar("SettingsT_contra", contravariant=True)


class ServiceBootstrap(Protocol[SettingsT_contra]):
    """The face of a service's `bootstrap` module that the platform's tooling uses: the CLI,
    `taskhive-provision` and `taskhive-stack` (infra), gunicorn. Each entry reads what it
    needs when called; importing the module builds nothing."""

    def migrate(self, settings: SettingsT_contra) -> None: ...

    def event_wiring(self, settings: SettingsT_contra) -> EventWiring: ...

    def jobs_wiring(self, settings: SettingsT_contra) -> JobsWiring: ...

    def consumer_topology(self) -> ConsumerTopology: ...

    def wsgi_app(self) -> Flask: ...


def load_bootstrap(module: str) -> ServiceBootstrap[Any]:
    """Import a service's composition root by its module name, when a command runs (so that
    `<svc>-service --help` imports no adapter, and a process imports only what it runs)."""
    return cast("ServiceBootstrap[Any]", importlib.import_module(module))


def process_settings(service: str, settings: type[SettingsT]) -> SettingsT:
    """A process's first step: its settings from the environment (validated, so a bad value
    stops it here), then JSON logging at their level under the service's name, and tracing
    (exported only when OTEL_EXPORTER_OTLP_ENDPOINT is set)."""
    loaded = settings()
    configure_logging(service, loaded.log_level)
    configure_tracing(service)
    ensure_multiprocess_directory()
    return loaded


def wsgi_entry(
    service: str, settings: type[SettingsT], build: Callable[[SettingsT], Flask]
) -> Flask:
    """The body of every `bootstrap.wsgi_app()`, gunicorn's app factory: settings, logging,
    then the service's app built from them."""
    return build(process_settings(service, settings))


def migrate_schema(settings: DatabaseSettings, migrations_dir: Path, schema: str) -> None:
    """Upgrade the service's schema to its head revision, as its migrator role (the schema's
    owner, `<SVC>_MIGRATOR_DATABASE_URL`) when the settings name one."""
    upgrade_to_head(migrations_dir, settings.migrator_database_url or settings.database_url, schema)


def consumer_topology_of(
    service: str, queue: str, bindings: Mapping[str, Sequence[str]]
) -> ConsumerTopology:
    """A service's consumer queue bound to the producers' exchanges (exchange → event types).
    The producers' exchanges are declared by provisioning; a service's broker user may only
    bind to them."""
    return ConsumerTopology(
        service=service,
        queue=queue,
        bindings={exchange: list(types) for exchange, types in bindings.items()},
        declare_producer_exchanges=False,
    )
