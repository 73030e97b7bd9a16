"""`users-service` command line: migrate, publish-snapshots, the event processes
(`relay`, `consume`, `dlq list|redrive`) and the background jobs (`jobs worker|beat|list|run`)."""

from __future__ import annotations

import click

from taskhive_shared.cli import service_cli
from users_service.config import UsersSettings

main = service_cli("users", UsersSettings, "users_service.bootstrap")


@main.command("publish-snapshots")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def publish_snapshots(batch_size: int) -> None:
    """Write `users.user.updated.v1` for every profile and `users.team.updated.v1` for every
    team to the outbox, so other services can rebuild their replicas."""
    from users_service.bootstrap import build_offline_runtime

    runtime = build_offline_runtime(UsersSettings())  # type: ignore[call-arg]
    try:
        counts = runtime.services.publish_snapshots(batch_size)
    finally:
        runtime.engine.dispose()
    click.echo(f"users: queued {counts.profiles} profile and {counts.teams} team snapshot(s)")
