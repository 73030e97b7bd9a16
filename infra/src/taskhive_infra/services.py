"""The services of the platform as the local tooling sees them (one entry per service)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str
    port: int
    wsgi: str
    migrate: Callable[[], None]


def _migrate_auth() -> None:
    from auth_service.bootstrap import migrate
    from auth_service.config import AuthSettings

    migrate(AuthSettings())  # type: ignore[call-arg]


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        name="auth", port=8101, wsgi="auth_service.bootstrap:wsgi_app()", migrate=_migrate_auth
    ),
)
