"""Reports end to end in one process: 202 + Location, the job (in-process), status and a
signed link, the file in each format, visibility, hostile input, expiry."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from analytics_service.bootstrap import AnalyticsRuntime
from analytics_service.domain.reports import Report
from services.analytics.tests.events import TaskScript, team_event, user_event
from taskhive_shared.events.consumer import Outcome
from taskhive_shared.files.port import FileMissing
from taskhive_shared.ids import uuid7

REPORTS = "/api/v1/analytics/reports/"


@pytest.fixture(scope="module")
def people(processor: Any) -> dict[str, uuid.UUID]:
    def deliver(envelope: Any) -> None:
        result = processor.process(json.dumps(envelope.to_dict()).encode())
        assert result.outcome is Outcome.APPLIED, result.reason

    lead, other, team = uuid7(), uuid7(), uuid7()
    deliver(user_event(lead))
    deliver(user_event(other))
    deliver(team_event(team, [lead]))
    now = datetime.now(UTC)
    for n in range(3):
        task = TaskScript(created_by=lead, team_id=str(team), title=f"=cmd|{n}", story_points=n)
        deliver(task.created(now - timedelta(days=2, hours=n)))
        deliver(task.moved("done", now - timedelta(days=1)))
    return {"lead": lead, "other": other, "team": team}


def follow(client: FlaskClient, url: str, headers: dict[str, str]) -> Any:
    parts = urlsplit(url)
    return client.get(parts.path + ("?" + parts.query if parts.query else ""), headers=headers)


@pytest.mark.parametrize(("fmt", "magic"), [("csv", b"id,"), ("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_a_tasks_report_is_generated_and_downloadable_through_a_signed_link(
    client: FlaskClient,
    people: dict[str, uuid.UUID],
    token_for: Callable[..., dict[str, str]],
    fmt: str,
    magic: bytes,
) -> None:
    auth = token_for(people["lead"])
    body = {"kind": "tasks", "format": fmt, "params": {"team_id": str(people["team"])}}
    created = client.post(REPORTS, json=body, headers=auth)
    assert created.status_code == 202, created.get_json()
    report = follow(client, created.headers["Location"], auth).get_json()
    assert (report["status"], report["progress"], report["rows"]) == ("done", 100, 3)
    download = follow(client, report["download_url"], {})
    assert download.status_code == 200
    assert download.data.startswith(magic)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(download.data.decode())))
        assert {row["title"] for row in rows} == {f"'=cmd|{n}" for n in range(3)}
        assert {row["status"] for row in rows} == {"done"}


def test_team_and_user_reports_have_a_row_per_day(
    client: FlaskClient, people: dict[str, uuid.UUID], token_for: Callable[..., dict[str, str]]
) -> None:
    auth = token_for(people["lead"])
    today = datetime.now(UTC).date()
    params = {"team_id": str(people["team"]), "from": str(today - timedelta(days=6))}
    body = {"kind": "team_performance", "format": "csv", "params": params}
    report = follow(client, client.post(REPORTS, json=body, headers=auth).headers["Location"], auth)
    rows = list(
        csv.reader(io.StringIO(follow(client, report.get_json()["download_url"], {}).data.decode()))
    )
    assert rows[0] == ["date", "created", "completed"]
    assert len(rows) == 8
    assert sum(int(r[2]) for r in rows[1:]) == 3
    mine = client.post(REPORTS, json={"kind": "user_activity", "format": "pdf"}, headers=auth)
    assert mine.status_code == 202
    assert mine.get_json()["params"]["user_id"] == str(people["lead"])


def test_reports_are_their_owner_s_and_follow_visibility(
    client: FlaskClient, people: dict[str, uuid.UUID], token_for: Callable[..., dict[str, str]]
) -> None:
    lead, other = token_for(people["lead"]), token_for(people["other"])
    created = client.post(REPORTS, json={"kind": "user_activity", "format": "csv"}, headers=lead)
    assert follow(client, created.headers["Location"], other).status_code == 404
    team = {"kind": "team_performance", "format": "csv", "params": {"team_id": str(people["team"])}}
    assert client.post(REPORTS, json=team, headers=other).status_code == 404
    someone = {"kind": "user_activity", "format": "csv", "params": {"user_id": str(people["lead"])}}
    assert client.post(REPORTS, json=someone, headers=other).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "gossip", "format": "csv"}, "kind"),
        ({"kind": "tasks", "format": "docx"}, "format"),
        ({"kind": "team_performance", "format": "csv"}, "params.team_id"),
        ({"kind": "tasks", "format": "csv", "params": {"x": 1}}, "params.x"),
        ({"kind": "tasks", "format": "csv", "extra": True}, "extra"),
        ({"kind": "user_activity", "format": "csv", "params": {"tz": "Nowhere/Land"}}, "params.tz"),
        (
            {"kind": "user_activity", "format": "csv", "params": {"from": "0001-01-01"}},
            "params.from",
        ),
    ],
)
def test_bad_report_requests_are_422_naming_the_field(
    client: FlaskClient,
    people: dict[str, uuid.UUID],
    token_for: Callable[..., dict[str, str]],
    body: dict[str, Any],
    field: str,
) -> None:
    response = client.post(REPORTS, json=body, headers=token_for(people["lead"]))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()["errors"]


def test_a_forged_or_tampered_link_is_refused(
    client: FlaskClient, people: dict[str, uuid.UUID], token_for: Callable[..., dict[str, str]]
) -> None:
    auth = token_for(people["lead"])
    created = client.post(REPORTS, json={"kind": "user_activity", "format": "csv"}, headers=auth)
    url = follow(client, created.headers["Location"], auth).get_json()["download_url"]
    tampered = url.replace("signature=", "signature=x")
    assert follow(client, tampered, {}).status_code == 403


def test_expired_reports_lose_their_file_and_row(
    client: FlaskClient,
    people: dict[str, uuid.UUID],
    token_for: Callable[..., dict[str, str]],
    analytics_runtime: AnalyticsRuntime,
) -> None:
    old = Report(
        id=uuid7(),
        owner_id=people["lead"],
        kind="user_activity",
        format="csv",
        params={"user_id": str(people["lead"])},
        created_at=datetime.now(UTC) - timedelta(days=8),
    )
    with analytics_runtime.unit_of_work() as uow:
        uow.reports.add(old)
        uow.commit()
    assert analytics_runtime.services.reports.generate(old.id) == "done"
    key = analytics_runtime.services.reports.get(people["lead"], old.id).file_key
    assert key is not None
    assert analytics_runtime.services.reports.expire() >= 1
    with pytest.raises(FileMissing):
        analytics_runtime.files.open(key)
    gone = client.get(f"{REPORTS}{old.id}/", headers=token_for(people["lead"]))
    assert gone.status_code == 404
