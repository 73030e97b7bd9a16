"""What the entrypoints get from the composition root: the use cases and the verifier."""

from __future__ import annotations

from dataclasses import dataclass

from analytics_service.application.queries import AnalyticsQueries
from analytics_service.application.reports import ReportHandlers
from analytics_service.application.schedules import ReportSchedules
from taskhive_shared.security.tokens import AccessTokenVerifier


@dataclass(frozen=True, slots=True)
class AnalyticsServices:
    queries: AnalyticsQueries
    reports: ReportHandlers
    schedules: ReportSchedules
    verifier: AccessTokenVerifier
