"""Reports: logged time per task, user or team over a period, with the billable split.

The same visibility as the entry list (a member: their own entries and those on tasks they
may see; managers and admins: every entry). Finished entries only (a running timer counts
once stopped), each counted whole on its work date. Rows come grouped from the database and
are streamed to the caller (CSV) without being held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from timetracking_service.application.actors import actor_of
from timetracking_service.application.entries import Caller, UnitOfWorkFactory
from timetracking_service.application.ports import ReportQuery, ReportRow, ReportScope
from timetracking_service.domain.errors import ValidationFailed

MAX_REPORT_DAYS = 366
"""A report spans at most a year of work dates (a bigger one is several requests)."""


class Reports:
    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._uow = unit_of_work

    def scope(self, caller: Caller, query: ReportQuery) -> ReportScope:
        """Check the query and who asks (before any row is streamed: errors are answers)."""
        if query.date_to < query.date_from:
            raise ValidationFailed({"to": ["Must not come before `from`."]})
        if query.date_to - query.date_from >= timedelta(days=MAX_REPORT_DAYS):
            raise ValidationFailed({"to": [f"A report spans at most {MAX_REPORT_DAYS} days."]})
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
        return ReportScope(query, actor.user_id, actor.is_manager, actor.team_ids)

    def rows(self, scope: ReportScope) -> Iterator[ReportRow]:
        """The groups, biggest total first, read in a transaction of their own."""
        with self._uow() as uow:
            yield from uow.entries.report(scope)
