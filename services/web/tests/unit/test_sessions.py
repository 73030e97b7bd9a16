"""Sessions: sign-in rotates the id, tokens stay server-side, refresh is single-flight."""

from __future__ import annotations

import pytest

from services.web.tests.unit.fakes import FakeTransport, json_response, problem, token_body
from web_service.adapters.memory_store import InMemorySessionStore
from web_service.application.api import Api
from web_service.application.errors import ApiError, SignedOut
from web_service.application.sessions import Caller, SessionManager
from web_service.domain.session import WebSession, storage_key


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> InMemorySessionStore:
    return InMemorySessionStore()


@pytest.fixture
def manager(store: InMemorySessionStore, transport: FakeTransport, clock: Clock) -> SessionManager:
    transport.on("POST", "/api/v1/auth/login", json_response(200, token_body("1")))
    transport.on(
        "GET",
        "/api/v1/users/me",
        json_response(200, {"display_name": "Ann Lee", "timezone": "Europe/Paris"}),
    )
    return SessionManager(store, transport, idle_seconds=3600, clock=clock)


def test_sign_in_starts_a_new_session_and_keeps_tokens_server_side(
    manager: SessionManager, store: InMemorySessionStore, transport: FakeTransport
) -> None:
    anonymous = WebSession.new()
    manager.save(anonymous)
    session = manager.sign_in(anonymous, "ann", "pw", Caller(client_ip="10.0.0.7"))
    assert session.id != anonymous.id  # no session fixation
    assert manager.load(anonymous.id)[0] is None
    assert session.user is not None
    assert (session.user.display_name, session.user.timezone) == ("Ann Lee", "Europe/Paris")
    stored = store.get("web:session:" + storage_key(session.id))
    assert stored is not None
    assert stored["tokens"]["access_token"] == "access-1"
    assert store.get("web:session:" + session.id) is None  # the store never sees the raw id
    assert transport.sent[0].client_ip == "10.0.0.7"


def test_wrong_password_raises_the_problem(
    manager: SessionManager, transport: FakeTransport
) -> None:
    transport.on("POST", "/api/v1/auth/login", problem(401, "Unauthorized"))
    with pytest.raises(ApiError) as raised:
        manager.sign_in(WebSession.new(), "ann", "bad", Caller())
    assert raised.value.status == 401


def test_an_expiring_access_token_is_refreshed_first(
    manager: SessionManager, transport: FakeTransport, clock: Clock
) -> None:
    session = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    transport.on("POST", "/api/v1/auth/refresh", json_response(200, token_body("2")))
    assert manager.access_token(session, Caller()) == "access-1"
    clock.now += 900 - 10  # inside the margin before expiry
    assert manager.access_token(session, Caller()) == "access-2"
    assert transport.sent[-1].json == {"refresh_token": "refresh-1"}
    reloaded, _ = manager.load(session.id)
    assert reloaded is not None
    assert reloaded.tokens is not None
    assert reloaded.tokens.refresh_token == "refresh-2"


def test_a_concurrent_refresh_is_adopted_not_repeated(
    manager: SessionManager, transport: FakeTransport, clock: Clock
) -> None:
    """A spent refresh token presented twice would revoke the whole sign-in."""
    session = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    other_request = manager.load(session.id)[0]
    assert other_request is not None
    transport.on("POST", "/api/v1/auth/refresh", json_response(200, token_body("2")))
    clock.now += 895
    manager.refresh(other_request, Caller(), "access-1")
    refreshes = transport.paths("POST").count("/api/v1/auth/refresh")
    manager.refresh(session, Caller(), "access-1")  # this request still holds the old token
    assert transport.paths("POST").count("/api/v1/auth/refresh") == refreshes
    assert session.tokens is not None
    assert session.tokens.access_token == "access-2"


def test_a_refused_refresh_signs_the_session_out(
    manager: SessionManager, transport: FakeTransport, clock: Clock
) -> None:
    session = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    transport.on("POST", "/api/v1/auth/refresh", problem(401, "Unauthorized"))
    clock.now += 2000
    with pytest.raises(SignedOut):
        manager.access_token(session, Caller())
    reloaded = manager.load(session.id)[0]
    assert reloaded is not None
    assert not reloaded.signed_in


def test_a_401_is_retried_once_after_a_refresh(
    manager: SessionManager, transport: FakeTransport
) -> None:
    session = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    transport.on("POST", "/api/v1/auth/refresh", json_response(200, token_body("2")))
    transport.on(
        "GET",
        "/api/v1/tasks/",
        lambda r: (
            json_response(200, {"items": []})
            if r.token == "access-2"
            else problem(401, "Unauthorized")
        ),
    )
    api = Api(transport, manager, session, Caller())
    assert api.get("/api/v1/tasks/") == {"items": []}


def test_sign_out_revokes_the_tokens_and_forgets_the_session(
    manager: SessionManager, transport: FakeTransport
) -> None:
    session = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    transport.on("POST", "/api/v1/auth/logout", json_response(204))
    fresh = manager.sign_out(session, Caller())
    logout = transport.sent[-1]
    assert (logout.path, logout.token, logout.json) == (
        "/api/v1/auth/logout",
        "access-1",
        {"refresh_token": "refresh-1"},
    )
    assert manager.load(session.id)[0] is None
    assert not fresh.signed_in
    assert fresh.id != session.id


