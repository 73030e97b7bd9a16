"""The weekly report job against PostgreSQL and real SMTP on loopback: a week's report is made
and e-mailed once, whether the job runs twice or two workers race; a refused delivery is
tried again by the next pass; the link in the e-mail downloads the file."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from analytics_service.adapters.persistence.tables import report_schedule_runs
from analytics_service.application.schedules import ReportSchedules
from analytics_service.bootstrap import AnalyticsRuntime
from analytics_service.domain.schedules import ReportSchedule
from analytics_service.entrypoints.jobs import RUN_REPORT_SCHEDULES
from services.analytics.tests.events import TaskScript, team_event, user_event
from taskhive_shared.events.consumer import Outcome
from taskhive_shared.ids import uuid7
from taskhive_shared.mail.local_server import LocalSmtpServer
from taskhive_shared.mail.smtp import SmtpConfig, SmtpMailer

PARIS = ZoneInfo("Europe/Paris")


def _last_monday_8_in_paris() -> datetime:
    """The last Monday 08:00 in Paris, at least an hour ago (UTC): recent, so that the links
    of reports made then are still valid now."""
    local = datetime.now(PARIS) - timedelta(hours=1)
    day = local.date() - timedelta(days=local.weekday())
    if datetime.combine(day, time(8), PARIS) > local:
        day -= timedelta(days=7)
    return datetime.combine(day, time(8), PARIS).astimezone(UTC)


SLOT = _last_monday_8_in_paris()
PERIOD = SLOT.astimezone(PARIS).date()


@dataclass
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class Team:
    id: uuid.UUID
    manager: uuid.UUID
    member: uuid.UUID
    outsider: uuid.UUID

    @staticmethod
    def address(user_id: uuid.UUID) -> str:
        return f"{user_id}@example.org"


@pytest.fixture
def team(processor: Any) -> Team:
    def deliver(envelope: Any) -> None:
        result = processor.process(json.dumps(envelope.to_dict()).encode())
        assert result.outcome is Outcome.APPLIED, result.reason

    manager, member, outsider, team_id = uuid7(), uuid7(), uuid7(), uuid7()
    for person, role in ((manager, "manager"), (member, "member"), (outsider, "member")):
        event = user_event(person, role=role)
        event.data["email"] = Team.address(person)  # unique (user_event's share a prefix)
        deliver(event)
    deliver(team_event(team_id, [manager, member]))
    task = TaskScript(created_by=member, team_id=str(team_id), story_points=3)
    deliver(task.created(SLOT - timedelta(days=3)))
    deliver(task.moved("done", SLOT - timedelta(days=2)))
    return Team(team_id, manager, member, outsider)


def make_schedule(
    runtime: AnalyticsRuntime, team: Team, *, made: datetime, **fields: Any
) -> ReportSchedule:
    schedule = ReportSchedule(
        id=uuid7(),
        team_id=team.id,
        created_by=team.manager,
        kind=fields.get("kind", "team_performance"),
        format=fields.get("format", "pdf"),
        weekday=fields.get("weekday", SLOT.isoweekday()),
        hour=fields.get("hour", 8),
        timezone=fields.get("timezone", "Europe/Paris"),
        recipient_ids=fields.get("recipient_ids"),
        created_at=made,
        updated_at=made,
    )
    with runtime.unit_of_work() as uow:
        uow.schedules.add(schedule)
        uow.commit()
    return schedule


@pytest.fixture
def job_at(
    analytics_runtime: AnalyticsRuntime,
) -> Callable[[datetime], ReportSchedules]:
    """The job's use case as the runtime builds it, at a chosen time."""
    settings = analytics_runtime.settings

    def link_for(key: str, until: datetime) -> str:
        signer = analytics_runtime.signer
        return signer.sign(key, until=until).url(
            settings.public_base_url.rstrip("/") + "/api/v1/analytics/files/"
        )

    def build(at: datetime) -> ReportSchedules:
        return ReportSchedules(
            analytics_runtime.unit_of_work,
            analytics_runtime.services.reports,
            SmtpMailer(SmtpConfig.from_settings(settings)),
            link_for,
            FixedClock(at),
        )

    return build


def runs_of(runtime: AnalyticsRuntime, schedule: ReportSchedule) -> list[Any]:
    with runtime.engine.connect() as connection:
        return connection.execute(
            sa.select(report_schedule_runs).where(report_schedule_runs.c.schedule_id == schedule.id)
        ).all()


