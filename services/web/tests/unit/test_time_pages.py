"""Time pages over a fake API (ADR 0022): the running timer in the header and on the task,
my week with its entries and submit, a manager's team week with approve and reject."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.web.tests.unit.fakes import FakeTransport, json_response, problem, token_body
from services.web.tests.unit.test_app import (  # noqa: F401
    TASK_ID,
    app,
    client,
    csrf,
    detail_parts,
    sign_in,
)
from services.web.tests.unit.test_weeks_and_grids import sheet
from web_service.domain.weeks import IsoWeek

ME = token_body()["user"]["id"]
BOB = "0193aaaa-0000-7000-8000-0000000000b0"
TEAM = "0194cccc-0000-7000-8000-000000000001"
ENTRY = "0194eeee-0000-7000-8000-000000000001"
WEEK = "2026-W49"
EMPTY_PAGE = {"items": [], "next_cursor": None}


def _running(started: datetime) -> dict[str, Any]:
    return {
        "running": {
            "id": ENTRY,
            "task_id": TASK_ID,
            "user_id": ME,
            "started_at": started.isoformat(),
            "running": True,
        }
    }


@pytest.fixture
def signed_in(client: FlaskClient, transport: FakeTransport) -> FlaskClient:  # noqa: F811
    sign_in(client)
    return client


def _week_reads(transport: FakeTransport, **overrides: Any) -> list[Any]:
    """The reads of a timesheet page; returns the list the entries' requests go into."""
    asked: list[Any] = []
    transport.on(
        "GET",
        "/api/v1/time/timesheets/",
        lambda r: asked.append(r) or json_response(200, sheet(**overrides)),
    )
    entry = {
        "id": ENTRY,
        "task_id": TASK_ID,
        "user_id": ME,
        "work_date": "2026-12-01",
        "started_at": None,
        "ended_at": None,
        "duration_minutes": 45,
        "running": False,
        "note": "deploy",
        "billable": True,
        "source": "manual",
        "version": 4,
    }
    transport.on(
        "GET",
        "/api/v1/time/entries/",
        lambda r: asked.append(r) or json_response(200, {"items": [entry], "next_cursor": None}),
    )
    return asked


