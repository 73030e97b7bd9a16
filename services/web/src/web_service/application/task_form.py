"""The create and edit forms of a task: browser fields ⇄ the API's JSON body.

Only what the browser cannot express is checked here (a date without an offset, hours that are
not a number); every other rule is the API's, whose 422 field errors are shown beside the
fields (`FIELD_OF_API_ERROR`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from web_service.domain.recurrence import MODES, preset_of, rule_of
from web_service.domain.workflow import PRIORITIES, STATUSES

FIELDS = (
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "estimated_hours",
    "actual_hours",
    "story_points",
    "tags",
    "team_id",
    "parent_task_id",
    "auto_complete",
    "recurrence_preset",
    "recurrence_weekday",
    "recurrence_rule",
    "recurrence_mode",
)
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(slots=True)
class TaskForm:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_task(cls, task: Mapping[str, Any], timezone: str) -> TaskForm:
        due = task.get("due_date")
        recurrence = task.get("recurrence") or {}
        preset, weekday, custom = preset_of(recurrence.get("rule"))
        return cls(
            values={
                "title": str(task.get("title") or ""),
                "description": str(task.get("description") or ""),
                "status": str(task.get("status") or "todo"),
                "priority": str(task.get("priority") or "medium"),
                "due_date": local_input(due, timezone) if due else "",
                "estimated_hours": _text(task.get("estimated_hours")),
                "actual_hours": _text(task.get("actual_hours")),
                "story_points": _text(task.get("story_points")),
                "tags": ", ".join(task.get("tags") or []),
                "team_id": _text(task.get("team_id")),
                "parent_task_id": _text(task.get("parent_task_id")),
                "auto_complete": "on" if task.get("auto_complete") else "",
                "recurrence_preset": preset,
                "recurrence_weekday": weekday,
                "recurrence_rule": custom,
                "recurrence_mode": str(recurrence.get("mode") or "from_due_date"),
            }
        )

    @classmethod
    def from_post(cls, form: Mapping[str, str]) -> TaskForm:
        return cls(values={name: (form.get(name) or "").strip() for name in FIELDS})

    def body(self, timezone: str, *, creating: bool) -> dict[str, Any] | None:
        """The API body, or None with `errors` filled when the browser's input cannot be sent."""
        v = self.values
        body: dict[str, Any] = {
            "title": v.get("title", ""),
            "description": v.get("description", ""),
        }
        if not body["title"]:
            self.errors.setdefault("title", []).append("Enter a title.")
        priority = v.get("priority") or "medium"
        if priority not in PRIORITIES:
            self.errors.setdefault("priority", []).append("Choose one of the priorities.")
        body["priority"] = priority
        if creating:
            status = v.get("status") or "todo"
            if status not in STATUSES:
                self.errors.setdefault("status", []).append("Choose one of the statuses.")
            body["status"] = status
            if v.get("parent_task_id"):
                body["parent_task_id"] = v["parent_task_id"]
        body["due_date"] = self._due_date(v.get("due_date", ""), timezone)
        for name in ("estimated_hours", "actual_hours"):
            body[name] = self._hours(name, v.get(name, ""))
        body["story_points"] = self._points(v.get("story_points", ""))
        body["tags"] = [t.strip() for t in v.get("tags", "").split(",") if t.strip()]
        body["team_id"] = v.get("team_id") or None
        # A checkbox: sent as "on" when ticked, absent when not.
        body["auto_complete"] = v.get("auto_complete") == "on"
        body["recurrence"] = self._recurrence()
        if creating:
            body = {k: val for k, val in body.items() if val is not None}
        return None if self.errors else body

    def adopt_api_errors(self, errors: Mapping[str, list[str]]) -> list[str]:
        """Attach the API's field errors to our fields; returns those no field shows."""
        elsewhere: list[str] = []
        for name, messages in errors.items():
            target = name.split(".")[0]
            if target == "assignee_ids":
                elsewhere.extend(messages)
            elif target in FIELDS or target == "recurrence":
                self.errors.setdefault(target, []).extend(messages)
            else:
                elsewhere.extend(f"{name}: {m}" for m in messages)
        return elsewhere

    def _recurrence(self) -> dict[str, str] | None:
        v = self.values
        try:
            rule = rule_of(
                v.get("recurrence_preset", ""),
                v.get("recurrence_weekday", ""),
                v.get("recurrence_rule", ""),
            )
        except ValueError as exc:
            self.errors.setdefault("recurrence", []).append(str(exc))
            return None
        if rule is None:
            return None
        mode = v.get("recurrence_mode") or "from_due_date"
        if mode not in MODES:
            self.errors.setdefault("recurrence", []).append("Choose how the next one is dated.")
            return None
        return {"rule": rule, "mode": mode}

    def _due_date(self, text: str, timezone: str) -> str | None:
        if not text:
            return None
        try:
            local = datetime.strptime(text, LOCAL_INPUT_FORMAT)
        except ValueError:
            try:
                local = datetime.strptime(text, "%Y-%m-%d")
            except ValueError:
                self.errors.setdefault("due_date", []).append("Enter a date and time.")
                return None
        return local.replace(tzinfo=zone(timezone)).isoformat()

    def _points(self, text: str) -> int | None:
        if not text:
            return None
        if not text.isdigit() or not 0 <= int(text) <= 100:
            self.errors.setdefault("story_points", []).append("Enter a whole number, 0 to 100.")
            return None
        return int(text)

    def _hours(self, name: str, text: str) -> str | None:
        if not text:
            return None
        try:
            hours = Decimal(text.replace(",", "."))
        except InvalidOperation:
            self.errors.setdefault(name, []).append("Enter a number of hours, like 2.5.")
            return None
        if not hours.is_finite():
            self.errors.setdefault(name, []).append("Enter a number of hours, like 2.5.")
            return None
        return str(hours)


def local_input(iso: str, timezone: str) -> str:
    """An API timestamp as the value of a `datetime-local` input in the user's zone."""
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return ""
    return moment.astimezone(zone(timezone)).strftime(LOCAL_INPUT_FORMAT)


def _text(value: Any) -> str:
    return "" if value is None else str(value)
