"""SMTP adapter of the Mailer port (smtplib), with bounded waits.

Each thread keeps its connection open between messages (a worker sending a batch pays for one
TCP and SMTP handshake, not one per email) and opens a new one after a pause longer than
`reuse_seconds`, or when the server closed the old one.
"""

from __future__ import annotations

import smtplib
import threading
import time
from dataclasses import dataclass, field

from taskhive_shared.mail.message import MailDeliveryError, OutgoingEmail
from taskhive_shared.settings import CommonSettings


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    timeout_seconds: float = 10.0
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    reuse_seconds: float = 30.0
    """An idle connection older than this is closed rather than reused (servers drop them)."""

    @classmethod
    def from_settings(cls, settings: CommonSettings) -> SmtpConfig:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_sender,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )


class _Connection(threading.local):
    smtp: smtplib.SMTP | None = None
    last_used: float = 0.0


class SmtpMailer:
    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        self._connection = _Connection()

    def send(self, email: OutgoingEmail) -> None:
        message = email.to_mime(self._config.sender)
        try:
            reused = self._take_connection()
            try:
                self._smtp().send_message(message)
            except smtplib.SMTPServerDisconnected:
                self.close()
                if not reused:
                    raise
                # The server dropped the idle connection before this message: once more.
                self._take_connection()
                self._smtp().send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            # Only a 5xx for the recipient is final; a 4xx (greylisting, a full mailbox) passes.
            codes = [code for code, _ in exc.recipients.values()]
            permanent = bool(codes) and all(500 <= code < 600 for code in codes)
            raise MailDeliveryError(
                f"recipient refused: {exc.recipients}", permanent=permanent
            ) from exc
        except smtplib.SMTPDataError as exc:
            # The message itself refused: a 5xx will be refused again, a 4xx may pass later.
            raise MailDeliveryError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=500 <= exc.smtp_code < 600
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Connection, HELO, STARTTLS, login or sender problems: the server's or our
            # configuration's, not this message's; retried (and visible in last_error).
            self.close()
            raise MailDeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
        self._connection.last_used = time.monotonic()

    def close(self) -> None:
        """Close this thread's connection (a later send opens a new one)."""
        smtp, self._connection.smtp = self._connection.smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _take_connection(self) -> bool:
        """Make sure this thread has an open connection; True when an old one is reused."""
        idle = time.monotonic() - self._connection.last_used
        if self._connection.smtp is not None and idle <= self._config.reuse_seconds:
            return True
        self.close()
        config = self._config
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
        try:
            if config.starttls:
                smtp.starttls()
            if config.username:
                smtp.login(config.username, config.password or "")
        except BaseException:
            smtp.close()
            raise
        self._connection.smtp = smtp
        return False

    def _smtp(self) -> smtplib.SMTP:
        assert self._connection.smtp is not None
        return self._connection.smtp
