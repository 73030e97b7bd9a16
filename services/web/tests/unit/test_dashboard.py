"""The dashboard page over a fake API: figures, the SVG chart and its table alternative."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from services.web.tests.unit.fakes import FakeTransport, json_response, problem, token_body
from services.web.tests.unit.test_app import sign_in
from web_service.adapters.memory_store import InMemorySessionStore
from web_service.bootstrap import build_app
from web_service.config import WebSettings
from web_service.domain.charts import TOP, grouped_bars

DASHBOARD = {
    "user_id": "0193aaaa-0000-7000-8000-000000000001",
    "timezone": "Europe/Paris",
    "from": "2026-11-30",
    "to": "2026-12-02",
    "open": 4,
    "overdue": 1,
    "due_this_week": 2,
    "done_last_7_days": 3,
    "done_last_30_days": 9,
    "per_day": [
        {"date": "2026-11-30", "created": 2, "completed": 0},
        {"date": "2026-12-01", "created": 0, "completed": 4},
        {"date": "2026-12-02", "created": 1, "completed": 1},
    ],
}


@pytest.fixture
def client(transport: FakeTransport) -> FlaskClient:
    transport.on("POST", "/api/v1/auth/login", json_response(200, token_body()))
    transport.on("GET", "/api/v1/users/me", problem(404))
    app = build_app(
        WebSettings(trusted_proxies=1), transport=transport, store=InMemorySessionStore()
    )
    app.testing = True
    return app.test_client()


def test_the_chart_scales_bars_to_the_busiest_day() -> None:
    chart = grouped_bars(["a", "b"], [("created", [2, 0]), ("completed", [4, 1])])
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert (tallest.value, tallest.y, chart.peak) == (4, TOP, 4)
    assert [bar.height for bar in chart.bars if bar.value == 0] == [0]
    empty = grouped_bars([], [("created", [])])
    assert empty.bars == ()


def test_the_dashboard_shows_figures_an_svg_chart_and_its_data_table(
    client: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("GET", "/api/v1/analytics/dashboard/", json_response(200, DASHBOARD))
    sign_in(client)
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'data-stat="overdue">1<', html)
    assert '<svg viewBox="0 0 640 200"' in html
    assert 'role="img"' in html
    assert 'aria-labelledby="chart-title chart-desc"' in html
    assert html.count('<rect class="bar') == 6
    assert '<th scope="row">2026-12-01</th><td>0</td><td>4</td>' in html
    assert "Europe/Paris" in html


def test_an_analytics_outage_is_an_error_page_not_a_500(
    client: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("GET", "/api/v1/analytics/dashboard/", problem(503))
    sign_in(client)
    assert client.get("/dashboard").status_code in (502, 503)
