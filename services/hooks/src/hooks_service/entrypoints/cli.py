"""`hooks-service` command line: migrate, the event processes (`relay`, `consume`, `dlq …`),
the background jobs (`jobs worker|beat|list|run`) and the live stream (`stream`)."""

from __future__ import annotations

from hooks_service.config import HooksSettings
from taskhive_shared.cli import service_cli

main = service_cli("hooks", HooksSettings, "hooks_service.bootstrap")


@main.command("stream")
def stream() -> None:
    """Serve `GET /api/v1/stream` (Server-Sent Events) on HOOKS_STREAM_PORT."""
    from hooks_service.bootstrap import run_stream

    run_stream()
