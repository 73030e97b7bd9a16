"""Reports: request (202, a job), generate (the job), read (status, progress), expire.

The job reads the same precomputed figures as the API (per-day series) or the task read model
(the `tasks` kind, in keyset batches), renders the table in the asked format and stores it
through the FileStore port; the API hands out a signed link valid for 10 minutes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from analytics_service.application.ports import AnalyticsUnitOfWork, Clock
from analytics_service.application.queries import AnalyticsQueries, RangeArgs
from analytics_service.domain.errors import InvalidRequest, NotVisible
from analytics_service.domain.model import ALL, Scope
from analytics_service.domain.reports import FORMATS, KINDS, Report
from taskhive_shared.files.port import FileStore
from taskhive_shared.ids import uuid7

TASK_BATCH = 1000
TASK_COLUMNS = (
    "id",
    "title",
    "status",
    "priority",
    "team_id",
    "story_points",
    "created_at",
    "completed_at",
    "lead_time_hours",
    "cycle_time_hours",
)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True, slots=True)
class Table:
    """What a report file holds: a title, column names and rows (streamed)."""

    title: str
    columns: tuple[str, ...]
    rows: Iterable[tuple[Any, ...]]
    total: int


class Renderer(Protocol):
    def __call__(self, table: Table, fmt: str) -> Iterator[bytes]:
        """The table as a file of `fmt` (csv, xlsx, pdf), in chunks."""


class ReportQueue(Protocol):
    def enqueue(self, report_id: uuid.UUID) -> None: ...


@dataclass(frozen=True, slots=True)
class ReportRequest:
    actor_id: uuid.UUID
    kind: str
    format: str
    params: Mapping[str, Any]


def _range(params: Mapping[str, Any]) -> RangeArgs:
    def day(name: str) -> date | None:
        value = params.get(name)
        return date.fromisoformat(value) if value else None

    return RangeArgs(first=day("from"), last=day("to"), timezone=params.get("tz"))


def _uuid(params: Mapping[str, Any], name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(params[name]))
    except (KeyError, ValueError) as exc:
        raise InvalidRequest(f"params.{name}", "Must be a UUID.") from exc


class ReportHandlers:
    def __init__(
        self,
        unit_of_work: Callable[[], AnalyticsUnitOfWork],
        queries: AnalyticsQueries,
        store: FileStore,
        render: Renderer,
        queue: Callable[[], ReportQueue],
        clock: Clock,
    ) -> None:
        self._uow = unit_of_work
        self._queries = queries
        self._store = store
        self._render = render
        self._queue = queue
        self._clock = clock

    def request(self, command: ReportRequest) -> Report:
        if command.kind not in KINDS:
            raise InvalidRequest("kind", f"Must be one of: {', '.join(KINDS)}.")
        if command.format not in FORMATS:
            raise InvalidRequest("format", f"Must be one of: {', '.join(FORMATS)}.")
        params = dict(command.params)
        if command.kind == "user_activity":
            params.setdefault("user_id", str(command.actor_id))
        if command.kind == "team_performance" and "team_id" not in params:
            raise InvalidRequest("params.team_id", "A team_performance report names a team.")
        # Refused now (404/422), not later in the job: the checks of the figures' routes.
        try:
            self._table(command.actor_id, command.kind, params)
        except InvalidRequest as exc:
            if exc.field.startswith("params."):
                raise
            raise InvalidRequest(f"params.{exc.field}", exc.message) from exc
        report = Report(
            id=uuid7(),
            owner_id=command.actor_id,
            kind=command.kind,
            format=command.format,
            params=params,
            created_at=self._clock.now(),
        )
        with self._uow() as uow:
            uow.reports.add(report)
            uow.after_commit(lambda: self._queue().enqueue(report.id))
            uow.commit()
        return report

    def get(self, actor_id: uuid.UUID, report_id: uuid.UUID) -> Report:
        with self._uow() as uow:
            report = uow.reports.get(report_id)
        if report is None or report.owner_id != actor_id:
            raise NotVisible("No report with this id is yours")
        return report

    def generate(self, report_id: uuid.UUID) -> str:
        """The job. Idempotent: a finished report is left alone, a running one (its worker
        lost) starts again and overwrites its file."""
        with self._uow() as uow:
            report = uow.reports.get(report_id)
        if report is None or report.finished:
            return "skipped"
        try:
            table = self._table(report.owner_id, report.kind, report.params)
        except (NotVisible, InvalidRequest) as exc:
            # Visibility changed since the request (left the team): nothing to show.
            report.fail(str(exc), self._clock.now())
            self._save(report)
            return report.status
        report.start(table.total)
        self._save(report)

        written = [0]

        def counted() -> Iterator[tuple[Any, ...]]:
            for row in table.rows:
                yield row
                written[0] += 1
                if written[0] % TASK_BATCH == 0:
                    report.advance(written[0])
                    self._save(report)

        key = report.file_name()
        streamed = Table(table.title, table.columns, counted(), table.total)
        self._store.put(
            key, self._render(streamed, report.format), content_type=CONTENT_TYPES[report.format]
        )
        report.finish(key, written[0], self._clock.now())
        self._save(report)
        return report.status

    def expire(self) -> int:
        """Remove the reports (rows and files) past their 7 days; returns how many."""
        with self._uow() as uow:
            expired = uow.reports.expired(self._clock.now(), 500)
            for report in expired:
                if report.file_key:
                    self._store.delete(report.file_key)
                uow.reports.delete(report.id)
            uow.commit()
        return len(expired)

    def _save(self, report: Report) -> None:
        with self._uow() as uow:
            uow.reports.save(report)
            uow.commit()

    def _table(self, actor_id: uuid.UUID, kind: str, params: Mapping[str, Any]) -> Table:
        if kind == "tasks":
            return self._tasks_table(actor_id, params)
        args = _range(params)
        if kind == "team_performance":
            figures = self._queries.team(actor_id, _uuid(params, "team_id"), args)
            title = f"Team performance: {figures['name']}"
        else:
            figures = self._queries.user(actor_id, _uuid(params, "user_id"), args)
            title = "User activity"
        rows = [(d["date"], d["created"], d["completed"]) for d in figures["per_day"]]
        title += f" ({figures['from']} to {figures['to']}, {figures['timezone']})"
        return Table(title, ("date", "created", "completed"), rows, len(rows))

    def _tasks_table(self, actor_id: uuid.UUID, params: Mapping[str, Any]) -> Table:
        with self._uow() as uow:
            actor = uow.figures.actor(actor_id)
            if "team_id" in params:
                team_id = _uuid(params, "team_id")
                if uow.figures.team(team_id) is None or not actor.can_see_team(team_id):
                    raise NotVisible("No team with this id is visible to you")
                scope, scope_id = Scope.TEAM, team_id
            elif actor.sees_everything:
                scope, scope_id = Scope.ALL, ALL
            else:
                scope, scope_id = Scope.USER, actor_id
            total = uow.figures.task_count(scope, scope_id)

        def rows() -> Iterator[tuple[Any, ...]]:
            after: uuid.UUID | None = None
            while True:
                with self._uow() as uow:
                    batch = uow.figures.task_rows(scope, scope_id, after, TASK_BATCH)
                yield from batch
                if len(batch) < TASK_BATCH:
                    return
                after = batch[-1][0]

        return Table("Tasks", TASK_COLUMNS, rows(), total)
