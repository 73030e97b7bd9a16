"""InMemoryTokenDenylist: a jti, or a whole session, is refused until its tokens would have
expired anyway."""

from __future__ import annotations

import types

import pytest

from taskhive_shared.security import denylist as denylist_module
from taskhive_shared.security.denylist import InMemoryTokenDenylist


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock(1_700_000_000.0)
    monkeypatch.setattr(denylist_module, "time", types.SimpleNamespace(time=fake.time))
    return fake


def test_a_denied_jti_is_denied_until_it_expires(clock: _Clock) -> None:
    denylist = InMemoryTokenDenylist()
    denylist.deny("jti-1", 1_700_000_900)
    assert denylist.is_denied("jti-1")
    clock.now = 1_700_000_899.5
    assert denylist.is_denied("jti-1")
    clock.now = 1_700_000_900.0
    assert not denylist.is_denied("jti-1")


def test_other_jtis_are_not_denied(clock: _Clock) -> None:
    denylist = InMemoryTokenDenylist()
    denylist.deny("jti-1", 1_700_000_900)
    assert not denylist.is_denied("jti-2")
    assert not denylist.is_denied("")


def test_denying_an_already_expired_token_has_no_effect(clock: _Clock) -> None:
    denylist = InMemoryTokenDenylist()
    denylist.deny("old", 1_699_999_999)
    assert not denylist.is_denied("old")


def test_expired_entries_are_purged_on_the_next_deny(clock: _Clock) -> None:
    denylist = InMemoryTokenDenylist()
    denylist.deny("a", 1_700_000_010)
    denylist.deny("b", 1_700_001_000)
    clock.now = 1_700_000_500
    denylist.deny("c", 1_700_002_000)
    assert set(denylist._expiry) == {"jti:b", "jti:c"}
    assert denylist.is_denied("b")
    assert denylist.is_denied("c")
    assert not denylist.is_denied("a")


def test_a_denied_session_denies_every_token_that_names_it(clock: _Clock) -> None:
    denylist = InMemoryTokenDenylist()
    denylist.deny_sessions(["sid-1", "sid-2"], 1_700_000_900)
    assert denylist.is_denied("any-jti", "sid-1")
    assert denylist.is_denied("other-jti", "sid-2")
    assert not denylist.is_denied("any-jti", "sid-3")
    assert not denylist.is_denied("any-jti")
    clock.now = 1_700_000_900.0
    assert not denylist.is_denied("any-jti", "sid-1")


def test_a_session_id_never_matches_a_jti(clock: _Clock) -> None:
    denylist = InMemoryTokenDenylist()
    denylist.deny("same", 1_700_000_900)
    denylist.deny_sessions(["other"], 1_700_000_900)
    assert denylist.is_denied("same", None)
    assert not denylist.is_denied("x", "same")
    assert not denylist.is_denied("other")


def test_real_clock_smoke() -> None:
    import time

    denylist = InMemoryTokenDenylist()
    denylist.deny("live", int(time.time()) + 60)
    denylist.deny("dead", int(time.time()) - 1)
    assert denylist.is_denied("live")
    assert not denylist.is_denied("dead")
