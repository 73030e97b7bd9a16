"""`tasks-service` command line: migrate, purge-archived, publish-snapshots, the event
processes (`relay`, `consume`, `dlq list|redrive`) and the jobs (`jobs worker|beat|list|run`)."""

from __future__ import annotations

from datetime import timedelta

import click

from taskhive_shared.cli import service_cli
from tasks_service.config import TasksSettings

main = service_cli("tasks", TasksSettings, "tasks_service.bootstrap")


@main.command("purge-archived")
@click.option("--older-than-days", default=30, show_default=True, type=click.IntRange(0, 36500))
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def purge_archived(older_than_days: int, batch_size: int) -> None:
    """Hard-delete tasks archived longer ago than this, publishing `tasks.task.deleted.v1`."""
    from tasks_service.bootstrap import build_offline_runtime

    runtime = build_offline_runtime(TasksSettings())  # type: ignore[call-arg]
    try:
        purged = runtime.services.purge_archived(timedelta(days=older_than_days), batch_size)
    finally:
        runtime.dispose()
    click.echo(f"tasks: purged {purged} archived task(s)")


@main.command("publish-snapshots")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def publish_snapshots(batch_size: int) -> None:
    """Write `tasks.task.snapshot.v1` for every task (archived ones too),
    `tasks.calendar.snapshot.v1` for every working calendar and
    `tasks.team_settings.snapshot.v1` for every team's saved settings to the outbox, so other
    services can rebuild their read models and replicas (`analytics-service rebuild`,
    timetracking's calendars)."""
    from tasks_service.bootstrap import build_offline_runtime

    runtime = build_offline_runtime(TasksSettings())  # type: ignore[call-arg]
    try:
        counts = runtime.services.publish_snapshots(batch_size)
    finally:
        runtime.dispose()
    click.echo(
        f"tasks: queued {counts.tasks} task, {counts.calendars} calendar and "
        f"{counts.team_settings} team settings snapshot(s)"
    )
