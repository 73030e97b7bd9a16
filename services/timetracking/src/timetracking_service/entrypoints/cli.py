"""`timetracking-service` command line: migrate, the event processes (`relay`, `consume`,
`dlq list|redrive`) and the background jobs (`jobs worker|beat|list|run`)."""

from __future__ import annotations

from taskhive_shared.cli import service_cli
from timetracking_service.config import TimeTrackingSettings

main = service_cli("timetracking", TimeTrackingSettings, "timetracking_service.bootstrap")
