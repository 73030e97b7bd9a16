"""Reports of logged time per task, user or team over a period: JSON, or CSV streamed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

import marshmallow as ma
from flask import Response, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import PRIVATE, authenticated, bearer
from timetracking_service.application.ports import GroupBy, ReportQuery, ReportRow
from timetracking_service.application.services import TimeTrackingServices
from timetracking_service.entrypoints.http.common import PREFIX, caller
from timetracking_service.entrypoints.http.schemas import ReportQuerySchema, ReportSchema

CSV_TYPE = "text/csv"
CSV_COLUMNS = (
    "key",
    "label",
    "entries",
    "total_minutes",
    "billable_minutes",
    "non_billable_minutes",
    "total_hours",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A spreadsheet would run a title starting with `=` as a formula: quoted away."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(rows: Iterable[ReportRow]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: Iterable[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    for row in rows:
        yield line(
            (
                row.key or "",
                _cell(row.label),
                row.entries,
                row.total_minutes,
                row.billable_minutes,
                row.non_billable_minutes,
                f"{row.total_minutes / 60:.2f}",
            )
        )


def row_view(row: ReportRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "entries": row.entries,
        "total_minutes": row.total_minutes,
        "billable_minutes": row.billable_minutes,
        "non_billable_minutes": row.non_billable_minutes,
    }


def wants_csv(args: dict[str, Any]) -> bool:
    if "format" in args:
        return bool(args["format"] == "csv")
    return request.accept_mimetypes.best_match(["application/json", CSV_TYPE]) == CSV_TYPE


def build_reports_blueprint(services: TimeTrackingServices) -> Blueprint:
    blp = Blueprint(
        "time_reports",
        __name__,
        url_prefix=f"{PREFIX}/reports",
        description="Logged time per task, user or team over a period, with CSV export.",
    )
    blp.before_request(authenticated(services.verifier))

    @blp.route("/")
    class Report(MethodView):
        @blp.arguments(ReportQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, ReportSchema)
        @blp.doc(
            responses={
                "200": {
                    "description": "The report (JSON), or the same rows as CSV",
                    "content": {
                        "application/json": {"schema": ReportSchema},
                        CSV_TYPE: {
                            "schema": {
                                "type": "string",
                                "description": "Header " + ",".join(CSV_COLUMNS),
                            }
                        },
                    },
                }
            }
        )
        @problem(blp, 422, "Invalid filters, or a period longer than 366 days")
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """Finished entries with work dates in [`from`, `to`] that the caller may see
            (as in the entry list), one row per task, user or team, biggest first, with the
            billable split. JSON, or CSV (`format=csv` or `Accept: text/csv`), streamed."""
            query = ReportQuery(
                group_by=GroupBy(args["group_by"]),
                date_from=args["date_from"],
                date_to=args["date_to"],
                user_id=args.get("user"),
                task_id=args.get("task"),
                team_id=args.get("team"),
            )
            scope = services.reports.scope(caller(services.verifier), query)
            if wants_csv(args):
                name = f"time-by-{query.group_by}-{query.date_from}-{query.date_to}.csv"
                return Response(
                    stream_with_context(csv_lines(services.reports.rows(scope))),
                    mimetype=CSV_TYPE,
                    headers={
                        **PRIVATE,
                        "Content-Disposition": f'attachment; filename="{name}"',
                    },
                )
            items = [row_view(row) for row in services.reports.rows(scope)]
            totals = {
                name: sum(item[name] for item in items)
                for name in ("entries", "total_minutes", "billable_minutes", "non_billable_minutes")
            }
            body = {
                "group_by": query.group_by.value,
                "date_from": query.date_from,
                "date_to": query.date_to,
                "items": items,
                "totals": totals,
            }
            return body, 200, PRIVATE

    return blp
