"""The weekly overtime e-mail: each manager (and admin) gets the overtime of their teams'
members for the past week, once (a row per manager and week, claimed in the transaction that
sends it: a failed send is retried by the next run)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from taskhive_shared.mail.message import Mailer, OutgoingEmail
from timetracking_service.application.entries import UnitOfWorkFactory, zone_of
from timetracking_service.application.ports import Clock
from timetracking_service.application.timesheets import Timesheets
from timetracking_service.domain.calendar import iso_week_of, week_start


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d}"


class OvertimeReports:
    def __init__(
        self, unit_of_work: UnitOfWorkFactory, clock: Clock, timesheets: Timesheets, mailer: Mailer
    ) -> None:
        self._uow = unit_of_work
        self._clock = clock
        self._timesheets = timesheets
        self._mailer = mailer

    def last_week(self) -> date:
        return week_start(self._clock.now().date()) - timedelta(days=7)

    def send(self, monday: date | None = None) -> int:
        """E-mails sent for the week starting `monday` (default: last week)."""
        monday = monday or self.last_week()
        with self._uow() as uow:
            managers = sorted(uow.members.managers(), key=lambda m: m.user_id)
        return sum(self._send_one(manager.user_id, monday) for manager in managers)

    def _send_one(self, manager_id: uuid.UUID, monday: date) -> int:
        with self._uow() as uow:
            manager = uow.members.get(manager_id)
            if manager is None or not manager.team_ids:
                return 0
            members = {
                member.user_id: member
                for team in sorted(manager.team_ids)
                for member in uow.members.of_team(team)
                if member.user_id != manager.user_id
            }
            owners = sorted(members)
            views = self._timesheets.views(uow, owners, monday, zone_of(manager))
            lines = [
                f"- {members[view.sheet.user_id].display_name}: "
                f"{_hours(view.balance.overtime_minutes)} over "
                f"{_hours(view.balance.expected_minutes)} expected"
                for view in views
                if view.balance.overtime_minutes > 0
            ]
            if not lines or not uow.overtime_reports.claim(
                manager.user_id, monday, self._clock.now()
            ):
                return 0
            week = iso_week_of(monday)
            text = f"Overtime in your teams, week {week}:\n\n" + "\n".join(lines) + "\n"
            self._mailer.send(
                OutgoingEmail(
                    to=manager.email,
                    subject=f"Taskhive: overtime in your teams, {week}",
                    text=text,
                    html="<pre>" + text.replace("&", "&amp;").replace("<", "&lt;") + "</pre>",
                )
            )
            uow.commit()
            return 1
