"""Team, user, distribution and report pages over a fake API: the charts are SVG images with
a description and a data table, a refused range is explained, a report is followed from its
request to its download link, and the reports list remembers what was asked for."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.web.tests.unit.fakes import FakeTransport, json_response, problem
from services.web.tests.unit.test_app import app, client, csrf, sign_in  # noqa: F401
from web_service.application.analytics import DateRange, performance_figures, report_request
from web_service.application.ports import ApiRequest, ApiResponse

TEAM_ID = "0194dddd-0000-7000-8000-000000000001"
USER_ID = "0193aaaa-0000-7000-8000-000000000001"
PARENT_ID = "0194eeee-0000-7000-8000-000000000001"
REPORT_ID = "0194ffff-0000-7000-8000-000000000001"
DAYS = [
    {"date": "2026-12-01", "created": 2, "completed": 0},
    {"date": "2026-12-02", "created": 1, "completed": 3},
]


def stats(**overrides: Any) -> dict[str, Any]:
    return {
        "from": "2026-12-01",
        "to": "2026-12-02",
        "timezone": "Europe/Paris",
        "created": 3,
        "throughput": 3,
        "story_points_completed": 8,
        "cycle_time_hours": {"p50": 4.266666, "p85": 17.066666, "samples": 3},
        "on_time_rate": 0.6667,
        "open_load": 5,
        "overdue": 1,
        "per_day": DAYS,
    } | overrides


def team_stats(**overrides: Any) -> dict[str, Any]:
    return (
        stats(
            team_id=TEAM_ID,
            name="Platform",
            velocity={
                "story_points_per_week": 4.0,
                "tasks_per_week": 1.5,
                "weeks": [
                    {"week_start": "2026-11-23", "story_points": 0, "tasks": 0},
                    {"week_start": "2026-11-30", "story_points": 8, "tasks": 3},
                ],
            },
            burndown=None,
        )
        | overrides
    )


def report(**overrides: Any) -> dict[str, Any]:
    return {
        "id": REPORT_ID,
        "kind": "tasks",
        "format": "csv",
        "params": {},
        "status": "running",
        "progress": 40,
        "rows": 0,
        "error": None,
        "created_at": "2026-12-07T09:30:00+00:00",
        "finished_at": None,
        "expires_at": "2026-12-14T09:30:00+00:00",
        "download_url": None,
    } | overrides


@pytest.fixture
def signed_in(client: FlaskClient) -> FlaskClient:  # noqa: F811
    sign_in(client)
    return client


def svg_images(html: str) -> list[str]:
    """The aria-labelledby of every SVG image whose description is in the page."""
    found = re.findall(r'<svg [^>]*role="img"\s+aria-labelledby="([^"]+)"', html)
    for names in found:
        for name in names.split():
            assert f'id="{name}"' in html
    return found


def test_the_team_page_draws_velocity_and_per_day_charts_with_tables(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("GET", f"/api/v1/analytics/teams/{TEAM_ID}/", json_response(200, team_stats()))
    page = signed_in.get(f"/teams/{TEAM_ID}/analytics")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert svg_images(html) == ["velocity-title velocity-desc", "per-day-title per-day-desc"]
    assert html.count('<rect class="bar bar-points"') == 2
    assert '<th scope="row">2026-11-30</th><td>8</td><td>3</td>' in html
    assert re.search(r'data-stat="cycle_p85">17.1 h<', html)
    assert re.search(r'data-stat="on_time_rate">67 %<', html)
    assert re.search(r'data-stat="points_per_week">4<', html)
    assert "Choose a task with subtasks" in html
    [listed] = [r for r in transport.sent if r.path == "/api/v1/tasks/"]
    assert ("team", TEAM_ID) in listed.params
    assert ("parent", "none") in listed.params


def test_a_chosen_parent_adds_the_burndown_line_chart(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    burndown = {
        "parent_task_id": PARENT_ID,
        "days": [
            {"date": "2026-12-01", "remaining_story_points": 8, "remaining_tasks": 3},
            {"date": "2026-12-02", "remaining_story_points": 5, "remaining_tasks": 2},
        ],
    }
    transport.on(
        "GET",
        f"/api/v1/analytics/teams/{TEAM_ID}/",
        json_response(200, team_stats(burndown=burndown)),
    )
    html = signed_in.get(
        f"/teams/{TEAM_ID}/analytics?parent={PARENT_ID}&from=2026-12-01&to=2026-12-02"
    ).get_data(as_text=True)
    [sent] = [r for r in transport.sent if r.path == f"/api/v1/analytics/teams/{TEAM_ID}/"]
    assert list(sent.params) == [
        ("from", "2026-12-01"),
        ("to", "2026-12-02"),
        ("parent", PARENT_ID),
    ]
    assert "burndown-title burndown-desc" in svg_images(html)
    assert html.count('<polyline class="line') == 2
    assert '<th scope="row">2026-12-02</th><td>5</td><td>2</td>' in html


def test_a_range_the_api_refuses_is_explained_with_the_default_range(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    def answer(request: ApiRequest) -> ApiResponse:
        if request.params:
            return problem(422, "Unprocessable", errors={"query.to": ["to is before from."]})
        return json_response(200, team_stats())

    transport.on("GET", f"/api/v1/analytics/teams/{TEAM_ID}/", answer)
    refused = signed_in.get(f"/teams/{TEAM_ID}/analytics?from=2026-12-09&to=2026-12-01")
    assert refused.status_code == 302
    assert refused.headers["Location"] == f"/teams/{TEAM_ID}/analytics"
    assert "to is before from." in signed_in.get(refused.headers["Location"]).get_data(as_text=True)


def test_a_team_not_visible_is_a_404_page(signed_in: FlaskClient, transport: FakeTransport) -> None:
    transport.on("GET", f"/api/v1/analytics/teams/{TEAM_ID}/", problem(404))
    assert signed_in.get(f"/teams/{TEAM_ID}/analytics").status_code == 404
    assert signed_in.get("/teams/not-a-uuid/analytics").status_code == 404


def test_the_user_page_shows_their_figures(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on(
        "GET", f"/api/v1/analytics/users/{USER_ID}/", json_response(200, stats(user_id=USER_ID))
    )
    profile = {"id": USER_ID, "username": "ann", "display_name": "Ann Lee"}
    transport.on("GET", f"/api/v1/users/{USER_ID}", json_response(200, profile))
    html = signed_in.get(f"/users/{USER_ID}/analytics").get_data(as_text=True)
    assert "Figures of Ann Lee" in html
    assert re.search(r'data-stat="open_load">5<', html)
    assert svg_images(html) == ["per-day-title per-day-desc"]


def test_the_distribution_names_people_and_teams(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    found = {
        "by": "team",
        "items": [{"key": TEAM_ID, "count": 3}, {"key": "none", "count": 1}],
        "total": 4,
        "scope": "all",
        "scope_id": None,
    }
    transport.on("GET", "/api/v1/analytics/distribution/", json_response(200, found))
    teams = {"items": [{"id": TEAM_ID, "name": "Platform"}], "next_cursor": None}
    transport.on("GET", "/api/v1/teams/", json_response(200, teams))
    html = signed_in.get("/analytics/distribution?by=team").get_data(as_text=True)
    assert '<th scope="row">Platform</th><td>3</td><td>75 %</td>' in html
    assert '<th scope="row">No team</th><td>1</td><td>25 %</td>' in html
    assert svg_images(html) == ["distribution-title distribution-desc"]
    signed_in.get(f"/analytics/distribution?by=nonsense&team={TEAM_ID}")
    last = [r for r in transport.sent if r.path == "/api/v1/analytics/distribution/"][-1]
    assert list(last.params) == [("by", "status"), ("team", TEAM_ID)]


def test_a_report_is_requested_followed_and_downloaded(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    teams = {"items": [{"id": TEAM_ID, "name": "Platform"}], "next_cursor": None}
    transport.on("GET", "/api/v1/teams/", json_response(200, teams))
    transport.on(
        "POST",
        "/api/v1/analytics/reports/",
        json_response(202, report(status="pending", progress=0)),
    )
    transport.on("GET", f"/api/v1/analytics/reports/{REPORT_ID}/", json_response(200, report()))
    token = csrf(signed_in, "/reports/new")
    answer = signed_in.post(
        "/reports",
        data={
            "kind": "tasks",
            "format": "xlsx",
            "team_id": TEAM_ID,
            "from": "2026-12-01",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/reports/{REPORT_ID}"
    [sent] = [r for r in transport.sent if r.path == "/api/v1/analytics/reports/"]
    assert sent.json == {
        "kind": "tasks",
        "format": "xlsx",
        "params": {"team_id": TEAM_ID, "from": "2026-12-01"},
    }

    running = signed_in.get(answer.headers["Location"]).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in running
    assert '<progress max="100" value="40"' in running
    assert "data-download" not in running
    assert '<button type="submit" class="button">Refresh</button>' in running

    url = "http://gw.test/api/v1/analytics/files/?key=reports%2Fr.csv&expires=1&signature=s"
    done = report(status="done", progress=100, rows=12, download_url=url)
    transport.on("GET", f"/api/v1/analytics/reports/{REPORT_ID}/", json_response(200, done))
    finished = signed_in.get(f"/reports/{REPORT_ID}").get_data(as_text=True)
    assert "http-equiv" not in finished
    assert 'href="http://gw.test/api/v1/analytics/files/?key=reports%2Fr.csv&amp;' in finished

    done["params"] = {"team_id": TEAM_ID, "from": "2026-12-01"}
    listed = signed_in.get("/reports").get_data(as_text=True)
    assert f'data-report="{REPORT_ID}"' in listed
    assert "Excel (xlsx)" not in listed
    print(listed[listed.index("data-report") :][:600])
    assert "CSV · Platform · 2026-12-01 to today" in listed
    assert "data-download" in listed
    assert "http-equiv" not in listed


def test_the_reports_list_reloads_while_one_runs_and_forgets_expired_ones(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("POST", "/api/v1/analytics/reports/", json_response(202, report()))
    transport.on("GET", f"/api/v1/analytics/reports/{REPORT_ID}/", json_response(200, report()))
    token = csrf(signed_in, "/reports/new")
    signed_in.post("/reports", data={"kind": "tasks", "format": "csv", "csrf_token": token})
    listed = signed_in.get("/reports").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in listed
    transport.on("GET", f"/api/v1/analytics/reports/{REPORT_ID}/", problem(404))
    gone = signed_in.get("/reports").get_data(as_text=True)
    assert "No reports yet." in gone
    reads = [r for r in transport.sent if r.path == f"/api/v1/analytics/reports/{REPORT_ID}/"]
    signed_in.get("/reports")
    assert len(
        [r for r in transport.sent if r.path.startswith("/api/v1/analytics/reports/0")]
    ) == len(reads)


def test_a_report_form_refused_by_the_api_shows_the_field(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    refused = problem(422, "Unprocessable", errors={"params": {"from": ["Not a valid date."]}})
    transport.on("POST", "/api/v1/analytics/reports/", refused)
    token = csrf(signed_in, "/reports/new")
    answer = signed_in.post(
        "/reports",
        data={"kind": "tasks", "format": "csv", "from": "2026-02-31", "csrf_token": token},
    )
    assert answer.status_code == 422
    assert "Not a valid date." in answer.get_data(as_text=True)
    missing = signed_in.post(
        "/reports", data={"kind": "team_performance", "format": "doc", "csrf_token": token}
    )
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert "A team performance report needs a team." in html
    assert "Choose a file format." in html


def test_forms_and_figures_helpers() -> None:
    assert DateRange.from_args({"from": "2026-12-01", "to": "x"}).params() == [
        ("from", "2026-12-01")
    ]
    body, errors = report_request({"kind": "user_activity", "format": "pdf", "team_id": TEAM_ID})
    assert body == {"kind": "user_activity", "format": "pdf", "params": {}}
    assert errors == {}
    figures = {
        f.key: f.value
        for f in performance_figures(
            stats(on_time_rate=None, cycle_time_hours={"p50": None, "p85": None, "samples": 0})
        )
    }
    assert figures["on_time_rate"] == "—"
    assert figures["cycle_p50"] == "—"
    assert "points_per_week" not in figures
