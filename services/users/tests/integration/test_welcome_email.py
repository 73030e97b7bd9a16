"""Welcome emails against real PostgreSQL and a real SMTP server on loopback."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from celery.exceptions import Retry
from click.testing import CliRunner

from users_service.adapters.clock import SystemClock
from users_service.application.create_profile import (
    CreateProfileFromRegistration,
    CreateProfileFromRegistrationHandler,
)
from users_service.application.ports import WelcomeStatus
from users_service.application.welcome_email import WelcomeOutcome, welcome_message_id
from users_service.entrypoints.cli import main
from users_service.entrypoints.jobs import (
    PURGE_IDEMPOTENCY_KEYS,
    SEND_PENDING_WELCOME_EMAILS,
    SEND_WELCOME_EMAIL,
)


class _HeldQueue:
    """Keeps the enqueued ids: the test decides when (and how often) the job runs."""

    def __init__(self) -> None:
        self.enqueued: list[uuid.UUID] = []

    def enqueue(self, user_id: uuid.UUID) -> None:
        self.enqueued.append(user_id)


@pytest.fixture
def quiet_profile(users_runtime, new_registration):
    """A profile created by the registration handler whose welcome job is held back."""

    def create(**data: str) -> tuple[uuid.UUID, str]:
        queue = _HeldQueue()
        handler = CreateProfileFromRegistrationHandler(SystemClock(), queue)
        envelope = new_registration(**data)
        with users_runtime.unit_of_work() as uow:
            handler(CreateProfileFromRegistration.from_event_data(envelope.data), uow)
            uow.commit()
        user_id = uuid.UUID(envelope.data["user_id"])
        assert queue.enqueued == [user_id]
        return user_id, envelope.data["email"]

    return create


def _welcome_row(admin_engine, user_id) -> sa.Row | None:
    with admin_engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT * FROM users.welcome_emails WHERE user_id = :id"), {"id": user_id}
        ).first()


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def test_registration_sends_exactly_one_welcome_email(
    users_runtime, new_registration, apply_registration, smtp, admin_engine
):
    envelope = new_registration(first_name="Ada", last_name="<Lovelace>")
    address = envelope.data["email"]
    user_id = uuid.UUID(envelope.data["user_id"])

    apply_registration(envelope)  # the consumer's path: the job runs after the commit

    [message] = smtp.messages_to(address)
    assert message["Subject"] == "Welcome to Taskhive, Ada <Lovelace>"
    assert message["Message-ID"] == welcome_message_id(user_id)
    assert message.get_content_type() == "multipart/alternative"
    text, html = _parts(message)
    assert "Hello Ada <Lovelace>," in text
    assert "https://taskhive.test/" in text
    assert "Hello Ada &lt;Lovelace&gt;," in html  # escaped in HTML only
    assert '<a href="https://taskhive.test/">' in html
    row = _welcome_row(admin_engine, user_id)
    assert (row.status, row.attempts, row.message_id) == ("sent", 1, welcome_message_id(user_id))
    assert row.sent_at is not None

    # A redelivered job, a second run, the same event again: nothing more is sent.
    assert users_runtime.jobs.send_welcome_email(user_id) is WelcomeOutcome.ALREADY_DONE
    users_runtime.jobs_app.tasks[SEND_WELCOME_EMAIL].apply(kwargs={"user_id": str(user_id)})
    apply_registration(new_registration(**envelope.data))
    assert len(smtp.messages_to(address)) == 1


def test_a_concurrent_duplicate_waits_and_sends_nothing(users_runtime, quiet_profile, smtp):
    user_id, address = quiet_profile()
    in_smtp, release = threading.Event(), threading.Event()

    def stall() -> None:
        in_smtp.set()
        release.wait(10)

    smtp.before_accept = stall
    outcomes: list[WelcomeOutcome] = []

    def run() -> None:
        outcomes.append(users_runtime.jobs.send_welcome_email(user_id))

    first = threading.Thread(target=run)
    first.start()
    assert in_smtp.wait(10)
    second = threading.Thread(target=run)
    second.start()
    second.join(0.5)
    assert second.is_alive()  # waits for the first one's row lock
    release.set()
    first.join(10)
    second.join(10)

    assert sorted(outcomes) == sorted([WelcomeOutcome.SENT, WelcomeOutcome.ALREADY_DONE])
    assert len(smtp.messages_to(address)) == 1


def test_a_451_is_retried_and_later_succeeds(users_runtime, quiet_profile, smtp, admin_engine):
    user_id, address = quiet_profile()
    smtp.reply = "451 4.3.0 try again later"
    task = users_runtime.jobs_app.tasks[SEND_WELCOME_EMAIL]

    with pytest.raises(Retry) as retry:  # Celery is asked to run the job again later
        task.apply_async(kwargs={"user_id": str(user_id)})
    assert "MailDeliveryError" in repr(retry.value.exc)
    assert "451" in str(retry.value)
    assert 0 <= retry.value.when <= users_runtime.settings.welcome_email_retry_backoff_seconds
    row = _welcome_row(admin_engine, user_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in row.last_error
    assert smtp.messages_to(address) == []

    smtp.reply = "250 OK"
    assert task.apply_async(kwargs={"user_id": str(user_id)}).result == "sent"
    assert len(smtp.messages_to(address)) == 1
    row = _welcome_row(admin_engine, user_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_a_550_is_recorded_as_failed_without_retry(
    users_runtime, quiet_profile, smtp, admin_engine
):
    user_id, address = quiet_profile()
    smtp.reply = "550 5.1.1 no such mailbox"
    task = users_runtime.jobs_app.tasks[SEND_WELCOME_EMAIL]

    assert task.apply_async(kwargs={"user_id": str(user_id)}).result == "failed"

    row = _welcome_row(admin_engine, user_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in row.last_error
    smtp.reply = "250 OK"
    assert task.apply_async(kwargs={"user_id": str(user_id)}).result == "already_done"
    assert smtp.messages_to(address) == []


def test_a_deactivated_account_gets_no_welcome_email(
    users_runtime, quiet_profile, smtp, admin_engine
):
    user_id, address = quiet_profile()
    with admin_engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE users.profiles SET is_active = false WHERE id = :id"), {"id": user_id}
        )

    assert users_runtime.jobs.send_welcome_email(user_id) is WelcomeOutcome.SKIPPED

    assert _welcome_row(admin_engine, user_id).status == WelcomeStatus.SKIPPED.value
    assert smtp.messages_to(address) == []


def test_the_sweeper_sends_what_a_lost_job_did_not(
    users_runtime, quiet_profile, smtp, admin_engine
):
    lost, lost_address = quiet_profile()
    inactive, inactive_address = quiet_profile()
    young, young_address = quiet_profile()
    with admin_engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE users.profiles SET created_at = now() - interval '1 hour', "
                "is_active = (id = :lost) WHERE id IN (:lost, :inactive)"
            ),
            {"lost": lost, "inactive": inactive},
        )

    swept = users_runtime.jobs_app.tasks[SEND_PENDING_WELCOME_EMAILS].apply().result

    assert swept >= 1
    assert len(smtp.messages_to(lost_address)) == 1
    assert smtp.messages_to(inactive_address) == []
    assert smtp.messages_to(young_address) == []  # its own job is still expected
    assert _welcome_row(admin_engine, young) is None
    users_runtime.jobs.sweep_welcome_emails()
    assert len(smtp.messages_to(lost_address)) == 1


def test_purge_deletes_expired_idempotency_keys_only(users_runtime, users_settings, admin_engine):
    principal = uuid.uuid4()
    now = datetime.now(UTC)
    ttl = timedelta(hours=users_settings.idempotency_key_ttl_hours)
    ages = {"expired": ttl + timedelta(minutes=1), "live": ttl - timedelta(minutes=1)}
    with admin_engine.begin() as connection:
        for key, age in ages.items():
            connection.execute(
                sa.text(
                    "INSERT INTO users.idempotency_keys (principal, key, request_hash, "
                    "created_at) VALUES (:principal, :key, 'h', :at)"
                ),
                {"principal": principal, "key": key, "at": now - age},
            )

    deleted = users_runtime.jobs_app.tasks[PURGE_IDEMPOTENCY_KEYS].apply().result

    assert deleted >= 1
    with admin_engine.connect() as connection:
        left = connection.execute(
            sa.text("SELECT key FROM users.idempotency_keys WHERE principal = :p"),
            {"p": principal},
        ).scalars()
        assert list(left) == ["live"]


def test_cli_lists_the_jobs_with_their_schedules(users_settings):
    result = CliRunner().invoke(
        main, ["jobs", "list"], env={"USERS_DATABASE_URL": users_settings.database_url}
    )
    assert result.exit_code == 0, result.output
    listed = dict(line.split("\t") for line in result.output.splitlines() if "\t" in line)
    assert listed == {
        "purge_idempotency_keys": "<crontab: 30 3 * * * (m/h/dM/MY/d)>",
        "send_pending_welcome_emails": "<crontab: */10 * * * * (m/h/dM/MY/d)>",
        "send_welcome_email": "on demand",
    }
