"""The audit use cases an entrypoint can call, assembled by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from audit_service.application.queries import AuditQueries
from taskhive_shared.security.tokens import AccessTokenVerifier


@dataclass(frozen=True, slots=True)
class AuditServices:
    queries: AuditQueries
    verifier: AccessTokenVerifier
