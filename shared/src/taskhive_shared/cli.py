"""The command line every service starts from:
`<svc>-service migrate|relay|consume|dlq|unrouted|jobs`.

A service's `entrypoints/cli.py` is one call to `service_cli` plus the commands that are its own
(`auth-service create-admin`, `users-service publish-snapshots` …):

    main = service_cli("users", UsersSettings, "users_service.bootstrap")

    @main.command("publish-snapshots")
    def publish_snapshots() -> None: ...

The bootstrap module is imported only when a command runs (`load_bootstrap`), and a command
reads the settings from the environment only then: `--help` connects to nothing and builds
nothing (DESIGN §1.5).
"""

from __future__ import annotations

import click

from taskhive_shared.events.cli import EventWiring, event_commands
from taskhive_shared.jobs.cli import JobsWiring, job_commands
from taskhive_shared.service import ProcessSettings, load_bootstrap, process_settings


def service_cli(name: str, settings: type[ProcessSettings], bootstrap: str) -> click.Group:
    """The click group of service `name`: `migrate`, the event processes (`relay`, `consume`,
    `dlq list|redrive`, `unrouted list|redrive`) and the jobs (`jobs worker|beat|list|run`),
    all through the service's composition root `bootstrap` (a module name, e.g.
    `auth_service.bootstrap`)."""

    @click.group(help=f"Operate the Taskhive {name} service.")
    def main() -> None:
        pass

    def event_wiring() -> EventWiring:
        composition_root = load_bootstrap(bootstrap)
        return composition_root.event_wiring(process_settings(name, settings))

    def jobs_wiring() -> JobsWiring:
        composition_root = load_bootstrap(bootstrap)
        return composition_root.jobs_wiring(process_settings(name, settings))

    for command in event_commands(event_wiring):
        main.add_command(command)
    main.add_command(job_commands(jobs_wiring), "jobs")

    @main.command(
        help=f"Apply the {name} schema's migrations (as {name.upper()}_MIGRATOR_DATABASE_URL)."
    )
    def migrate() -> None:
        load_bootstrap(bootstrap).migrate(settings())
        click.echo(f"{name}: migrations applied")

    return main
