"""The DeliveryQueue port on Celery, and the owner's e-mail when a hook is disabled."""

from __future__ import annotations

import html
import logging
import uuid

from celery import Celery

from hooks_service.domain.model import Webhook
from taskhive_shared.mail.message import Mailer, OutgoingEmail

logger = logging.getLogger(__name__)


class CeleryDeliveryQueue:
    def __init__(self, app: Celery, task_name: str) -> None:
        self._app = app
        self._task_name = task_name

    def enqueue(self, delivery_id: uuid.UUID, delay_seconds: float = 0) -> None:
        task = self._app.tasks[self._task_name]
        if self._app.conf.task_always_eager and delay_seconds > 0:
            # In-process mode has no delayed queue: the beat's sweeper sends it when due.
            return
        try:
            task.apply_async(
                kwargs={"delivery_id": str(delivery_id)}, countdown=delay_seconds or None
            )
        except Exception as exc:  # the delivery is committed: the sweeper will find it
            logger.warning(
                "delivery not enqueued now; the sweeper will",
                extra={"delivery_id": str(delivery_id), "error": repr(exc)},
            )


class MailOwnerNotifier:
    def __init__(self, mailer: Mailer) -> None:
        self._mailer = mailer

    def webhook_disabled(self, email: str, hook: Webhook) -> None:
        text = (
            f"Your webhook {hook.id} to {hook.url} was disabled: {hook.disabled_reason}.\n\n"
            "Fix the receiver, then set it active again (PATCH /api/v1/webhooks/<id>/ with "
            '{"active": true}); failed deliveries can be sent again with redeliver.\n'
        )
        try:
            self._mailer.send(
                OutgoingEmail(
                    to=email,
                    subject="Taskhive: your webhook was disabled",
                    text=text,
                    html=f"<p>{html.escape(text)}</p>",
                    message_id=f"<webhook-disabled-{hook.id}-{hook.version}@taskhive>",
                )
            )
        except Exception:  # the hook stays disabled; the e-mail is a courtesy
            logger.exception("webhook-disabled e-mail not sent", extra={"webhook_id": str(hook.id)})
