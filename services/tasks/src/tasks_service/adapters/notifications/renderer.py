"""Renders a notification row into an email (plain text + HTML) from its recorded context."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from taskhive_shared.mail.message import OutgoingEmail
from taskhive_shared.mail.templates import EmailTemplates
from tasks_service.application.notifications.ports import NotificationRecord
from tasks_service.domain.notifications import NotificationType

TEMPLATES = Path(__file__).resolve().parent / "templates"

_HEADLINES = {
    NotificationType.TASK_ASSIGNED: "{actor} assigned you to “{title}”",
    NotificationType.TASK_UNASSIGNED: "{actor} removed you from “{title}”",
    NotificationType.TASK_STATUS_CHANGED: "{actor} moved “{title}” to {new_status}",
    NotificationType.TASK_COMMENTED: "{actor} commented on “{title}”",
    NotificationType.TASK_CREATED: "{actor} created “{title}” for you",
    NotificationType.TASK_OVERDUE: "“{title}” is overdue",
    NotificationType.TASK_DUE_SOON: "“{title}” is due within 24 hours",
    NotificationType.TASK_SLA_AT_RISK: "The SLA of “{title}” is at risk",
    NotificationType.TASK_SLA_BREACHED: "The SLA of “{title}” is breached; its priority was raised",
}


def _words(value: object) -> str:
    return str(value or "").replace("_", " ")


class TemplateNotificationRenderer:
    def __init__(self, base_url: str, templates: EmailTemplates | None = None) -> None:
        self._templates = templates or EmailTemplates(TEMPLATES)
        self._base_url = base_url.rstrip("/")

    def render(self, record: NotificationRecord) -> OutgoingEmail:
        context: dict[str, Any] = dict(record.context)
        context["base_url"] = self._base_url
        context["preferences_url"] = f"{self._base_url}/profile"
        if record.kind is NotificationType.DAILY_SUMMARY:
            rendered = self._templates.render("daily_summary", context)
        else:
            context["headline"] = _HEADLINES[record.kind].format(
                actor=context.get("actor_name") or "Someone",
                title=context.get("title", ""),
                new_status=_words(context.get("new_status")),
            )
            context["kind"] = record.kind.value
            context["old_status"] = _words(context.get("old_status"))
            context["new_status"] = _words(context.get("new_status"))
            context["due"] = _due(context.get("due_date"))
            context["task_url"] = f"{self._base_url}/tasks/{context.get('task_id', '')}"
            context.setdefault("comment_excerpt", None)
            rendered = self._templates.render("task_notification", context)
        return OutgoingEmail(
            to=record.recipient_email,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=f"<{record.id}@taskhive>",
            headers={"X-Taskhive-Notification": record.kind.value},
        )


def _due(value: object) -> str | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC")
