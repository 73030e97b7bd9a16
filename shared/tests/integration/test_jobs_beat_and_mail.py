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
    lost = threading.Event()
    lost.set()
    crashed.keep(lost)  # returns at once: lost already set
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
