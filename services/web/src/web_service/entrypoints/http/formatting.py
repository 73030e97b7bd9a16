"""Template filters: times in the reader's own time zone, short readable values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from web_service.application.task_form import zone
from web_service.entrypoints.http.context import timezone


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)).astimezone(zone(timezone()))
    except ValueError:
        return None


def when(value: Any) -> str:
    """`14 Nov 2026, 09:30` in the signed-in user's zone (UTC for visitors)."""
    moment = _moment(value)
    return moment.strftime("%d %b %Y, %H:%M") if moment else ""


def day(value: Any) -> str:
    moment = _moment(value)
    return moment.strftime("%d %b %Y") if moment else ""


def iso(value: Any) -> str:
    """For `<time datetime=…>`: machine-readable, unchanged."""
    return str(value or "")


def hours(value: Any) -> str:
    if value in (None, ""):
        return "—"
    text = str(value)
    return (text.rstrip("0").rstrip(".") if "." in text else text) + " h"


def change(value: Any, names: Mapping[str, Any] | None = None) -> str:
    """A history value for people: user ids as names, lists joined, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(change(v, names) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    person = (names or {}).get(str(value))
    return str(person.display_name) if person is not None else str(value)


FILTERS: dict[str, Callable[..., str]] = {
    "when": when,
    "day": day,
    "iso": iso,
    "hours": hours,
    "change": change,
}
