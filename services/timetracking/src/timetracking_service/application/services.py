"""Every use case of the service, as the entrypoints see them."""

from __future__ import annotations

from dataclasses import dataclass

from taskhive_shared.security.tokens import AccessTokenVerifier
from timetracking_service.application.entries import TimeEntries
from timetracking_service.application.preferences import Preferences
from timetracking_service.application.replica import Replicas
from timetracking_service.application.reports import Reports
from timetracking_service.application.timers import Timers
from timetracking_service.application.timesheets import Timesheets


@dataclass(frozen=True, slots=True)
class TimeTrackingServices:
    entries: TimeEntries
    timers: Timers
    timesheets: Timesheets
    preferences: Preferences
    replicas: Replicas
    reports: Reports
    verifier: AccessTokenVerifier
