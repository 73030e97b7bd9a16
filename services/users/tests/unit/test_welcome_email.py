"""Welcome emails: enqueued after the profile's commit, sent once, failures recorded."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from users_unit_fakes import SIGN_IN_URL, UsersHarness

from taskhive_shared.mail.message import MailDeliveryError
from users_service.application.create_profile import CreateProfileFromRegistration
from users_service.application.ports import WelcomeStatus
from users_service.application.welcome_email import WelcomeOutcome, welcome_message_id
from users_service.domain.model import Role


def test_a_new_profile_enqueues_its_welcome_email_only_once_committed(
    harness: UsersHarness,
) -> None:
    command = CreateProfileFromRegistration(
        user_id=uuid.uuid4(),
        username="ann",
        email="ann@example.org",
        first_name="",
        last_name="",
        role=Role.MEMBER,
    )
    with harness.uow() as uow:
        harness.create_profile(command, uow)
        assert harness.welcome_queue.enqueued == []
    assert harness.welcome_queue.enqueued == []  # rolled back: nothing to welcome

    with harness.uow() as uow:
        harness.create_profile(command, uow)
        uow.commit()
    assert harness.welcome_queue.enqueued == [command.user_id]

    with harness.uow() as uow:  # the same registration again creates nothing
        harness.create_profile(command, uow)
        uow.commit()
    assert harness.welcome_queue.enqueued == [command.user_id]


def test_sends_one_email_then_nothing(harness: UsersHarness) -> None:
    user_id = harness.register("ann", first_name="Ann", last_name="Lee")

    assert harness.send_welcome(user_id) is WelcomeOutcome.SENT
    assert harness.send_welcome(user_id) is WelcomeOutcome.ALREADY_DONE

    [email] = harness.mailer.sent
    assert email.to == "Ann Lee <ann@example.org>"
    assert email.subject == "subject Ann Lee"
    assert email.message_id == welcome_message_id(user_id)
    assert SIGN_IN_URL in email.text
    [(name, context)] = harness.renderer.contexts
    assert name == "welcome"
    assert context == {"display_name": "Ann Lee", "username": "ann", "sign_in_url": SIGN_IN_URL}
    row = harness.store.state.welcome[user_id]
    assert (row.status, row.attempts, row.sent_at) == (WelcomeStatus.SENT, 1, harness.clock.now())


def test_a_transient_failure_is_recorded_and_raised_for_a_retry(harness: UsersHarness) -> None:
    user_id = harness.register("ann")
    harness.mailer.failures.append(MailDeliveryError("SMTP 451", permanent=False))

    with pytest.raises(MailDeliveryError):
        harness.send_welcome(user_id)
    row = harness.store.state.welcome[user_id]
    assert (row.status, row.attempts, row.last_error) == (WelcomeStatus.PENDING, 1, "SMTP 451")

    assert harness.send_welcome(user_id) is WelcomeOutcome.SENT
    assert len(harness.mailer.sent) == 1
    assert harness.store.state.welcome[user_id].attempts == 2


def test_a_permanent_failure_is_recorded_and_not_raised(harness: UsersHarness) -> None:
    user_id = harness.register("ann")
    harness.mailer.failures.append(MailDeliveryError("SMTP 550", permanent=True))

    assert harness.send_welcome(user_id) is WelcomeOutcome.FAILED
    assert harness.send_welcome(user_id) is WelcomeOutcome.ALREADY_DONE
    assert harness.mailer.attempts == 1
    row = harness.store.state.welcome[user_id]
    assert (row.status, row.last_error) == (WelcomeStatus.FAILED, "SMTP 550")


def test_gives_up_after_max_attempts(harness: UsersHarness) -> None:
    user_id = harness.register("ann")
    harness.mailer.failures.extend(MailDeliveryError("SMTP 421", permanent=False) for _ in range(3))
    for _ in range(3):
        with pytest.raises(MailDeliveryError):
            harness.send_welcome(user_id)

    assert harness.send_welcome(user_id) is WelcomeOutcome.FAILED
    assert harness.mailer.attempts == 3
    assert harness.store.state.welcome[user_id].last_error.startswith("gave up after 3 attempts")


def test_a_deactivated_account_gets_no_email(harness: UsersHarness) -> None:
    user_id = harness.register("ann")
    harness.store.state.profiles[user_id].is_active = False

    assert harness.send_welcome(user_id) is WelcomeOutcome.SKIPPED
    assert harness.mailer.attempts == 0
    assert harness.store.state.welcome[user_id].status is WelcomeStatus.SKIPPED


def test_an_unknown_profile_sends_nothing_and_records_nothing(harness: UsersHarness) -> None:
    assert harness.send_welcome(uuid.uuid4()) is WelcomeOutcome.NO_PROFILE
    assert harness.store.state.welcome == {}


def test_the_sweeper_enqueues_recent_profiles_without_a_sent_email(harness: UsersHarness) -> None:
    too_old = harness.register("old")
    harness.clock.advance(timedelta(days=7, minutes=1))
    lost = harness.register("lost")
    sent = harness.register("sent")
    stuck = harness.register("stuck")
    failed = harness.register("failed")
    inactive = harness.register("inactive")
    harness.store.state.profiles[inactive].is_active = False
    harness.send_welcome(sent)
    harness.mailer.failures.append(MailDeliveryError("SMTP 451", permanent=False))
    with pytest.raises(MailDeliveryError):
        harness.send_welcome(stuck)
    harness.mailer.failures.append(MailDeliveryError("SMTP 550", permanent=True))
    harness.send_welcome(failed)
    harness.welcome_queue.enqueued.clear()
    harness.clock.advance(timedelta(minutes=31))
    young = harness.register("young")  # still has its own job coming
    harness.welcome_queue.enqueued.clear()

    assert harness.sweep_welcome() == 2

    assert set(harness.welcome_queue.enqueued) == {lost, stuck}
    assert too_old not in harness.welcome_queue.enqueued
    assert young not in harness.welcome_queue.enqueued
