"""What the hooks entrypoints call: built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from hooks_service.application.activity import ActivityQueries
from hooks_service.application.ingest import IngestEventHandler
from hooks_service.application.webhooks import WebhookHandlers
from taskhive_shared.security.tokens import AccessTokenVerifier


@dataclass(frozen=True, slots=True)
class HooksServices:
    webhooks: WebhookHandlers
    activity: ActivityQueries
    ingest: IngestEventHandler
    verifier: AccessTokenVerifier
