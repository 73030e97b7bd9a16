"""The welcome email of a new profile: sent once, by a background job, and a sweeper for the
ones whose job was lost.

`SendWelcomeEmail` claims the profile's row in `welcome_emails` (created if absent, locked
until the end of its transaction) before it talks to the SMTP server, and records the outcome
in that transaction: a second run, a redelivered job or a concurrent duplicate waits for the
lock and then finds the row sent. A crash between the SMTP server's "250" and the commit sends
the message again (at least once); its Message-ID is stable so mail clients fold the copy.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr
from enum import StrEnum

from taskhive_shared.mail.message import MailDeliveryError, Mailer, OutgoingEmail
from users_service.application.ports import (
    Clock,
    EmailRenderer,
    UnitOfWorkFactory,
    WelcomeEmailQueue,
    WelcomeStatus,
)

logger = logging.getLogger(__name__)

WELCOME_TEMPLATE = "welcome"


class WelcomeOutcome(StrEnum):
    SENT = "sent"
    ALREADY_DONE = "already_done"
    """The row is sent, failed or skipped: nothing to do (a duplicate run)."""
    SKIPPED = "skipped"
    """The account is deactivated: recorded, never sent."""
    FAILED = "failed"
    """Refused for good (recorded, not retried)."""
    NO_PROFILE = "no_profile"


def welcome_message_id(user_id: uuid.UUID) -> str:
    return f"<welcome.{user_id}@taskhive>"


@dataclass(frozen=True, slots=True)
class SendWelcomeEmailHandler:
    uow: UnitOfWorkFactory
    mailer: Mailer
    templates: EmailRenderer
    clock: Clock
    sign_in_url: str
    max_attempts: int = 12
    """Across every retry and sweep: after that many transient failures the row is failed."""

    def __call__(self, user_id: uuid.UUID) -> WelcomeOutcome:
        """Raises MailDeliveryError (transient) after recording the attempt: retry later."""
        now = self.clock.now()
        with self.uow() as uow:
            profile = uow.profiles.get(user_id)
            if profile is None:
                return WelcomeOutcome.NO_PROFILE
            record = uow.welcome_emails.claim(user_id, now)
            if record.status is not WelcomeStatus.PENDING:
                return WelcomeOutcome.ALREADY_DONE
            if not profile.is_active:
                uow.welcome_emails.mark_skipped(user_id, "account deactivated", now)
                uow.commit()
                return WelcomeOutcome.SKIPPED
            if record.attempts >= self.max_attempts:
                error = f"gave up after {record.attempts} attempts: {record.last_error}"
                uow.welcome_emails.mark_failed(user_id, error, now, final=True)
                uow.commit()
                return WelcomeOutcome.FAILED
            rendered = self.templates.render(
                WELCOME_TEMPLATE,
                {
                    "display_name": profile.display_name,
                    "username": profile.username,
                    "sign_in_url": self.sign_in_url,
                },
            )
            message_id = welcome_message_id(user_id)
            email = OutgoingEmail(
                to=formataddr((profile.display_name, profile.email)),
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                message_id=message_id,
            )
            try:
                self.mailer.send(email)
            except MailDeliveryError as exc:
                uow.welcome_emails.mark_failed(
                    user_id, str(exc), self.clock.now(), final=exc.permanent
                )
                uow.commit()
                if exc.permanent:
                    logger.warning(
                        "welcome email refused", extra={"user_id": str(user_id), "error": str(exc)}
                    )
                    return WelcomeOutcome.FAILED
                raise
            uow.welcome_emails.mark_sent(user_id, message_id, self.clock.now())
            uow.commit()
        return WelcomeOutcome.SENT


@dataclass(frozen=True, slots=True)
class SweepWelcomeEmailsHandler:
    """Enqueue the welcome email of recent profiles that have none sent and none on its way."""

    uow: UnitOfWorkFactory
    queue: WelcomeEmailQueue
    clock: Clock
    lookback: timedelta = timedelta(days=7)
    grace: timedelta = timedelta(minutes=5)
    """Younger profiles are left to the job enqueued when they were created."""
    stale_after: timedelta = timedelta(minutes=30)
    """A pending row untouched that long has no job any more (lost, or out of retries)."""
    limit: int = 500

    def __call__(self) -> int:
        now = self.clock.now()
        with self.uow() as uow:
            due = uow.welcome_emails.due(
                created_after=now - self.lookback,
                created_before=now - self.grace,
                stale_before=now - self.stale_after,
                limit=self.limit,
            )
        for user_id in due:
            self.queue.enqueue(user_id)
        return len(due)
