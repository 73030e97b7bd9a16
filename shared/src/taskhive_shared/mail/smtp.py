"""SMTP adapter of the Mailer port (smtplib): one connection per message, bounded waits."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

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
    password: str | None = None

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


class SmtpMailer:
    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    def send(self, email: OutgoingEmail) -> None:
        config = self._config
        message = email.to_mime(config.sender)
        try:
            with smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds) as smtp:
                if config.starttls:
                    smtp.starttls()
                if config.username:
                    smtp.login(config.username, config.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailDeliveryError(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx: the server will say the same next time; 4xx: try again later.
            permanent = 500 <= exc.smtp_code < 600
            raise MailDeliveryError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=permanent
            ) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise MailDeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
