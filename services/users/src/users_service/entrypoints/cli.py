"""`users-service` command line: migrate, publish-snapshots, the event processes
(`relay`, `consume`, `dlq list|redrive`) and the background jobs (`jobs worker|beat|list|run`)."""

from __future__ import annotations

import click

from taskhive_shared.events.cli import EventWiring, event_commands
from taskhive_shared.jobs.cli import JobsWiring, job_commands
from taskhive_shared.logging import configure_logging


@click.group()
def main() -> None:
    """Operate the Taskhive users service."""


def _event_wiring() -> EventWiring:
    from users_service.bootstrap import event_wiring
    from users_service.config import UsersSettings

    settings = UsersSettings()  # type: ignore[call-arg]
    configure_logging("users", settings.log_level)
    return event_wiring(settings)


for _command in event_commands(_event_wiring):
    main.add_command(_command)


def _jobs_wiring() -> JobsWiring:
    from users_service.bootstrap import jobs_wiring
    from users_service.config import UsersSettings

    settings = UsersSettings()  # type: ignore[call-arg]
    configure_logging("users", settings.log_level)
    return jobs_wiring(settings)


main.add_command(job_commands(_jobs_wiring), "jobs")


@main.command()
def migrate() -> None:
    """Apply the users schema's migrations (as USERS_MIGRATOR_DATABASE_URL)."""
    from users_service.bootstrap import migrate as run_migrations
    from users_service.config import UsersSettings

    run_migrations(UsersSettings())  # type: ignore[call-arg]
    click.echo("users: migrations applied")


@main.command("publish-snapshots")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def publish_snapshots(batch_size: int) -> None:
    """Write `users.user.updated.v1` for every profile and `users.team.updated.v1` for every
    team to the outbox, so other services can rebuild their replicas."""
    from users_service.bootstrap import build_offline_runtime
    from users_service.config import UsersSettings

    runtime = build_offline_runtime(UsersSettings())  # type: ignore[call-arg]
    try:
        counts = runtime.services.publish_snapshots(batch_size)
    finally:
        runtime.engine.dispose()
    click.echo(f"users: queued {counts.profiles} profile and {counts.teams} team snapshot(s)")
