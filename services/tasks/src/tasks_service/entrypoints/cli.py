"""`tasks-service` command line: migrate, purge-archived, the event processes (`relay`,
`consume`, `dlq list|redrive`) and the jobs (`jobs worker|beat|list|run`)."""

from __future__ import annotations

from datetime import timedelta

import click

from taskhive_shared.events.cli import EventWiring, event_commands
from taskhive_shared.jobs.cli import JobsWiring, job_commands
from taskhive_shared.logging import configure_logging


@click.group()
def main() -> None:
    """Operate the Taskhive tasks service."""


def _event_wiring() -> EventWiring:
    from tasks_service.bootstrap import event_wiring
    from tasks_service.config import TasksSettings

    settings = TasksSettings()  # type: ignore[call-arg]
    configure_logging("tasks", settings.log_level)
    return event_wiring(settings)


for _command in event_commands(_event_wiring):
    main.add_command(_command)


def _jobs_wiring() -> JobsWiring:
    from tasks_service.bootstrap import jobs_wiring
    from tasks_service.config import TasksSettings

    settings = TasksSettings()  # type: ignore[call-arg]
    configure_logging("tasks", settings.log_level)
    return jobs_wiring(settings)


main.add_command(job_commands(_jobs_wiring), "jobs")


@main.command()
def migrate() -> None:
    """Apply the tasks schema's migrations (as TASKS_MIGRATOR_DATABASE_URL)."""
    from tasks_service.bootstrap import migrate as run_migrations
    from tasks_service.config import TasksSettings

    run_migrations(TasksSettings())  # type: ignore[call-arg]
    click.echo("tasks: migrations applied")


@main.command("purge-archived")
@click.option("--older-than-days", default=30, show_default=True, type=click.IntRange(0, 36500))
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def purge_archived(older_than_days: int, batch_size: int) -> None:
    """Hard-delete tasks archived longer ago than this, publishing `tasks.task.deleted.v1`."""
    from tasks_service.bootstrap import build_offline_runtime
    from tasks_service.config import TasksSettings

    runtime = build_offline_runtime(TasksSettings())  # type: ignore[call-arg]
    try:
        purged = runtime.services.purge_archived(timedelta(days=older_than_days), batch_size)
    finally:
        runtime.dispose()
    click.echo(f"tasks: purged {purged} archived task(s)")
