"""The time pages' models (ADR 0022): a week's grid from the time API's timesheet, the rows of
its entries, the running timer, and the entry forms (browser fields ⇄ the API's bodies)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from web_service.domain.weeks import FIRST_YEAR, LAST_YEAR, IsoWeek, parse_duration

STATUS_LABELS: dict[str, str] = {
    "open": "Open",
    "submitted": "Submitted",
    "approved": "Approved",
    "rejected": "Rejected",
}
SOURCE_LABELS: dict[str, str] = {"manual": "by hand", "timer": "timer", "automatic": "workflow"}
MAX_NOTE_CHARS = 2000
MAX_REASON_CHARS = 1000


@dataclass(frozen=True, slots=True)
class DayColumn:
    day: date
    expected: int
    worked: int
    overtime: int

    @property
    def heading(self) -> str:
        """`Mon 30 Nov`."""
        return f"{self.day:%a} {self.day.day} {self.day:%b}"


@dataclass(frozen=True, slots=True)
class GridRow:
    task_id: str
    title: str
    cells: tuple[int, ...]
    """Minutes per day of the week, Monday first (0 where nothing was logged)."""
    total: int


@dataclass(frozen=True, slots=True)
class WeekGrid:
    """One user's week: days by tasks with the day's and the week's expected, worked and
    overtime minutes, and where its approval stands."""

    week: IsoWeek
    user_id: str
    status: str
    reason: str | None
    decided_by: str | None
    decided_at: str | None
    submitted_at: str | None
    timezone: str
    columns: tuple[DayColumn, ...]
    rows: tuple[GridRow, ...]
    expected: int
    worked: int
    overtime: int

    @property
    def locked(self) -> bool:
        return self.status == "approved"

    @property
    def may_submit(self) -> bool:
        return self.status in ("open", "rejected")

    @property
    def awaiting_decision(self) -> bool:
        return self.status == "submitted"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def _minutes(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def week_grid(body: Mapping[str, Any], week: IsoWeek) -> WeekGrid:
    """The grid of a timesheet as the API sends it. The columns are the week's seven days
    whatever the body holds: a day it lacks shows zeros rather than shifting the others."""
    by_day = {str(d.get("date")): d for d in body.get("days") or [] if isinstance(d, Mapping)}
    columns = []
    for day in week.days:
        found = by_day.get(day.isoformat(), {})
        columns.append(
            DayColumn(
                day,
                _minutes(found.get("expected_minutes")),
                _minutes(found.get("worked_minutes")),
                _minutes(found.get("overtime_minutes")),
            )
        )
    rows = []
    for task in body.get("tasks") or []:
        minutes = task.get("minutes_by_day") or {}
        cells = tuple(_minutes(minutes.get(day.isoformat())) for day in week.days)
        rows.append(
            GridRow(
                task_id=str(task.get("task_id") or ""),
                title=str(task.get("title") or "") or "Untitled task",
                cells=cells,
                total=sum(cells),
            )
        )
    totals = body.get("totals") or {}
    return WeekGrid(
        week=week,
        user_id=str(body.get("user_id") or ""),
        status=str(body.get("status") or "open"),
        reason=_text(body.get("reason")),
        decided_by=_text(body.get("decided_by")),
        decided_at=_text(body.get("decided_at")),
        submitted_at=_text(body.get("submitted_at")),
        timezone=str(body.get("timezone") or "UTC"),
        columns=tuple(columns),
        rows=tuple(rows),
        expected=_minutes(totals.get("expected_minutes")),
        worked=_minutes(totals.get("worked_minutes")),
        overtime=_minutes(totals.get("overtime_minutes")),
    )


# --- entries -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntryRow:
    id: str
    task_id: str
    title: str
    work_date: date | None
    span: str
    """`09:00-10:30` in the reader's zone for a timed entry, else empty."""
    minutes: int | None
    """None while the timer runs."""
    running: bool
    note: str
    billable: bool
    source: str
    version: int

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)


def _moment(value: Any, zone: ZoneInfo) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).astimezone(zone) if value else None
    except ValueError:
        return None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def entry_rows(
    items: list[Mapping[str, Any]], titles: Mapping[str, str], zone: ZoneInfo
) -> list[EntryRow]:
    """The week's entries, oldest day first (the API lists the newest first)."""
    rows = []
    for item in items:
        start = _moment(item.get("started_at"), zone)
        end = _moment(item.get("ended_at"), zone)
        span = ""
        if start is not None:
            span = (
                f"{start:%H:%M}\N{EN DASH}{end:%H:%M}"
                if end is not None
                else f"since {start:%H:%M}"
            )
        duration = item.get("duration_minutes")
        task_id = str(item.get("task_id") or "")
        rows.append(
            EntryRow(
                id=str(item.get("id") or ""),
                task_id=task_id,
                title=titles.get(task_id) or "A task",
                work_date=_day(item.get("work_date")),
                span=span,
                minutes=duration if isinstance(duration, int) else None,
                running=bool(item.get("running")),
                note=str(item.get("note") or ""),
                billable=bool(item.get("billable", True)),
                source=str(item.get("source") or "manual"),
                version=_minutes(item.get("version")),
            )
        )
    rows.sort(key=lambda r: (r.work_date or date.min, r.span))
    return rows


