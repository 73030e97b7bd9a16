"""Automation in the web UI over a fake API: the profile's availability, SLA badges, recurrence
on the task form, the calendars / SLA policies / team settings pages (ADR 0020)."""

from __future__ import annotations

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
    task,
)
from web_service.application.task_form import TaskForm

ME = token_body()["user"]
SERIES = "0194eeee-0000-7000-8000-000000000001"


def profile(**overrides: Any) -> dict[str, Any]:
    return {
        **ME,
        "display_name": "Ann Lee",
        "is_active": True,
        "timezone": "UTC",
        "available": True,
        "notification_preferences": {"task_assigned": True},
        "team_ids": [],
        "version": 4,
    } | overrides


@pytest.fixture
def signed_in(client: FlaskClient) -> FlaskClient:  # noqa: F811
    sign_in(client)
    return client


def test_the_profile_sends_availability_and_shows_it(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("GET", "/api/v1/users/me", json_response(200, profile(available=False)))
    page = signed_in.get("/profile").get_data(as_text=True)
    assert 'name="available"' in page
    assert 'name="available" checked' not in page
    sent: list[dict[str, Any]] = []

    def patch(request):  # type: ignore[no-untyped-def]
        sent.append(request.json)
        return json_response(200, profile(available=request.json["available"], version=5))

    transport.on("PATCH", "/api/v1/users/me", patch)
    token = csrf(signed_in, "/profile")
    form = {"csrf_token": token, "first_name": "Ann", "version": "4", "available": "on"}
    assert signed_in.post("/profile", data=form).status_code == 302
    del form["available"]
    assert signed_in.post("/profile", data=form).status_code == 302
    assert [body["available"] for body in sent] == [True, False]
    transport.on("GET", "/api/v1/users/me", json_response(200, profile()))
    assert 'name="available" checked' in signed_in.get("/profile").get_data(as_text=True)


SLA = {
    "policy_id": "0194dddd-0000-7000-8000-000000000001",
    "response_due": "2026-12-08T10:00:00+00:00",
    "resolution_due": "2026-12-09T15:30:00+00:00",
    "state": "at_risk",
}


def test_the_list_and_the_detail_show_the_sla_badge_and_due_times(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    seen: list[list[tuple[str, str]]] = []
    recurring = task(sla=SLA, recurrence={"rule": "FREQ=DAILY", "mode": "from_completion"})
    recurring["series_id"] = SERIES

    def listing(request):  # type: ignore[no-untyped-def]
        seen.append(list(request.params))
        return json_response(200, {"items": [recurring], "next_cursor": None})

    transport.on("GET", "/api/v1/tasks/", listing)
    page = signed_in.get(f"/tasks?sla_state=at_risk&series={SERIES}").get_data(as_text=True)
    assert 'data-sla="at_risk"' in page
    assert "SLA at risk" in page
    assert "09 Dec 2026, 15:30" in page
    assert ("sla_state", "at_risk") in seen[-1]
    assert ("series", SERIES) in seen[-1]
    signed_in.get("/tasks?sla_state=<x>&series=nope")
    assert all(name not in ("sla_state", "series") for name, _ in seen[-1])
    detail_parts(transport)
    transport.on("GET", f"/api/v1/tasks/{TASK_ID}", json_response(200, recurring))
    detail = signed_in.get(f"/tasks/{TASK_ID}").get_data(as_text=True)
    assert "SLA at risk" in detail
    assert "Respond by" in detail
    assert "08 Dec 2026, 10:00" in detail
    assert "FREQ=DAILY" in detail
    assert f"series={SERIES}" in detail
    transport.on("GET", f"/api/v1/tasks/{TASK_ID}", json_response(200, task()))
    assert "data-sla" not in signed_in.get(f"/tasks/{TASK_ID}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "wanted"),
    [
        ({"recurrence_preset": ""}, None),
        ({"recurrence_preset": "daily"}, {"rule": "FREQ=DAILY", "mode": "from_due_date"}),
        (
            {"recurrence_preset": "weekdays", "recurrence_mode": "from_completion"},
            {"rule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "mode": "from_completion"},
        ),
        (
            {"recurrence_preset": "weekly", "recurrence_weekday": "TH"},
            {"rule": "FREQ=WEEKLY;BYDAY=TH", "mode": "from_due_date"},
        ),
        ({"recurrence_preset": "monthly"}, {"rule": "FREQ=MONTHLY", "mode": "from_due_date"}),
        (
            {"recurrence_preset": "custom", "recurrence_rule": " RRULE:FREQ=YEARLY;BYMONTH=3 "},
            {"rule": "FREQ=YEARLY;BYMONTH=3", "mode": "from_due_date"},
        ),
    ],
)
def test_the_form_turns_a_preset_into_a_rule(fields: dict[str, str], wanted: Any) -> None:
    form = TaskForm.from_post({"title": "Standup", **fields})
    body = form.body("UTC", creating=False)
    assert body is not None
    assert body["recurrence"] == wanted
    if wanted:
        again = TaskForm.from_task({"title": "Standup", "recurrence": wanted}, "UTC").values
        assert TaskForm.from_post(again).body("UTC", creating=False)["recurrence"] == wanted  # type: ignore[index]


@pytest.mark.parametrize(
    "fields",
    [
        {"recurrence_preset": "weekly"},
        {"recurrence_preset": "custom", "recurrence_rule": "  "},
        {"recurrence_preset": "hourly"},
        {"recurrence_preset": "daily", "recurrence_mode": "whenever"},
    ],
)
def test_an_incomplete_recurrence_is_named_before_sending(fields: dict[str, str]) -> None:
    form = TaskForm.from_post({"title": "Standup", **fields})
    assert form.body("UTC", creating=True) is None
    assert list(form.errors) == ["recurrence"]


def test_the_apis_refusal_of_a_rule_is_shown_beside_the_recurrence(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on(
        "GET", "/api/v1/task-templates/", json_response(200, {"items": [], "next_cursor": None})
    )
    transport.on(
        "POST",
        "/api/v1/tasks/",
        problem(422, "Unprocessable Content", errors={"recurrence.rule": ["Not an RRULE."]}),
    )
    token = csrf(signed_in, "/tasks/new")
    assert 'name="recurrence_preset"' in signed_in.get("/tasks/new").get_data(as_text=True)
    form = {
        "csrf_token": token,
        "title": "Standup",
        "recurrence_preset": "custom",
        "recurrence_rule": "FREQ=SOMETIMES",
    }
    response = signed_in.post("/tasks/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="recurrence-error"' in page
    assert "Not an RRULE." in page
    assert 'value="FREQ=SOMETIMES"' in page
    [sent] = [r for r in transport.sent if r.method == "POST" and r.path == "/api/v1/tasks/"]
    assert sent.json["recurrence"] == {"rule": "FREQ=SOMETIMES", "mode": "from_due_date"}


# --- calendars, SLA policies, team settings ---------------------------------------------------

CALENDAR_ID = "0194ffff-0000-7000-8000-000000000001"
POLICY_ID = "0194ffff-0000-7000-8000-000000000002"
TEAM_ID = "0194ffff-0000-7000-8000-000000000003"
CALENDAR = {
    "id": CALENDAR_ID,
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "working_days": [1, 2, 3, 4],
    "day_start": "08:30",
    "day_end": "16:00",
    "holidays": ["2026-12-24", "2026-12-25"],
    "version": 2,
}
POLICY = {
    "id": POLICY_ID,
    "name": "Urgent support",
    "priorities": ["high", "urgent"],
    "team_id": TEAM_ID,
    "tag": "support",
    "response_hours": "2.00",
    "resolution_hours": "16.00",
    "version": 3,
}


@pytest.fixture
def manager(client: FlaskClient, transport: FakeTransport) -> FlaskClient:  # noqa: F811
    body = token_body()
    body["user"]["role"] = "manager"
    transport.on("POST", "/api/v1/auth/login", json_response(200, body))
    teams = {"items": [{"id": TEAM_ID, "name": "Support"}], "next_cursor": None}
    transport.on("GET", "/api/v1/teams/", json_response(200, teams))
    transport.on("GET", "/api/v1/calendars/", json_response(200, page_of(CALENDAR)))
    transport.on("GET", "/api/v1/sla-policies/", json_response(200, page_of(POLICY)))
    transport.on("GET", f"/api/v1/calendars/{CALENDAR_ID}", json_response(200, CALENDAR))
    transport.on("GET", f"/api/v1/sla-policies/{POLICY_ID}", json_response(200, POLICY))
    sign_in(client)
    return client


def page_of(*items: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(items), "next_cursor": None}


def recorder(status: int, answer: Any, sent: list[Any]):  # type: ignore[no-untyped-def]
    def handle(request):  # type: ignore[no-untyped-def]
        sent.append(request)
        return json_response(status, answer)

    return handle


def test_the_overview_lists_calendars_policies_and_teams_for_staff(manager: FlaskClient) -> None:
    page = manager.get("/automation").get_data(as_text=True)
    assert "Berlin office" in page
    assert "Mon, Tue, Wed, Thu" in page
    assert "Urgent support" in page
    assert "High, Urgent" in page
    assert "Support" in page
    assert f'href="/automation/calendars/{CALENDAR_ID}"' in page
    assert f'href="/teams/{TEAM_ID}/automation"' in page
    assert 'href="/automation"' in page  # the menu entry


def test_a_member_sees_the_overview_without_edit_links(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("GET", "/api/v1/calendars/", json_response(200, page_of(CALENDAR)))
    transport.on("GET", "/api/v1/sla-policies/", json_response(200, page_of()))
    page = signed_in.get("/automation").get_data(as_text=True)
    assert "Berlin office" in page
    assert "/automation/calendars/new" not in page
    assert 'href="/automation"' not in page


def test_a_calendar_is_created_from_the_form(
    manager: FlaskClient, transport: FakeTransport
) -> None:
    sent: list[Any] = []
    transport.on("POST", "/api/v1/calendars/", recorder(201, CALENDAR, sent))
    assert 'name="working_days" value="5" checked' in manager.get(
        "/automation/calendars/new"
    ).get_data(as_text=True)
    form = {
        "csrf_token": csrf(manager, "/automation/calendars/new"),
        "name": " Berlin office ",
        "timezone": "Europe/Berlin",
        "working_days": ["4", "1", "9", "x"],
        "day_start": "08:30",
        "day_end": "16:00",
        "holidays": "2026-12-25\n2026-12-24, ",
    }
    answer = manager.post("/automation/calendars/new", data=form)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/automation"
    assert sent[0].json == {
        "name": "Berlin office",
        "timezone": "Europe/Berlin",
        "working_days": [1, 4],
        "day_start": "08:30",
        "day_end": "16:00",
        "holidays": ["2026-12-25", "2026-12-24"],
    }


def test_a_calendar_edit_sends_if_match_and_shows_the_apis_field_errors(
    manager: FlaskClient, transport: FakeTransport
) -> None:
    sent: list[Any] = []
    refusal = problem(
        422,
        "Unprocessable Content",
        errors={"timezone": ["Not a known IANA time zone."], "holidays.1": ["Not a valid date."]},
    )
    transport.on(
        "PATCH",
        f"/api/v1/calendars/{CALENDAR_ID}",
        lambda request: (sent.append(request), refusal)[1],
    )
    path = f"/automation/calendars/{CALENDAR_ID}"
    edit = manager.get(path).get_data(as_text=True)
    assert 'value="Berlin office"' in edit
    assert 'name="working_days" value="5" checked' not in edit
    form = {
        "csrf_token": csrf(manager, path),
        "version": "2",
        "name": "Berlin office",
        "timezone": "Mars/Olympus",
        "working_days": ["1"],
        "day_start": "09:00",
        "day_end": "17:00",
        "holidays": "2026-12-25 2026-02-31",
    }
    answer = manager.post(path, data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert sent[0].headers["If-Match"] == '"v2"'
    assert 'id="timezone-error"' in page
    assert "Not a known IANA time zone." in page
    assert 'id="holidays-error"' in page
    assert 'value="Mars/Olympus"' in page  # what was typed stays


def test_a_stale_calendar_edit_is_explained(manager: FlaskClient, transport: FakeTransport) -> None:
    transport.on("PATCH", f"/api/v1/calendars/{CALENDAR_ID}", problem(412, "Precondition Failed"))
    path = f"/automation/calendars/{CALENDAR_ID}"
    form = {"csrf_token": csrf(manager, path), "version": "1", "name": "X", "timezone": "UTC"}
    answer = manager.post(path, data=form)
    assert answer.status_code == 409
    assert "changed in another window" in answer.get_data(as_text=True)


def test_a_calendar_in_use_is_not_deleted_and_says_why(
    manager: FlaskClient, transport: FakeTransport
) -> None:
    transport.on(
        "DELETE",
        f"/api/v1/calendars/{CALENDAR_ID}",
        problem(409, "Conflict", detail="Teams work this calendar."),
    )
    token = csrf(manager, "/automation")
    answer = manager.post(
        f"/automation/calendars/{CALENDAR_ID}/delete", data={"csrf_token": token, "version": "2"}
    )
    assert answer.status_code == 302
    assert "Teams work this calendar." in manager.get("/automation").get_data(as_text=True)
    transport.on("DELETE", f"/api/v1/calendars/{CALENDAR_ID}", json_response(204))
    manager.post(
        f"/automation/calendars/{CALENDAR_ID}/delete", data={"csrf_token": token, "version": "2"}
    )
    assert "Calendar deleted." in manager.get("/automation").get_data(as_text=True)


def test_an_sla_policy_is_created_edited_and_deleted(
    manager: FlaskClient, transport: FakeTransport
) -> None:
    sent: list[Any] = []
    transport.on("POST", "/api/v1/sla-policies/", recorder(201, POLICY, sent))
    transport.on("PATCH", f"/api/v1/sla-policies/{POLICY_ID}", recorder(200, POLICY, sent))
    transport.on("DELETE", f"/api/v1/sla-policies/{POLICY_ID}", recorder(204, None, sent))
    token = csrf(manager, "/automation/sla-policies/new")
    form = {
        "csrf_token": token,
        "name": "Urgent support",
        "priorities": ["urgent", "high", "extreme"],
        "team_id": TEAM_ID,
        "tag": "",
        "response_hours": "2",
        "resolution_hours": "16,5",
    }
    assert manager.post("/automation/sla-policies/new", data=form).status_code == 302
    assert sent[0].json == {
        "name": "Urgent support",
        "priorities": ["urgent", "high"],
        "team_id": TEAM_ID,
        "tag": None,
        "response_hours": "2",
        "resolution_hours": "16.5",
    }
    edit = manager.get(f"/automation/sla-policies/{POLICY_ID}").get_data(as_text=True)
    assert 'value="support"' in edit
    assert 'value="urgent" checked' in edit
    assert 'value="low" checked' not in edit
    path = f"/automation/sla-policies/{POLICY_ID}"
    form |= {"version": "3", "team_id": "", "tag": "vip"}
    assert manager.post(path, data=form).status_code == 302
    assert sent[1].headers["If-Match"] == '"v3"'
    assert (sent[1].json["team_id"], sent[1].json["tag"]) == (None, "vip")
    manager.post(f"{path}/delete", data={"csrf_token": token, "version": "3"})
    assert sent[2].method == "DELETE"
    assert "SLA policy deleted." in manager.get("/automation").get_data(as_text=True)


def test_a_refused_sla_policy_shows_the_errors_by_their_fields(
    manager: FlaskClient, transport: FakeTransport
) -> None:
    transport.on(
        "POST",
        "/api/v1/sla-policies/",
        problem(
            422,
            "Unprocessable Content",
            errors={
                "resolution_hours": ["Must be at least response_hours."],
                "priorities": ["Shorter than minimum length 1."],
            },
        ),
    )
    form = {
        "csrf_token": csrf(manager, "/automation/sla-policies/new"),
        "name": "Backwards",
        "response_hours": "8",
        "resolution_hours": "1",
    }
    answer = manager.post("/automation/sla-policies/new", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="resolution_hours-error"' in page
    assert "Must be at least response_hours." in page
    assert 'id="priorities-error"' in page
    empty = {"csrf_token": form["csrf_token"], "name": "No targets"}
    answer = manager.post("/automation/sla-policies/new", data=empty)
    assert answer.status_code == 422
    assert 'id="response_hours-error"' in answer.get_data(as_text=True)
    assert transport.paths("POST").count("/api/v1/sla-policies/") == 1  # nothing sent


def test_team_settings_pick_a_calendar_and_an_assignment(
    manager: FlaskClient, transport: FakeTransport
) -> None:
    defaults = {
        "team_id": TEAM_ID,
        "calendar_id": None,
        "auto_assign": "off",
        "updated_at": None,
        "version": 0,
    }
    sent: list[Any] = []
    transport.on("GET", f"/api/v1/team-settings/{TEAM_ID}", json_response(200, defaults))
    transport.on(
        "PUT", f"/api/v1/team-settings/{TEAM_ID}", recorder(200, defaults | {"version": 1}, sent)
    )
    path = f"/teams/{TEAM_ID}/automation"
    page = manager.get(path).get_data(as_text=True)
    assert "Automation of Support" in page
    assert f'value="{CALENDAR_ID}"' in page
    form = {
        "csrf_token": csrf(manager, path),
        "version": "0",
        "calendar_id": CALENDAR_ID,
        "auto_assign": "least_loaded",
    }
    assert manager.post(path, data=form).status_code == 302
    assert sent[0].json == {"calendar_id": CALENDAR_ID, "auto_assign": "least_loaded"}
    assert "If-Match" not in sent[0].headers
    manager.post(path, data=form | {"version": "1", "calendar_id": ""})
    assert sent[1].json["calendar_id"] is None
    assert sent[1].headers["If-Match"] == '"v1"'
    bad = manager.post(path, data=form | {"auto_assign": "sometimes"})
    assert bad.status_code == 422
    assert 'id="auto_assign-error"' in bad.get_data(as_text=True)
    assert len(sent) == 2


def test_a_member_changing_settings_gets_the_apis_refusal(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("GET", "/api/v1/calendars/", json_response(200, page_of()))
    transport.on(
        "GET",
        f"/api/v1/team-settings/{TEAM_ID}",
        json_response(
            200, {"team_id": TEAM_ID, "calendar_id": None, "auto_assign": "off", "version": 0}
        ),
    )
    transport.on("PUT", f"/api/v1/team-settings/{TEAM_ID}", problem(403, "Forbidden"))
    path = f"/teams/{TEAM_ID}/automation"
    form = {"csrf_token": csrf(signed_in, path), "version": "0", "auto_assign": "round_robin"}
    assert signed_in.post(path, data=form).status_code == 403
    assert signed_in.get("/automation/calendars/not-a-uuid").status_code == 404
