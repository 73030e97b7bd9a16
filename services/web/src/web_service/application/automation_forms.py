"""The forms of the automation pages (ADR 0020): working calendars, SLA policies, team
settings. Browser fields ⇄ the tasks API's JSON bodies; every rule is the API's, whose 422
field errors (`working_days.2` lands on `working_days`) are shown beside the fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from web_service.domain.workflow import PRIORITIES

WEEKDAY_NUMBERS: dict[int, str] = {
    1: "Monday",
    2: "Tuesday",
    3: "Wednesday",
    4: "Thursday",
    5: "Friday",
    6: "Saturday",
    7: "Sunday",
}
AUTO_ASSIGN: dict[str, str] = {
    "off": "Off",
    "round_robin": "Round robin (each member in turn)",
    "least_loaded": "Least loaded (fewest open estimated hours)",
}
_SEPARATORS = re.compile(r"[\s,;]+")

Getter = Callable[[str], str]
ListGetter = Callable[[str], list[str]]


@dataclass(slots=True)
class AutomationForm:
    """Values as the browser shows them (strings, lists for checkbox groups) and errors."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def adopt_api_errors(self, errors: Mapping[str, list[str]]) -> list[str]:
        """Attach the API's field errors to our fields; returns those no field shows."""
        elsewhere: list[str] = []
        for name, messages in errors.items():
            target = name.split(".")[0]
            if target in self.values:
                self.errors.setdefault(target, []).extend(messages)
            else:
                elsewhere.extend(f"{name}: {m}" for m in messages)
        return elsewhere


def calendar_form(calendar: Mapping[str, Any] | None = None) -> AutomationForm:
    found = calendar or {}
    return AutomationForm(
        values={
            "name": str(found.get("name") or ""),
            "timezone": str(found.get("timezone") or "UTC"),
            "working_days": [str(d) for d in found.get("working_days") or [1, 2, 3, 4, 5]],
            "day_start": str(found.get("day_start") or "09:00"),
            "day_end": str(found.get("day_end") or "17:00"),
            "holidays": "\n".join(found.get("holidays") or []),
        }
    )


def calendar_from_post(get: Getter, get_list: ListGetter) -> tuple[AutomationForm, dict[str, Any]]:
    """The form as posted and the API body (the API checks the zone, times and dates)."""
    days = [d for d in get_list("working_days") if d.isdigit() and int(d) in WEEKDAY_NUMBERS]
    form = AutomationForm(
        values={
            "name": get("name").strip(),
            "timezone": get("timezone").strip(),
            "working_days": days,
            "day_start": get("day_start").strip(),
            "day_end": get("day_end").strip(),
            "holidays": get("holidays").strip(),
        }
    )
    v = form.values
    body = {
        "name": v["name"],
        "timezone": v["timezone"],
        "working_days": sorted({int(d) for d in days}),
        "day_start": v["day_start"],
        "day_end": v["day_end"],
        "holidays": [h for h in _SEPARATORS.split(v["holidays"]) if h],
    }
    return form, body


def policy_form(policy: Mapping[str, Any] | None = None) -> AutomationForm:
    found = policy or {}
    return AutomationForm(
        values={
            "name": str(found.get("name") or ""),
            "priorities": list(found.get("priorities") or []),
            "team_id": str(found.get("team_id") or ""),
            "tag": str(found.get("tag") or ""),
            "response_hours": str(found.get("response_hours") or ""),
            "resolution_hours": str(found.get("resolution_hours") or ""),
        }
    )


def policy_from_post(get: Getter, get_list: ListGetter) -> tuple[AutomationForm, dict[str, Any]]:
    form = AutomationForm(
        values={
            "name": get("name").strip(),
            "priorities": [p for p in get_list("priorities") if p in PRIORITIES],
            "team_id": get("team_id").strip(),
            "tag": get("tag").strip(),
            "response_hours": get("response_hours").strip().replace(",", "."),
            "resolution_hours": get("resolution_hours").strip().replace(",", "."),
        }
    )
    v = form.values
    body = {
        "name": v["name"],
        "priorities": v["priorities"],
        "team_id": v["team_id"] or None,
        "tag": v["tag"] or None,
        "response_hours": v["response_hours"],
        "resolution_hours": v["resolution_hours"],
    }
    for name in ("response_hours", "resolution_hours"):
        if not v[name]:
            form.errors.setdefault(name, []).append("Enter a number of working hours, like 8.")
    return form, body


def settings_from_post(get: Getter) -> tuple[AutomationForm, dict[str, Any]]:
    form = AutomationForm(
        values={
            "calendar_id": get("calendar_id").strip(),
            "auto_assign": get("auto_assign").strip(),
        }
    )
    if form.values["auto_assign"] not in AUTO_ASSIGN:
        form.errors.setdefault("auto_assign", []).append("Choose one of the ways.")
    body = {
        "calendar_id": form.values["calendar_id"] or None,
        "auto_assign": form.values["auto_assign"],
    }
    return form, body
