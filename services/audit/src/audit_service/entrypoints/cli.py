"""`audit-service` command line: the shared commands, `verify` and `purge`."""

from __future__ import annotations

import sys

import click

from audit_service.config import AuditSettings
from taskhive_shared.cli import service_cli

main = service_cli("audit", AuditSettings, "audit_service.bootstrap")


@main.command("verify")
def verify() -> None:
    """Check the hash chain from its anchor to its head; exit 1 at the first break."""
    from audit_service.bootstrap import build_verifier

    check = build_verifier(AuditSettings())()  # type: ignore[call-arg]
    if check.broken is not None:
        click.echo(
            f"audit: chain BROKEN at record {check.broken.seq}: {check.broken.reason} "
            f"({check.checked} records checked)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"audit: chain intact ({check.checked} records, head {check.last_seq})")


@main.command("purge")
def purge() -> None:
    """Apply the retention now (AUDIT_RETENTION_DAYS)."""
    from audit_service.bootstrap import build_purge

    click.echo(f"audit: {build_purge(AuditSettings())()} records purged")  # type: ignore[call-arg]
