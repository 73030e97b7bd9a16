"""One beat per service (a Redis lock), the SMTP adapter against a real SMTP server."""

from __future__ import annotations

import pickle
import threading
import uuid

import pytest
from redis import Redis

from taskhive_shared.jobs.beat import BeatLeadership, beat_lock_name
from taskhive_shared.mail.local_server import LocalSmtpServer
from taskhive_shared.mail.message import MailDeliveryError, OutgoingEmail
from taskhive_shared.mail.smtp import SmtpConfig, SmtpMailer


@pytest.fixture
def redis(redis_url: str) -> Redis:
    return Redis.from_url(redis_url)


def test_a_second_beat_waits_until_the_first_lets_go(redis: Redis) -> None:
    name = beat_lock_name("tasks", f"test-{uuid.uuid4().hex}:")
    first, second = BeatLeadership(redis, name, 5), BeatLeadership(redis, name, 5)
    never = threading.Event()
    assert first.acquire(never)
    give_up = threading.Event()
    threading.Timer(1.5, give_up.set).start()
    assert not second.acquire(give_up)  # standby for 1.5 s, never leading
    first.release()
    assert second.acquire(never)
    second.release()


def test_a_beat_that_stops_renewing_is_replaced_after_its_ttl(redis: Redis) -> None:
    name = beat_lock_name("users", f"test-{uuid.uuid4().hex}:")
    crashed, standby = BeatLeadership(redis, name, 3), BeatLeadership(redis, name, 3)
    never = threading.Event()
    assert crashed.acquire(never)  # and then never renews
    assert standby.acquire(never)
    # The crashed one, renewing again, learns the lock is someone else's now.
    assert crashed.keep(threading.Event()) is False
    standby.release()


def test_smtp_sends_both_parts_and_classifies_failures() -> None:
    with LocalSmtpServer() as server:
        mailer = SmtpMailer(SmtpConfig(server.host, server.port, "Taskhive <t@example.org>"))
        mailer.send(OutgoingEmail("ann@example.org", "Hi", "plain text", "<p>html</p>", "<1@t>"))
        [message] = server.wait_for(1)
        assert message.get_body(("plain",)).get_content().strip() == "plain text"
        assert message.get_body(("html",)).get_content().strip() == "<p>html</p>"
        assert message["Message-ID"] == "<1@t>"
        server.reply = "451 4.3.0 later"
        with pytest.raises(MailDeliveryError) as temporary:
            mailer.send(OutgoingEmail("ann@example.org", "Hi", "x", "<p>x</p>"))
        assert temporary.value.permanent is False
        server.reply = "550 5.1.1 unknown"
        with pytest.raises(MailDeliveryError) as permanent:
            mailer.send(OutgoingEmail("ann@example.org", "Hi", "x", "<p>x</p>"))
        assert permanent.value.permanent is True
    unreachable = SmtpMailer(SmtpConfig("127.0.0.1", server.port, "t@example.org", 2))
    with pytest.raises(MailDeliveryError) as down:
        unreachable.send(OutgoingEmail("ann@example.org", "Hi", "x", "<p>x</p>"))
    assert down.value.permanent is False
    copy = pickle.loads(pickle.dumps(permanent.value))  # noqa: S301 (our own bytes)
    assert copy.permanent is True
    assert str(copy) == str(permanent.value)


def test_a_long_non_ascii_subject_arrives_intact() -> None:
    # Folded by Python 3.11's default policy into encoded words that decode with a changed
    # space (CPython gh-144156).
    words = " ".join(f"word{n}" for n in range(13))
    subject = f"[Taskhive] uxxxxxxxxxx assigned you to “{words}”"
    with LocalSmtpServer() as server:
        mailer = SmtpMailer(SmtpConfig(server.host, server.port, "t@example.org"))
        mailer.send(OutgoingEmail("ann@example.org", subject, "x", "<p>x</p>"))
        [message] = server.wait_for(1)
    assert str(message["Subject"]) == subject


def test_one_connection_carries_many_messages_and_a_dropped_one_is_reopened() -> None:
    with LocalSmtpServer() as server:
        mailer = SmtpMailer(SmtpConfig(server.host, server.port, "t@example.org"))
        for n in range(3):
            mailer.send(OutgoingEmail(f"p{n}@example.org", "Hi", "x", "<p>x</p>"))
        assert len(set(server.peers)) == 1
        smtp = mailer._connection.smtp
        assert smtp is not None
        smtp.close()  # as if the server had dropped it while idle: the next use fails
        mailer.send(OutgoingEmail("late@example.org", "Hi", "x", "<p>x</p>"))
        assert len(server.wait_for(4)) == 4
        assert len(set(server.peers)) == 2
        mailer.close()


def test_a_beat_stopped_by_sigterm_hands_the_lock_over_at_once(redis_url: str, tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    prefix = f"test-{uuid.uuid4().hex}:"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKS_")}
    env.update(
        TASKS_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
        TASKS_JOBS_BROKER_URL=redis_url,
        TASKS_JOBS_KEY_PREFIX=prefix,
    )
    beat = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "tasks-service"),
            "jobs",
            "beat",
            "--schedule-file",
            str(tmp_path / "schedule.db"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    redis = Redis.from_url(redis_url)
    name = beat_lock_name("tasks", prefix)
    try:
        deadline = time.monotonic() + 30
        while not redis.exists(name) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert redis.exists(name), "the beat never took the lock"
        time.sleep(1.0)  # let Celery's beat install its own signal handlers
        beat.send_signal(signal.SIGTERM)
        assert beat.wait(timeout=20) == 0
        assert not redis.exists(name)  # released, not left to expire
    finally:
        if beat.poll() is None:
            beat.kill()
        redis.delete(name)


def test_a_refused_recipient_is_final_only_on_a_5xx() -> None:
    with LocalSmtpServer() as server:
        mailer = SmtpMailer(SmtpConfig(server.host, server.port, "t@example.org"))
        email = OutgoingEmail("ann@example.org", "Hi", "x", "<p>x</p>")
        server.recipient_reply = "450 4.2.0 greylisted, try again later"
        with pytest.raises(MailDeliveryError) as greylisted:
            mailer.send(email)
        assert greylisted.value.permanent is False
        server.recipient_reply = "550 5.1.1 no such user"
        with pytest.raises(MailDeliveryError) as unknown:
            mailer.send(email)
        assert unknown.value.permanent is True
        server.recipient_reply = None
        mailer.send(email)
        assert len(server.wait_for(1)) == 1


def test_the_smtp_password_never_shows_in_a_repr() -> None:
    assert "s3cret" not in repr(SmtpConfig("h", 25, "t@example.org", password="s3cret"))