def test_store_entries_expire(store: InMemorySessionStore) -> None:
    now = [0.0]
    expiring = InMemorySessionStore(clock=lambda: now[0])
    expiring.set("k", {"a": 1}, ttl_seconds=10)
    assert expiring.get("k") == {"a": 1}
    now[0] = 11
    assert expiring.get("k") is None
    with store.lock("l", 0.1) as held:
        assert held
        with store.lock("l", 0.05) as second:
            assert not second


def test_the_directory_names_people_and_remembers_misses(
    manager: SessionManager, transport: FakeTransport
) -> None:
    from web_service.application.directory import Directory

    session = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    known = "0193aaaa-0000-7000-8000-0000000000b0"
    unknown = "0194bbbb-0000-7000-8000-000000000001"
    transport.on(
        "GET",
        f"/api/v1/users/{known}",
        json_response(200, {"id": known, "username": "bob", "display_name": "Bob Lee"}),
    )
    directory = Directory(ttl_seconds=60)
    api = Api(transport, manager, session, Caller())
    assert {k: p.display_name for k, p in directory.people(api, [known, unknown]).items()} == {
        known: "Bob Lee"
    }
    calls = len(transport.sent)
    assert directory.people(api, [known, unknown])[known].username == "bob"
    assert len(transport.sent) == calls  # both answers, the miss included, were remembered


def test_a_request_ending_never_writes_back_tokens_another_request_replaced(
    manager: SessionManager, transport: FakeTransport, clock: Clock
) -> None:
    """Request A (a page) loads the session; request B (another tab) refreshes; A then saves
    its flash: the stored tokens must stay B's, or the spent refresh token comes back."""
    session = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    request_a = manager.load(session.id)[0]
    request_b = manager.load(session.id)[0]
    assert request_a is not None
    assert request_b is not None
    transport.on("POST", "/api/v1/auth/refresh", json_response(200, token_body("2")))
    clock.now += 895
    manager.access_token(request_b, Caller())
    request_a.flash("Comment posted.")
    manager.save_after_request(request_a)
    stored = manager.load(session.id)[0]
    assert stored is not None
    assert stored.tokens is not None
    assert stored.tokens.refresh_token == "refresh-2"
    assert stored.flashes == [("info", "Comment posted.")]


def test_sign_out_with_an_expired_access_token_refreshes_it_to_revoke_the_family(
    manager: SessionManager, transport: FakeTransport, clock: Clock
) -> None:
    session = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    clock.now += 3 * 3600  # idle for hours: the access token is long expired
    transport.on("POST", "/api/v1/auth/refresh", json_response(200, token_body("2")))
    transport.on("POST", "/api/v1/auth/logout", json_response(204))
    manager.sign_out(session, Caller())
    logout = transport.sent[-1]
    assert (logout.path, logout.token) == ("/api/v1/auth/logout", "access-2")
    assert logout.json == {"refresh_token": "refresh-2"}


def test_signing_in_again_logs_the_earlier_sign_in_out(
    manager: SessionManager, transport: FakeTransport
) -> None:
    first = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    transport.on("POST", "/api/v1/auth/logout", json_response(204))
    manager.sign_in(first, "ann", "pw", Caller())
    assert "/api/v1/auth/logout" in transport.paths("POST")
    assert manager.load(first.id)[0] is None


def test_anonymous_sessions_expire_soon_and_signed_in_ones_after_the_idle_time(
    transport: FakeTransport, clock: Clock
) -> None:
    transport.on("POST", "/api/v1/auth/login", json_response(200, token_body("1")))
    transport.on("GET", "/api/v1/users/me", json_response(200, {}))
    store = InMemorySessionStore(clock=clock)
    manager = SessionManager(store, transport, idle_seconds=3600, clock=clock)
    anonymous = WebSession.new()
    manager.save(anonymous)
    signed_in = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    clock.now += 1800
    assert manager.load(anonymous.id)[0] is None
    assert manager.load(signed_in.id)[0] is not None


def test_a_write_back_during_a_refresh_is_skipped_not_allowed_to_undo_it(
    transport: FakeTransport, clock: Clock
) -> None:
    transport.on("POST", "/api/v1/auth/login", json_response(200, token_body("1")))
    transport.on("GET", "/api/v1/users/me", json_response(200, {}))
    store = InMemorySessionStore()
    manager = SessionManager(store, transport, idle_seconds=3600, clock=clock, lock_seconds=0.05)
    session = manager.sign_in(WebSession.new(), "ann", "pw", Caller())
    stale_copy = manager.load(session.id)[0]
    assert stale_copy is not None
    with store.lock("web:session-lock:" + storage_key(session.id), 1.0):  # a refresh runs
        rotated = manager.load(session.id)[0]
        assert rotated is not None
        rotated.tokens = manager._tokens(token_body("2"))
        manager.save(rotated)
        stale_copy.flash("saved?")
        manager.save_after_request(stale_copy)  # cannot take the lock: must not write
    stored = manager.load(session.id)[0]
    assert stored is not None
    assert stored.tokens is not None
    assert stored.tokens.refresh_token == "refresh-2"
    assert stored.flashes == []
