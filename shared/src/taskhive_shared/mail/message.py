"""An outgoing email with a plain-text and an HTML part, and the port that sends it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Protocol

_UNFOLDED = policy.default.clone(max_line_length=998)


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    message_id: str = ""
    """Stable per notification (e.g. `<notification-id@taskhive>`): a resend after a crash
    carries the same id, so mail clients can fold the duplicate."""
    headers: dict[str, str] = field(default_factory=dict)

    def to_mime(self, sender: str) -> EmailMessage:
        # Python 3.11 drops a space where it folds a long non-ASCII header into two encoded
        # words (CPython gh-144156); RFC 5322's hard limit of 998 characters avoids folding.
        message = EmailMessage(policy=_UNFOLDED)
        message["From"] = sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = self.message_id or make_msgid(domain="taskhive")
        for name, value in self.headers.items():
            message[name] = value
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message


class MailDeliveryError(Exception):
    """The message was not accepted. `permanent` failures (5xx, refused recipient) are not
    worth retrying; the others (connection, 4xx, timeouts) are."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable (Celery ships exceptions between processes) despite the keyword argument.
        return (_rebuild_delivery_error, (str(self), self.permanent))


def _rebuild_delivery_error(reason: str, permanent: bool) -> MailDeliveryError:
    return MailDeliveryError(reason, permanent=permanent)


class Mailer(Protocol):
    def send(self, email: OutgoingEmail) -> None:
        """Hand the message to the mail system or raise MailDeliveryError."""
        ...