Getter = Callable[[str], str]


@dataclass(slots=True)
class EntryForm:
    """An entry as the browser shows it (strings) and the errors beside its fields."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def adopt_api_errors(self, errors: Mapping[str, list[str]]) -> list[str]:
        """The API's field errors on our fields (`duration_minutes` is our `duration`);
        returns the messages no field shows."""
        elsewhere: list[str] = []
        for name, messages in errors.items():
            target = API_FIELDS.get(name, name)
            if target in self.values:
                self.errors.setdefault(target, []).extend(messages)
            else:
                elsewhere.extend(f"{name}: {m}" for m in messages)
        return elsewhere

    def messages(self) -> list[str]:
        return [f"{LABELS.get(name, name)}: {m}" for name, ms in self.errors.items() for m in ms]


API_FIELDS = {
    "duration_minutes": "duration",
    "started_at": "duration",
    "ended_at": "duration",
    "task_id": "task_id",
    "work_date": "work_date",
}
LABELS = {
    "task_id": "Task",
    "work_date": "Day",
    "duration": "Time spent",
    "note": "Note",
}


def entry_form(entry: Mapping[str, Any] | None = None) -> EntryForm:
    found = entry or {}
    duration = found.get("duration_minutes")
    hours, rest = divmod(duration, 60) if isinstance(duration, int) else (0, 0)
    return EntryForm(
        values={
            "task_id": str(found.get("task_id") or ""),
            "work_date": str(found.get("work_date") or ""),
            "duration": f"{hours}:{rest:02d}" if isinstance(duration, int) else "",
            "note": str(found.get("note") or ""),
            "billable": "on" if found.get("billable", True) else "",
        }
    )


def entry_from_post(get: Getter, *, with_task: bool) -> tuple[EntryForm, dict[str, Any]]:
    """The posted form and the API body (`POST /time/entries/` with the task, `PATCH` without)."""
    form = EntryForm(
        values={
            "work_date": get("work_date").strip(),
            "duration": get("duration").strip(),
            "note": get("note").strip(),
            "billable": "on" if get("billable") else "",
        }
    )
    body: dict[str, Any] = {}
    if with_task:
        form.values["task_id"] = get("task_id").strip()
        try:
            body["task_id"] = str(uuid.UUID(form.values["task_id"]))
        except ValueError:
            form.error("task_id", "Choose a task.")
    day = _day(form.values["work_date"])
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        form.error("work_date", "Give the day worked, like 2026-12-07.")
    else:
        body["work_date"] = day.isoformat()
    minutes = parse_duration(form.values["duration"])
    if minutes is None:
        form.error("duration", "Give the time spent, like 1:30 or 1.5 (at most 24 hours).")
    else:
        body["duration_minutes"] = minutes
    if len(form.values["note"]) > MAX_NOTE_CHARS:
        form.error("note", f"At most {MAX_NOTE_CHARS} characters.")
    body["note"] = form.values["note"]
    body["billable"] = bool(form.values["billable"])
    return form, body


# --- the running timer -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunningTimer:
    entry_id: str
    task_id: str
    title: str
    started_at: datetime

    def elapsed_minutes(self, now: datetime) -> int:
        return max(0, int((now - self.started_at).total_seconds() // 60))


def running_timer(body: Any, title: Callable[[str], str]) -> RunningTimer | None:
    """The timer of `GET /time/timer/` (`{"running": entry | null}`); `title` names its task."""
    entry = body.get("running") if isinstance(body, Mapping) else None
    if not isinstance(entry, Mapping):
        return None
    try:
        started = datetime.fromisoformat(str(entry["started_at"]))
        task_id = str(uuid.UUID(str(entry["task_id"])))
    except (KeyError, ValueError):
        return None
    return RunningTimer(str(entry.get("id") or ""), task_id, title(task_id), started)


class TaskTitles:
    """Titles of the tasks timers run on, per user and task, for a short while: the header
    shows the running timer on every page and should not cost a second call each time.
    Keyed by user too, so nobody is shown a title only another user may see."""

    def __init__(
        self, ttl_seconds: float = 120.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._titles: dict[tuple[str, str], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str, task_id: str, load: Callable[[], str]) -> str:
        key = (user_id, task_id)
        cached = self._titles.get(key)
        if cached and cached[0] > self._clock():
            return cached[1]
        title = load()
        self.remember(user_id, task_id, title)
        return title

    def remember(self, user_id: str, task_id: str, title: str) -> None:
        with self._lock:
            if len(self._titles) > 10_000:
                self._titles.clear()
            self._titles[(user_id, task_id)] = (self._clock() + self._ttl, title)