def test_the_header_shows_the_running_timer_on_every_page(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    started = datetime.now(UTC) - timedelta(minutes=75, seconds=10)
    transport.on("GET", "/api/v1/time/timer/", json_response(200, _running(started)))
    page = signed_in.get("/tasks").get_data(as_text=True)
    assert 'class="header-timer"' in page
    assert "Ship release" in page  # the task's title, asked once
    assert ">1:15</time>" in page
    assert 'action="/time/timer/stop"' in page
    assert 'name="next" value="/tasks"' in page
    signed_in.get("/tasks")
    assert transport.paths("GET").count(f"/api/v1/tasks/{TASK_ID}") == 1  # the title was kept
    transport.on("GET", "/api/v1/time/timer/", json_response(200, {"running": None}))
    assert "header-timer" not in signed_in.get("/tasks").get_data(as_text=True)


def test_a_page_survives_time_tracking_being_down(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("GET", "/api/v1/time/timer/", problem(503, "Service Unavailable"))
    response = signed_in.get("/tasks")
    assert response.status_code == 200
    assert "header-timer" not in response.get_data(as_text=True)


def test_error_pages_do_not_ask_for_the_timer(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("GET", "/api/v1/time/timer/", json_response(200, _running(datetime.now(UTC))))
    before = transport.paths("GET").count("/api/v1/time/timer/")
    assert signed_in.get("/time/entries/nope/edit").status_code == 404
    assert transport.paths("GET").count("/api/v1/time/timer/") == before


def test_start_and_stop_a_timer_from_the_task_page(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    detail_parts(transport)
    transport.on("GET", "/api/v1/time/timer/", json_response(200, {"running": None}))
    page = signed_in.get(f"/tasks/{TASK_ID}").get_data(as_text=True)
    assert "Start timer" in page
    assert 'action="/time/timer/start"' in page
    assert 'action="/time/entries"' in page  # log time right there
    starts: list[Any] = []
    transport.on(
        "POST",
        "/api/v1/time/timer/start",
        lambda r: starts.append(r.json) or json_response(201, {}),
    )
    token = csrf(signed_in, f"/tasks/{TASK_ID}")
    back = f"/tasks/{TASK_ID}#time"
    response = signed_in.post(
        "/time/timer/start", data={"csrf_token": token, "task_id": TASK_ID, "next": back}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == back
    assert starts == [{"task_id": TASK_ID}]
    transport.on("GET", "/api/v1/time/timer/", json_response(200, _running(datetime.now(UTC))))
    page = signed_in.get(f"/tasks/{TASK_ID}").get_data(as_text=True)
    assert "Timer started." in page
    assert "Your timer runs on this task" in page
    assert "Start timer" not in page
    transport.on(
        "POST",
        "/api/v1/time/timer/stop",
        json_response(200, {"task_id": TASK_ID, "duration_minutes": 95}),
    )
    response = signed_in.post("/time/timer/stop", data={"csrf_token": token, "next": "//evil"})
    assert response.headers["Location"] == "/time"  # never off-site
    transport.on("GET", "/api/v1/time/timer/", json_response(200, {"running": None}))
    transport.on("GET", "/api/v1/time/timesheets/", json_response(200, sheet()))
    transport.on("GET", "/api/v1/time/entries/", json_response(200, EMPTY_PAGE))
    assert "Timer stopped: 1:35 logged on “Ship release”." in signed_in.get("/time").get_data(
        as_text=True
    )


def test_refused_timer_steps_are_explained(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    token = csrf(signed_in, "/tasks")
    transport.on(
        "POST",
        "/api/v1/time/timer/start",
        problem(422, "Unprocessable", errors={"task_id": ["No task you may see has this id."]}),
    )
    signed_in.post("/time/timer/start", data={"csrf_token": token, "task_id": TASK_ID})
    transport.on("POST", "/api/v1/time/timer/stop", problem(409, "Conflict"))
    signed_in.post("/time/timer/stop", data={"csrf_token": token, "next": "/tasks"})
    page = signed_in.get("/tasks").get_data(as_text=True)
    assert "No task you may see has this id." in page
    assert "No timer was running." in page
    assert (
        signed_in.post("/time/timer/start", data={"csrf_token": token, "task_id": "x"}).status_code
        == 404
    )
    transport.on("POST", "/api/v1/time/timer/stop", problem(403, "Forbidden"))
    assert signed_in.post("/time/timer/stop", data={"csrf_token": token}).status_code == 403
    assert signed_in.post("/time/timer/stop", data={}).status_code == 403  # no CSRF token


def test_my_week_shows_the_grid_the_totals_and_the_entries(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    asked = _week_reads(transport)
    response = signed_in.get(f"/time?week={WEEK}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>My timesheet</h1>" in page
    assert "Week 2026-W49: 30 Nov" in page
    assert 'href="/time?week=2026-W48"' in page
    assert 'href="/time?week=2026-W50"' in page
    assert 'type="week"' in page
    assert 'value="2026-W49"' in page
    assert '<th scope="col" class="num"><time datetime="2026-11-30">Mon 30 Nov</time></th>' in page
    assert ">Alpha</a></th>" in page
    assert ">Untitled task</a></th>" in page
    assert "data-week-worked>9:30<" in page
    assert "data-week-overtime>0:00<" in page
    assert 'data-day="2026-11-30">9:00<' in page
    assert 'data-sheet-status="open"' in page
    assert "Submit week 2026-W49" in page
    assert "deploy" in page
    assert "0:45" in page
    assert f'action="/time/entries/{ENTRY}/delete"' in page
    assert 'name="duration"' in page
    assert '<option value="2026-11-30" selected>' in page
    params = [dict(r.params) for r in asked]
    assert params[0] == {"week": WEEK}
    assert params[1] == {"user": ME, "from": "2026-11-30", "to": "2026-12-06", "limit": "100"}


def test_an_approved_week_is_locked(signed_in: FlaskClient, transport: FakeTransport) -> None:
    _week_reads(
        transport, status="approved", decided_by=BOB, decided_at="2026-12-07T10:00:00+00:00"
    )
    page = signed_in.get(f"/time?week={WEEK}").get_data(as_text=True)
    assert "data-locked" in page
    assert "This week is locked" in page
    assert "Submit week" not in page
    assert "/delete" not in page
    assert "Log time" not in page


def test_a_rejected_week_shows_the_reason_and_may_be_submitted_again(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    _week_reads(transport, status="rejected", reason="Tuesday is missing")
    page = signed_in.get(f"/time?week={WEEK}").get_data(as_text=True)
    assert "Tuesday is missing" in page
    assert "Submit week 2026-W49" in page


@pytest.mark.parametrize("week", ["2026-W60", "soon", "2026-W49<script>"])
def test_a_week_that_is_no_week_shows_this_week(
    signed_in: FlaskClient, transport: FakeTransport, week: str
) -> None:
    response = signed_in.get("/time", query_string={"week": week})
    assert response.status_code == 302
    assert response.headers["Location"] == "/time"


def test_submit_a_week(signed_in: FlaskClient, transport: FakeTransport) -> None:
    sent: list[Any] = []
    transport.on(
        "POST",
        "/api/v1/time/timesheets/submit",
        lambda r: sent.append(r.json) or json_response(200, {}),
    )
    token = csrf(signed_in, "/tasks")
    response = signed_in.post("/time/submit", data={"csrf_token": token, "week": WEEK})
    assert response.headers["Location"] == f"/time?week={WEEK}"
    assert sent == [{"week": WEEK}]
    transport.on(
        "POST",
        "/api/v1/time/timesheets/submit",
        problem(409, "Conflict", detail="A submitted timesheet cannot be submitted."),
    )
    signed_in.post("/time/submit", data={"csrf_token": token, "week": WEEK})
    _week_reads(transport)
    assert "A submitted timesheet cannot be submitted." in signed_in.get(
        f"/time?week={WEEK}"
    ).get_data(as_text=True)
    assert (
        signed_in.post("/time/submit", data={"csrf_token": token, "week": "x"}).status_code == 404
    )


def test_log_time_checks_the_form_then_sends_the_entry(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    sent: list[Any] = []
    transport.on(
        "POST", "/api/v1/time/entries/", lambda r: sent.append(r.json) or json_response(201, {})
    )
    token = csrf(signed_in, "/tasks")
    form = {
        "csrf_token": token,
        "task_id": TASK_ID,
        "work_date": "2026-12-01",
        "duration": "1.5",
        "note": "",
        "week": WEEK,
        "next": f"/time?week={WEEK}",
    }
    response = signed_in.post("/time/entries", data=form)
    assert response.headers["Location"] == f"/time?week={WEEK}"
    assert sent == [
        {
            "task_id": TASK_ID,
            "work_date": "2026-12-01",
            "duration_minutes": 90,
            "note": "",
            "billable": False,
        }
    ]
    signed_in.post("/time/entries", data=form | {"duration": "lots"})
    assert len(sent) == 1  # refused here, nothing sent
    transport.on(
        "POST",
        "/api/v1/time/entries/",
        problem(409, "Conflict", detail="The week of 2026-12-01 is approved and locked."),
    )
    signed_in.post("/time/entries", data=form)
    _week_reads(transport)
    page = signed_in.get(f"/time?week={WEEK}").get_data(as_text=True)
    assert "Time spent: Give the time spent" in page
    assert "approved and locked" in page


def test_edit_and_delete_an_entry(signed_in: FlaskClient, transport: FakeTransport) -> None:
    entry = {
        "id": ENTRY,
        "task_id": TASK_ID,
        "user_id": ME,
        "work_date": "2026-12-01",
        "duration_minutes": 45,
        "note": "deploy",
        "billable": True,
        "version": 4,
    }
    transport.on("GET", f"/api/v1/time/entries/{ENTRY}", json_response(200, entry))
    page = signed_in.get(f"/time/entries/{ENTRY}/edit").get_data(as_text=True)
    assert 'value="0:45"' in page
    assert 'value="2026-12-01"' in page
    assert "Ship release" in page
    patches: list[Any] = []

    def patch(request):  # type: ignore[no-untyped-def]
        patches.append((request.json, request.headers.get("If-Match")))
        return json_response(200, entry)

    transport.on("PATCH", f"/api/v1/time/entries/{ENTRY}", patch)
    token = csrf(signed_in, "/tasks")
    form = {
        "csrf_token": token,
        "version": "4",
        "work_date": "2026-12-08",
        "duration": "2h",
        "note": "x",
    }
    response = signed_in.post(f"/time/entries/{ENTRY}/edit", data=form)
    assert response.headers["Location"] == "/time?week=2026-W50"
    assert patches == [
        (
            {"work_date": "2026-12-08", "duration_minutes": 120, "note": "x", "billable": False},
            '"v4"',
        )
    ]
    assert (
        signed_in.post(f"/time/entries/{ENTRY}/edit", data=form | {"duration": ""}).status_code
        == 422
    )
    transport.on("PATCH", f"/api/v1/time/entries/{ENTRY}", problem(412, "Precondition Failed"))
    stale = signed_in.post(f"/time/entries/{ENTRY}/edit", data=form)
    assert stale.status_code == 409
    assert "changed in another window" in stale.get_data(as_text=True)
    deleted: list[Any] = []
    transport.on(
        "DELETE",
        f"/api/v1/time/entries/{ENTRY}",
        lambda r: deleted.append(r.headers.get("If-Match")) or json_response(204),
    )
    response = signed_in.post(
        f"/time/entries/{ENTRY}/delete",
        data={"csrf_token": token, "version": "4", "next": f"/time?week={WEEK}"},
    )
    assert response.headers["Location"] == f"/time?week={WEEK}"
    assert deleted == ['"v4"']


# --- the team week ---------------------------------------------------------------------------


def _sign_in_as(client: FlaskClient, transport: FakeTransport, role: str) -> None:  # noqa: F811
    body = token_body()
    body["user"]["role"] = role
    transport.on("POST", "/api/v1/auth/login", json_response(200, body))
    sign_in(client)


def test_members_do_not_get_the_team_week(
    client: FlaskClient,  # noqa: F811
    transport: FakeTransport,
) -> None:
    _sign_in_as(client, transport, "member")
    assert client.get("/time/team").status_code == 404
    assert "Team time" not in client.get("/tasks").get_data(as_text=True)
    assert "Timesheet" in client.get("/tasks").get_data(as_text=True)


def test_a_manager_sees_the_team_week_and_decides(
    client: FlaskClient,  # noqa: F811
    transport: FakeTransport,
) -> None:
    _sign_in_as(client, transport, "manager")
    teams: list[Any] = []
    transport.on(
        "GET",
        "/api/v1/teams/",
        lambda r: (
            teams.append(list(r.params))
            or json_response(
                200, {"items": [{"id": TEAM, "name": "Platform"}], "next_cursor": None}
            )
        ),
    )
    weeks: list[Any] = []
    items = [sheet(user_id=BOB, status="submitted"), sheet(user_id=ME, status="submitted")]
    transport.on(
        "GET",
        "/api/v1/time/timesheets/team",
        lambda r: (
            weeks.append(list(r.params))
            or json_response(200, {"team_id": TEAM, "week": WEEK, "items": items})
        ),
    )
    transport.on(
        "GET",
        f"/api/v1/users/{BOB}",
        json_response(200, {"id": BOB, "username": "bob", "display_name": "Bob Lee"}),
    )
    transport.on(
        "GET",
        f"/api/v1/users/{ME}",
        json_response(200, {"id": ME, "username": "ann", "display_name": "Ann Lee"}),
    )
    page = client.get(f"/time/team?week={WEEK}").get_data(as_text=True)
    assert "Team time: Platform" in page
    assert teams[0] == [("member", ME), ("limit", "100")]
    assert weeks == [[("team", TEAM), ("week", WEEK)]]
    assert page.index("Ann Lee") < page.index("Bob Lee")
    assert f'href="/time?user={BOB}&amp;week={WEEK}"' in page
    assert page.count('action="/time/approve"') == 1  # never one's own week
    assert 'aria-label="Reject the week of Bob Lee"' in page
    assert '<label for="reason-' in page
    decided: list[Any] = []
    transport.on(
        "POST",
        "/api/v1/time/timesheets/approve",
        lambda r: decided.append(("approve", r.json)) or json_response(200, {}),
    )
    transport.on(
        "POST",
        "/api/v1/time/timesheets/reject",
        lambda r: decided.append(("reject", r.json)) or json_response(200, {}),
    )
    token = csrf(client, "/tasks")
    here = f"/time/team?week={WEEK}"
    form = {"csrf_token": token, "user": BOB, "week": WEEK, "next": here}
    assert client.post("/time/approve", data=form).headers["Location"] == here
    client.post("/time/reject", data=form | {"reason": "  "})
    client.post("/time/reject", data=form | {"reason": "Tuesday is missing"})
    assert decided == [
        ("approve", {"user": BOB, "week": WEEK}),
        ("reject", {"user": BOB, "week": WEEK, "reason": "Tuesday is missing"}),
    ]
    page = client.get(here).get_data(as_text=True)
    assert "Week 2026-W49 of Bob Lee approved." in page
    assert "Give a reason" in page
    transport.on("POST", "/api/v1/time/timesheets/approve", problem(403, "Forbidden"))
    assert client.post("/time/approve", data=form).status_code == 403


def test_a_manager_without_a_team_is_told_so(
    client: FlaskClient,  # noqa: F811
    transport: FakeTransport,
) -> None:
    _sign_in_as(client, transport, "manager")
    page = client.get("/time/team").get_data(as_text=True)
    assert "You manage no team yet" in page
    assert "/api/v1/time/timesheets/team" not in transport.paths("GET")


def test_the_week_of_this_week_is_the_default(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    asked = _week_reads(transport)
    signed_in.get("/time")
    assert dict(asked[0].params)["week"] == str(IsoWeek.of(datetime.now(UTC).date()))
