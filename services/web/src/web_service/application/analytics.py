"""What the analytics pages need around the API: a date range from the query, figures as
labelled values, a report request from its form, and the list of one's reports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from web_service.application.ports import SessionStore

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
DIMENSIONS: dict[str, str] = {
    "status": "Status",
    "priority": "Priority",
    "assignee": "Assignee",
    "tag": "Tag",
    "team": "Team",
}
REPORT_KINDS: dict[str, str] = {
    "team_performance": "Team performance (a row per day)",
    "user_activity": "User activity (a row per day)",
    "tasks": "Tasks (a row per task)",
}
REPORT_FORMATS: dict[str, str] = {"csv": "CSV", "xlsx": "Excel (xlsx)", "pdf": "PDF"}
IN_PROGRESS = ("pending", "running")


@dataclass(frozen=True, slots=True)
class DateRange:
    """`from`/`to` as typed into the page's form; the API checks the rest (422 names them)."""

    start: str = ""
    end: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> DateRange:
        def day(name: str) -> str:
            value = (args.get(name) or "").strip()
            return value if _DAY.fullmatch(value) else ""

        return cls(day("from"), day("to"))

    def params(self) -> list[tuple[str, str]]:
        return [(name, value) for name, value in (("from", self.start), ("to", self.end)) if value]


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    value: str
    label: str


def _number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    rounded = round(float(value), digits)
    return f"{rounded:g}"


def percent(rate: Any) -> str:
    """A rate of 0…1 as a whole percentage; none without any sample."""
    return "—" if rate is None else f"{round(float(rate) * 100)} %"


def performance_figures(stats: Mapping[str, Any]) -> list[Figure]:
    """A user's or team's figures over the range, as the page lists them."""
    cycle = stats.get("cycle_time_hours") or {}
    figures = [
        Figure("throughput", str(stats["throughput"]), "completed"),
        Figure("story_points_completed", str(stats["story_points_completed"]), "story points"),
        Figure("cycle_p50", _hours(cycle.get("p50")), "cycle time p50"),
        Figure("cycle_p85", _hours(cycle.get("p85")), "cycle time p85"),
        Figure("on_time_rate", percent(stats.get("on_time_rate")), "on time"),
        Figure("open_load", str(stats["open_load"]), "open now"),
        Figure("overdue", str(stats["overdue"]), "overdue"),
        Figure("created", str(stats["created"]), "created"),
    ]
    velocity = stats.get("velocity")
    if velocity:
        figures += [
            Figure("points_per_week", _number(velocity["story_points_per_week"]), "points a week"),
            Figure("tasks_per_week", _number(velocity["tasks_per_week"]), "tasks a week"),
        ]
    return figures


def _hours(value: Any) -> str:
    return "—" if value is None else f"{_number(value)} h"


def report_request(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The body of `POST /reports/` from the page's form, and what is wrong with it already
    (the API checks everything again and names its fields the same way)."""
    errors: dict[str, list[str]] = {}
    kind = form.get("kind", "")
    fmt = form.get("format", "")
    if kind not in REPORT_KINDS:
        errors["kind"] = ["Choose what the report is about."]
    if fmt not in REPORT_FORMATS:
        errors["format"] = ["Choose a file format."]
    params: dict[str, str] = {}
    team = (form.get("team_id") or "").strip()
    if kind == "team_performance" and not team:
        errors["params.team_id"] = ["A team performance report needs a team."]
    if team and kind in ("team_performance", "tasks"):
        params["team_id"] = team
    params.update(DateRange.from_args(form).params())
    return {"kind": kind, "format": fmt, "params": params}, errors


def in_progress(report: Mapping[str, Any]) -> bool:
    return report.get("status") in IN_PROGRESS


class RecentReports:
    """The ids of the reports a user asked for through these pages, newest first.

    The API shows a report to its owner by id but lists none, so the web keeps the ids, per
    user (any of their browsers), for as long as the API keeps the reports. Two requests of
    one user at the same moment may drop one id: the report stays reachable by its link."""

    KEEP = 20
    TTL_SECONDS = 7 * 24 * 3600

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    def ids(self, user_id: str) -> list[str]:
        found = (self._store.get(self._key(user_id)) or {}).get("ids", [])
        return [str(i) for i in found] if isinstance(found, list) else []

    def add(self, user_id: str, report_id: str) -> None:
        ids = [report_id, *(i for i in self.ids(user_id) if i != report_id)][: self.KEEP]
        self._store.set(self._key(user_id), {"ids": ids}, self.TTL_SECONDS)

    def forget(self, user_id: str, gone: set[str]) -> None:
        """Drop reports the API no longer has (expired after 7 days)."""
        if gone:
            ids = [i for i in self.ids(user_id) if i not in gone]
            self._store.set(self._key(user_id), {"ids": ids}, self.TTL_SECONDS)

    @staticmethod
    def _key(user_id: str) -> str:
        return "web:reports:" + user_id
