"""`auth-service` command line for operators: migrate, create-admin, generate-signing-key,
the event processes and the background jobs (`jobs worker|beat|list|run`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from auth_service.config import AuthSettings
from taskhive_shared.cli import service_cli

main = service_cli("auth", AuthSettings, "auth_service.bootstrap")


@main.command("create-admin")
@click.option("--email", default=lambda: os.environ.get("TASKHIVE_ADMIN_EMAIL"), required=True)
@click.option(
    "--username", default=lambda: os.environ.get("TASKHIVE_ADMIN_USERNAME"), required=True
)
def create_admin(email: str, username: str) -> None:
    """Create the first admin; the password comes from TASKHIVE_ADMIN_PASSWORD only."""
    from auth_service.bootstrap import build_runtime
    from auth_service.domain.errors import AuthError

    password = os.environ.get("TASKHIVE_ADMIN_PASSWORD")
    if not password:
        raise click.UsageError("set TASKHIVE_ADMIN_PASSWORD (never passed as an argument)")
    runtime = build_runtime(AuthSettings())  # type: ignore[call-arg]
    try:
        account, created = runtime.services.create_admin(email, username, password)
    except AuthError as exc:
        click.echo(f"auth: cannot create admin: {exc}", err=True)
        sys.exit(1)
    state = "created" if created else "already exists"
    click.echo(f"auth: admin {account.username} ({account.id}) {state}")


@main.command("generate-signing-key")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def generate_signing_key(path: Path) -> None:
    """Write a new RSA private key (PEM, mode 0600) to PATH, unless it exists."""
    from auth_service.bootstrap import write_signing_key

    kid = write_signing_key(path)
    if kid is None:
        click.echo(f"auth: {path} exists, left as it is")
    else:
        click.echo(f"auth: wrote signing key {kid} to {path}")


@main.command("sync-api-keys")
def sync_api_keys_command() -> None:
    """Republish every active API key into the shared directory (after a Redis restart)."""
    from auth_service.bootstrap import build_event_runtime, sync_api_keys

    count = sync_api_keys(build_event_runtime(AuthSettings()))  # type: ignore[call-arg]
    click.echo(f"auth: {count} API keys published")


@main.command("export-public-key")
@click.argument("signing_key", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_public_key(signing_key: Path, path: Path) -> None:
    """Write the public half of SIGNING_KEY (the active one) to PATH, for the gateway."""
    from auth_service.bootstrap import write_public_key

    write_public_key(signing_key, path)
    click.echo(f"auth: wrote the public key of {signing_key} to {path}")
