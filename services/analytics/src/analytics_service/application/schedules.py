"""Weekly team reports sent by e-mail as a link (issue 14).

Managing schedules: the team's managers and admins (others: 403; a schedule of a team the
caller may not manage: 404). Recipients are the team's managers at sending time, or people
named explicitly, each of whom must be allowed to see the team's figures.

The beat job (`run_due`) works in two passes, each safe to run twice or in two workers at once:
1. *claim*: for each schedule whose week's slot has passed, one transaction inserts the run
   row (schedule, period) — the primary key lets exactly one claim win — and the report row;
2. *deliver*: each claimed, unsent run is locked (`FOR UPDATE SKIP LOCKED`: a second worker
   takes another run or none), its report generated (idempotent), the link e-mailed to every
   recipient and the run marked sent in that same transaction. A crash before the commit
   leaves it unsent: the next pass sends again with the same Message-ID per recipient.

The link is the file's own signed download link, valid as long as the file (7 days): the
recipients need no session, and a link cannot outlive the file it names.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from analytics_service.application.ports import AnalyticsUnitOfWork, Clock
from analytics_service.application.queries import known_zones
from analytics_service.application.reports import ReportHandlers
from analytics_service.domain.errors import Forbidden, InvalidRequest, NotVisible, StaleVersion
from analytics_service.domain.reports import Report, ReportStatus
from analytics_service.domain.schedules import (
    CATCH_UP,
    Person,
    ReportSchedule,
    ScheduleRun,
    may_schedule,
)
from analytics_service.domain.visibility import Actor
from taskhive_shared.ids import uuid7
from taskhive_shared.mail.message import MailDeliveryError, Mailer, OutgoingEmail

logger = logging.getLogger(__name__)

MAX_RECIPIENTS = 50
FIELDS = ("kind", "format", "weekday", "hour", "timezone", "recipient_ids")
KIND_TITLES = {"team_performance": "team performance", "tasks": "tasks"}

LinkFor = Callable[[str, datetime], str]
"""(file key, valid until) → an absolute signed download URL."""


@dataclass(frozen=True, slots=True)
class RunOutcome:
    claimed: int
    sent: int
    """Runs delivered (their e-mails handed to SMTP) by this pass."""


class ReportSchedules:
    def __init__(
        self,
        unit_of_work: Callable[[], AnalyticsUnitOfWork],
        reports: ReportHandlers,
        mailer: Mailer,
        link_for: LinkFor,
        clock: Clock,
    ) -> None:
        self._uow = unit_of_work
        self._reports = reports
        self._mailer = mailer
        self._link_for = link_for
        self._clock = clock

    # --- the API -----------------------------------------------------------------------------

    def create(self, actor_id: uuid.UUID, fields: Mapping[str, Any]) -> ReportSchedule:
        now = self._clock.now()
        with self._uow() as uow:
            actor = uow.figures.actor(actor_id)
            team_id: uuid.UUID = fields["team_id"]
            if uow.figures.team(team_id) is None:
                raise NotVisible("No team with this id")
            if not may_schedule(actor, team_id):
                raise Forbidden("Only the team's managers and admins schedule its reports")
            schedule = ReportSchedule(
                id=uuid7(),
                team_id=team_id,
                created_by=actor_id,
                kind=fields["kind"],
                format=fields["format"],
                weekday=fields["weekday"],
                hour=fields.get("hour", 8),
                timezone=fields.get("timezone") or actor.timezone,
                recipient_ids=_ids(fields.get("recipient_ids")),
                created_at=now,
                updated_at=now,
            )
            self._check(uow, schedule)
            uow.schedules.add(schedule)
            uow.commit()
        return schedule

    def page(
        self, actor_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[ReportSchedule]:
        with self._uow() as uow:
            actor = uow.figures.actor(actor_id)
            _staff(actor)
            teams = None if actor.role == "admin" else actor.team_ids
            return uow.schedules.page(teams, after, limit)

    def get(self, actor_id: uuid.UUID, schedule_id: uuid.UUID) -> ReportSchedule:
        with self._uow() as uow:
            return self._visible(uow, uow.figures.actor(actor_id), schedule_id)

    def update(
        self,
        actor_id: uuid.UUID,
        schedule_id: uuid.UUID,
        expected: int | None,
        fields: Mapping[str, Any],
    ) -> ReportSchedule:
        with self._uow() as uow:
            current = self._visible(uow, uow.figures.actor(actor_id), schedule_id)
            if expected is not None and expected != current.version:
                raise StaleVersion("If-Match names an older version of this schedule")
            changes = {name: fields[name] for name in FIELDS if name in fields}
            if "recipient_ids" in changes:
                changes["recipient_ids"] = _ids(changes["recipient_ids"])
            # A changed slot counts from now: no report for a slot that passed before.
            updated = replace(
                current, **changes, updated_at=self._clock.now(), version=current.version + 1
            )
            self._check(uow, updated)
            if not uow.schedules.save(updated, current.version):
                raise StaleVersion("The schedule changed meanwhile; read it again")
            uow.commit()
        return updated

    def delete(self, actor_id: uuid.UUID, schedule_id: uuid.UUID, expected: int | None) -> None:
        with self._uow() as uow:
            current = self._visible(uow, uow.figures.actor(actor_id), schedule_id)
            if expected is not None and expected != current.version:
                raise StaleVersion("If-Match names an older version of this schedule")
            uow.schedules.delete(schedule_id, expected)
            uow.commit()

    def next_run_at(self, schedule: ReportSchedule) -> datetime:
        return schedule.next_run_at(self._clock.now())

    def _visible(
        self, uow: AnalyticsUnitOfWork, actor: Actor, schedule_id: uuid.UUID
    ) -> ReportSchedule:
        _staff(actor)
        schedule = uow.schedules.get(schedule_id)
        if schedule is None or not may_schedule(actor, schedule.team_id):
            raise NotVisible("No report schedule of your teams has this id")
        return schedule

    @staticmethod
    def _check(uow: AnalyticsUnitOfWork, schedule: ReportSchedule) -> None:
        if schedule.timezone not in known_zones():
            raise InvalidRequest("timezone", "Unknown IANA time zone.", in_body=True)
        if schedule.recipient_ids is None:
            return
        if len(schedule.recipient_ids) > MAX_RECIPIENTS:
            raise InvalidRequest(
                "recipient_ids", f"At most {MAX_RECIPIENTS} recipients.", in_body=True
            )
        allowed = {
            person.id
            for person in uow.figures.people(schedule.recipient_ids)
            if person.may_receive(schedule.team_id)
        }
        refused = [str(i) for i in schedule.recipient_ids if i not in allowed]
        if refused:
            raise InvalidRequest(
                "recipient_ids",
                "Not users who may see this team's figures: " + ", ".join(refused),
                in_body=True,
            )

    # --- the beat job ------------------------------------------------------------------------

    def run_due(self) -> RunOutcome:
        return RunOutcome(claimed=self.claim_due(), sent=self.deliver_pending())

    def claim_due(self) -> int:
        now = self._clock.now()
        with self._uow() as uow:
            schedules = uow.schedules.everything()
        return sum(self._claim(schedule, now) for schedule in schedules)

    def _claim(self, schedule: ReportSchedule, now: datetime) -> int:
        period = schedule.due_period(now)
        if period is None:
            return 0
        report = Report(
            id=uuid7(),
            owner_id=schedule.created_by,
            kind=schedule.kind,
            format=schedule.format,
            params=schedule.report_params(period),
            created_at=now,
        )
        with self._uow() as uow:
            # Waits for a concurrent claim of the same week to commit, then loses to it.
            if not uow.schedules.claim_run(ScheduleRun(schedule.id, period, report.id, now)):
                return 0
            uow.reports.add(report)
            uow.commit()
        return 1

    def deliver_pending(self) -> int:
        """Deliver every claimed run not yet sent (those of the last day)."""
        since = self._clock.now() - CATCH_UP
        sent = 0
        failed: list[ScheduleRun] = []
        while True:
            with self._uow() as uow:
                run = uow.schedules.next_unsent(since, failed)
                if run is None:
                    return sent
                try:
                    outcome, count = self._deliver(uow, run)
                except MailDeliveryError:
                    # Kept unsent (rolled back): the next pass tries again.
                    logger.exception("scheduled report e-mail failed", extra={"run": str(run)})
                    failed.append(run)
                    continue
                uow.schedules.mark_sent(run, self._clock.now(), outcome, count)
                uow.commit()
                sent += outcome == "sent"

    def _deliver(self, uow: AnalyticsUnitOfWork, run: ScheduleRun) -> tuple[str, int]:
        schedule = uow.schedules.get(run.schedule_id)
        team = uow.figures.team(schedule.team_id) if schedule else None
        if schedule is None or team is None:
            return "team_gone", 0
        self._reports.generate(run.report_id)
        report = uow.reports.get(run.report_id)
        if report is None or report.status != ReportStatus.DONE or not report.file_key:
            return "report_failed", 0
        recipients = self._recipients(uow, schedule)
        link = self._link_for(report.file_key, report.expires_at)
        for person in recipients:
            self._send(person, schedule, team.name, run, report, link)
        return "sent", len(recipients)

    @staticmethod
    def _recipients(uow: AnalyticsUnitOfWork, schedule: ReportSchedule) -> list[Person]:
        if schedule.recipient_ids is None:
            people = uow.figures.team_managers(schedule.team_id)
        else:
            people = uow.figures.people(schedule.recipient_ids)
        # Checked again now: someone who left the team or was deactivated gets nothing.
        return sorted(
            (p for p in people if p.email and p.may_receive(schedule.team_id)),
            key=lambda p: p.id,
        )

    def _send(
        self,
        person: Person,
        schedule: ReportSchedule,
        team_name: str,
        run: ScheduleRun,
        report: Report,
        link: str,
    ) -> None:
        what = KIND_TITLES[schedule.kind]
        until = f"{report.expires_at:%Y-%m-%d %H:%M} UTC"
        text = (
            f"The weekly {what} report of {team_name} ({run.period.isoformat()}) is ready.\n\n"
            f"Download it ({report.format.upper()}, {report.rows} rows) until {until}:\n"
            f"{link}\n"
        )
        page = (
            f"<p>The weekly {html.escape(what)} report of <strong>{html.escape(team_name)}"
            f"</strong> ({run.period.isoformat()}) is ready.</p>"
            f'<p><a href="{html.escape(link)}">Download it</a> ({report.format.upper()}, '
            f"{report.rows} rows) until {until}.</p>"
        )
        try:
            self._mailer.send(
                OutgoingEmail(
                    to=str(person.email),
                    subject=f"Taskhive: {team_name}, weekly {what} report, {run.period}",
                    text=text,
                    html=page,
                    # The same per run and person: a resend after a crash folds into one.
                    message_id=f"<report-{run.schedule_id}-{run.period}-{person.id}@taskhive>",
                )
            )
        except MailDeliveryError as exc:
            if not exc.permanent:
                raise
            logger.warning("scheduled report refused for a recipient", extra={"to": person.id})


def _staff(actor: Actor) -> None:
    if actor.role not in ("manager", "admin"):
        raise Forbidden("Only managers and admins schedule team reports")


def _ids(values: Any) -> tuple[uuid.UUID, ...] | None:
    return None if values is None else tuple(dict.fromkeys(values))