def test_a_week_s_report_is_made_and_mailed_once_and_its_link_downloads_the_file(
    analytics_runtime: AnalyticsRuntime,
    team: Team,
    job_at: Callable[[datetime], ReportSchedules],
    smtp: LocalSmtpServer,
    client: FlaskClient,
) -> None:
    schedule = make_schedule(analytics_runtime, team, made=SLOT - timedelta(days=3))
    before = job_at(SLOT - timedelta(minutes=1))
    before.run_due()
    assert runs_of(analytics_runtime, schedule) == []  # the slot has not come yet

    job = job_at(SLOT + timedelta(minutes=4))
    job.run_due()
    job.run_due()  # the beat fired twice
    job_at(SLOT + timedelta(hours=3)).run_due()  # and again later the same week
    (run,) = runs_of(analytics_runtime, schedule)
    assert (run.period.isoformat(), run.outcome, run.recipients) == (PERIOD.isoformat(), "sent", 1)

    mails = smtp.messages_to(team.address(team.manager))  # the default: the team's managers
    assert len(mails) == 1
    assert smtp.messages_to(team.address(team.member)) == []
    assert "weekly team performance report" in mails[0]["Subject"]
    text = mails[0].get_body(("plain",)).get_content()
    link = next(line for line in text.splitlines() if line.startswith("https://"))
    parts = urlsplit(link)
    download = client.get(f"{parts.path}?{parts.query}")
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF")
    report = analytics_runtime.services.reports.get(team.manager, run.report_id)
    assert report.params == {
        "team_id": str(team.id),
        "from": (PERIOD - timedelta(days=7)).isoformat(),
        "to": (PERIOD - timedelta(days=1)).isoformat(),
        "tz": "Europe/Paris",
    }
    # The link lives as long as the file: its expiry is the report's.
    assert f"expires={int(report.expires_at.timestamp())}" in link

    job_at(SLOT + timedelta(days=7, minutes=1)).run_due()  # the next week: a new report
    assert len(runs_of(analytics_runtime, schedule)) == 2
    assert len(smtp.messages_to(team.address(team.manager))) == 2


def test_two_workers_racing_claim_and_send_a_week_once(
    analytics_runtime: AnalyticsRuntime,
    team: Team,
    job_at: Callable[[datetime], ReportSchedules],
    smtp: LocalSmtpServer,
) -> None:
    recipients = (team.manager, team.member)
    schedule = make_schedule(
        analytics_runtime,
        team,
        made=SLOT - timedelta(days=1),
        format="csv",
        recipient_ids=recipients,
    )
    at = SLOT + timedelta(minutes=1)
    workers = [job_at(at) for _ in range(4)]
    start = threading.Barrier(len(workers))
    claimed: list[int] = []
    sent: list[int] = []
    errors: list[BaseException] = []

    def work(job: ReportSchedules) -> None:
        try:
            start.wait()
            claimed.append(job.claim_due())
            start.wait()
            sent.append(job.deliver_pending())
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(job,)) for job in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(runs_of(analytics_runtime, schedule)) == 1
    assert runs_of(analytics_runtime, schedule)[0].recipients == 2
    for person in recipients:
        assert len(smtp.messages_to(team.address(person))) == 1


def test_a_refused_delivery_stays_unsent_and_the_next_pass_sends_it(
    analytics_runtime: AnalyticsRuntime,
    team: Team,
    job_at: Callable[[datetime], ReportSchedules],
    smtp: LocalSmtpServer,
) -> None:
    schedule = make_schedule(analytics_runtime, team, made=SLOT - timedelta(days=1), format="xlsx")
    job = job_at(SLOT + timedelta(minutes=2))
    smtp.reply = "451 try again later"
    try:
        job.run_due()
    finally:
        smtp.reply = "250 OK"
    (run,) = runs_of(analytics_runtime, schedule)
    assert run.sent_at is None
    assert smtp.messages_to(team.address(team.manager)) == []
    job_at(SLOT + timedelta(minutes=7)).run_due()
    (run,) = runs_of(analytics_runtime, schedule)
    assert run.outcome == "sent"
    assert len(smtp.messages_to(team.address(team.manager))) == 1


def test_people_who_left_the_team_are_not_sent_the_link(
    analytics_runtime: AnalyticsRuntime,
    team: Team,
    job_at: Callable[[datetime], ReportSchedules],
    smtp: LocalSmtpServer,
    processor: Any,
) -> None:
    schedule = make_schedule(
        analytics_runtime,
        team,
        made=SLOT - timedelta(days=1),
        format="csv",
        recipient_ids=(team.manager, team.member),
    )
    left = team_event(team.id, [team.manager], version=2)
    assert processor.process(json.dumps(left.to_dict()).encode()).outcome is Outcome.APPLIED
    job_at(SLOT + timedelta(minutes=1)).run_due()
    assert runs_of(analytics_runtime, schedule)[0].recipients == 1
    assert smtp.messages_to(team.address(team.member)) == []
    assert len(smtp.messages_to(team.address(team.manager))) == 1


def test_the_celery_job_mails_the_link_through_smtp(
    analytics_runtime: AnalyticsRuntime, team: Team, smtp: LocalSmtpServer
) -> None:
    """The beat's task as registered (eager here), on the system clock: a schedule made two
    hours ago whose slot is this hour."""
    now = datetime.now(UTC)
    schedule = make_schedule(
        analytics_runtime,
        team,
        made=now - timedelta(hours=2),
        kind="tasks",
        format="csv",
        weekday=now.isoweekday(),
        hour=now.hour,
        timezone="UTC",
    )
    result = analytics_runtime.jobs_app.tasks[RUN_REPORT_SCHEDULES].apply().get()
    assert result["claimed"] >= 1
    (run,) = runs_of(analytics_runtime, schedule)
    assert run.outcome == "sent"
    (mail,) = smtp.messages_to(team.address(team.manager))
    assert "weekly tasks report" in mail["Subject"]
    assert (
        "https://taskhive.test/api/v1/analytics/files/?key=reports"
        in mail.get_body(("plain",)).get_content()
    )
