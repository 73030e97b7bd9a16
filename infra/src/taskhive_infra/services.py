"""The services of the platform as the local tooling sees them (one entry per service)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from taskhive_shared.messaging.rabbitmq import ConsumerTopology


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str
    port: int
    wsgi: str
    migrate: Callable[[], None]
    cli: str
    """The service's command line; `relay`, `consume` are its event process types."""
    consumes_from: tuple[str, ...] = ()
    """Producers whose exchanges this service's consumer binds to."""
    topology: Callable[[], ConsumerTopology] | None = None
    """Its consumer queue, declared by provisioning so that no early event finds no queue."""
    unconsumed: tuple[str, ...] = ()
    """Event types it publishes, knowingly, for consumers still to come (analytics, hooks,
    audit): bound to `<svc>.events.unconsumed` (no queue: dropped, by declaration), so that
    the unrouted queue keeps only what nobody declared: a missing binding (ADR 0017)."""

    @property
    def event_processes(self) -> tuple[str, ...]:
        return ("relay", "consume") if self.consumes_from else ("relay",)


@dataclass(frozen=True, slots=True)
class WebSpec:
    """The web UI: an HTTP process only (no schema, roles, migrations, broker user or events),
    hence kept out of SERVICES, whose every entry provisioning gives all of those."""

    name: str
    port: int
    wsgi: str


def _auth_topology() -> ConsumerTopology:
    from auth_service.bootstrap import consumer_topology

    return consumer_topology()


def _users_topology() -> ConsumerTopology:
    from users_service.bootstrap import consumer_topology

    return consumer_topology()


def _tasks_topology() -> ConsumerTopology:
    from tasks_service.bootstrap import consumer_topology

    return consumer_topology()


def _timetracking_topology() -> ConsumerTopology:
    from timetracking_service.bootstrap import consumer_topology

    return consumer_topology()


def _hooks_topology() -> ConsumerTopology:
    from hooks_service.bootstrap import consumer_topology

    return consumer_topology()


def _migrate_hooks() -> None:
    from hooks_service.bootstrap import migrate
    from hooks_service.config import HooksSettings

    migrate(HooksSettings())  # type: ignore[call-arg]


def _audit_topology() -> ConsumerTopology:
    from audit_service.bootstrap import consumer_topology

    return consumer_topology()


def _migrate_audit() -> None:
    from audit_service.bootstrap import migrate
    from audit_service.config import AuditSettings

    migrate(AuditSettings())  # type: ignore[call-arg]


def _analytics_topology() -> ConsumerTopology:
    from analytics_service.bootstrap import consumer_topology

    return consumer_topology()


def _migrate_auth() -> None:
    from auth_service.bootstrap import migrate
    from auth_service.config import AuthSettings

    migrate(AuthSettings())  # type: ignore[call-arg]


def _migrate_users() -> None:
    from users_service.bootstrap import migrate
    from users_service.config import UsersSettings

    migrate(UsersSettings())  # type: ignore[call-arg]


def _migrate_tasks() -> None:
    from tasks_service.bootstrap import migrate
    from tasks_service.config import TasksSettings

    migrate(TasksSettings())  # type: ignore[call-arg]


def _migrate_timetracking() -> None:
    from timetracking_service.bootstrap import migrate
    from timetracking_service.config import TimeTrackingSettings

    migrate(TimeTrackingSettings())  # type: ignore[call-arg]


def _migrate_analytics() -> None:
    from analytics_service.bootstrap import migrate
    from analytics_service.config import AnalyticsSettings

    migrate(AnalyticsSettings())  # type: ignore[call-arg]


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        name="auth",
        port=8101,
        wsgi="auth_service.bootstrap:wsgi_app()",
        migrate=_migrate_auth,
        cli="auth-service",
        consumes_from=("users",),
        topology=_auth_topology,
    ),
    ServiceSpec(
        name="users",
        port=8102,
        wsgi="users_service.bootstrap:wsgi_app()",
        migrate=_migrate_users,
        cli="users-service",
        consumes_from=("auth",),
        topology=_users_topology,
    ),
    ServiceSpec(
        name="tasks",
        port=8103,
        wsgi="tasks_service.bootstrap:wsgi_app()",
        migrate=_migrate_tasks,
        cli="tasks-service",
        consumes_from=("users", "timetracking"),
        topology=_tasks_topology,
    ),
    ServiceSpec(
        name="timetracking",
        port=8105,
        wsgi="timetracking_service.bootstrap:wsgi_app()",
        migrate=_migrate_timetracking,
        cli="timetracking-service",
        consumes_from=("tasks", "users"),
        topology=_timetracking_topology,
        # Tasks binds the entry events (`actual_hours`); reports are still to come.
        unconsumed=("timetracking.timesheet.status_changed.v1",),
    ),
    ServiceSpec(
        name="hooks",
        port=8106,
        wsgi="hooks_service.bootstrap:wsgi_app()",
        migrate=_migrate_hooks,
        cli="hooks-service",
        consumes_from=("tasks", "users"),
        topology=_hooks_topology,
    ),
    ServiceSpec(
        name="audit",
        port=8108,
        wsgi="audit_service.bootstrap:wsgi_app()",
        migrate=_migrate_audit,
        cli="audit-service",
        consumes_from=("auth", "users", "tasks", "hooks"),
        topology=_audit_topology,
    ),
    ServiceSpec(
        name="analytics",
        port=8107,
        wsgi="analytics_service.bootstrap:wsgi_app()",
        migrate=_migrate_analytics,
        cli="analytics-service",
        consumes_from=("tasks", "users"),
        topology=_analytics_topology,
    ),
)

HOOKS_STREAM_PORT = 8116
"""The hooks service's live stream process (`hooks-service stream`, SSE)."""

WEB = WebSpec(name="web", port=8104, wsgi="web_service.bootstrap:wsgi_app()")
