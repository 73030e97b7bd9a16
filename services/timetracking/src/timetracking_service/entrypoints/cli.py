"""`timetracking-service` command line: migrate, the event processes (`relay`, `consume`,
`dlq list|redrive`), the background jobs (`jobs worker|beat|list|run`) and
`rebuild-day-totals`."""

from __future__ import annotations

import click

from taskhive_shared.cli import service_cli
from timetracking_service.config import TimeTrackingSettings

main = service_cli("timetracking", TimeTrackingSettings, "timetracking_service.bootstrap")


@main.command("rebuild-day-totals")
def rebuild_day_totals() -> None:
    """Recompute the timesheets' day totals from the entries (safe while the service runs)."""
    from timetracking_service.bootstrap import rebuild_totals

    written = rebuild_totals(TimeTrackingSettings())  # type: ignore[call-arg]
    click.echo(f"timetracking: day totals rebuilt ({written} rows)")
