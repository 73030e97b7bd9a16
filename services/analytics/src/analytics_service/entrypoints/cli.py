"""`analytics-service` command line: migrate, the event processes (`relay`, `consume`,
`dlq list|redrive`), the background jobs (`jobs worker|beat|list|run`) and
`rebuild start|switch|abort|status` (docs/operations.md: rebuilding the read model)."""

from __future__ import annotations

import click

from analytics_service.application.ports import Rebuild
from analytics_service.config import AnalyticsSettings
from analytics_service.domain.errors import NoRebuildCollecting
from taskhive_shared.cli import service_cli

main = service_cli("analytics", AnalyticsSettings, "analytics_service.bootstrap")


@main.group()
def rebuild() -> None:
    """Rebuild the read model from snapshots into fresh tables, then switch over."""


def _rebuild() -> Rebuild:
    from analytics_service.bootstrap import build_rebuild

    return build_rebuild(AnalyticsSettings())  # type: ignore[call-arg]


@rebuild.command()
def start() -> None:
    """Create empty `*_next` tables; the consumer now fills them too. Then run
    `tasks-service publish-snapshots`, wait for the queue to drain, and `switch`."""
    _rebuild().start()
    click.echo("analytics: rebuild collecting; now run `tasks-service publish-snapshots`")


@rebuild.command()
def switch() -> None:
    """Make the rebuilt tables the live ones (one transaction); drop the old ones."""
    try:
        _rebuild().switch()
    except NoRebuildCollecting as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("analytics: switched to the rebuilt read model")


@rebuild.command()
def abort() -> None:
    """Drop the `*_next` tables and stop collecting."""
    _rebuild().abort()
    click.echo("analytics: rebuild aborted")


@rebuild.command()
def status() -> None:
    """`idle` or `collecting`."""
    click.echo(_rebuild().state())
