"""Export and import pages over a fake API: the list's filters go to the export, the job
page reloads while it runs and links the download, the upload reaches the API as multipart."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.web.tests.unit.fakes import FakeTransport, json_response, problem
from services.web.tests.unit.test_app import app, client, csrf, sign_in  # noqa: F401

JOB_ID = "0194cccc-0000-7000-8000-000000000001"


def job(**overrides: Any) -> dict[str, Any]:
    return {
        "id": JOB_ID,
        "kind": "export",
        "status": "running",
        "format": "csv",
        "progress": {"processed": 200, "total": None},
        "counts": {},
        "filters": {},
        "download_url": None,
        "expires_at": None,
        "detail": None,
        "created_at": "2026-12-07T09:30:00+00:00",
        "started_at": None,
        "finished_at": None,
    } | overrides


@pytest.fixture
def signed_in(client: FlaskClient) -> FlaskClient:  # noqa: F811
    sign_in(client)
    return client


def test_the_list_exports_with_its_filters(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("POST", "/api/v1/tasks/exports/", json_response(202, job(status="pending")))
    token = csrf(signed_in, "/tasks?status=done&q=release")
    answer = signed_in.post(
        "/tasks/export?status=done&q=release", data={"format": "json", "csrf_token": token}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/exports/{JOB_ID}"
    [sent] = [r for r in transport.sent if r.path == "/api/v1/tasks/exports/"]
    assert sent.json["format"] == "json"
    assert sent.json["filters"]["status"] == ["done"]
    assert sent.json["filters"]["q"] == "release"


def test_the_job_page_reloads_until_done_then_links_the_file(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    transport.on("GET", f"/api/v1/tasks/exports/{JOB_ID}/", json_response(200, job()))
    page = signed_in.get(f"/exports/{JOB_ID}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "data-download" not in page
    url = "https://taskhive.test/api/v1/tasks/files/?key=exports%2Fx.csv&expires=1&signature=s"
    done = job(status="done", download_url=url, counts={"exported": 3})
    transport.on("GET", f"/api/v1/tasks/exports/{JOB_ID}/", json_response(200, done))
    page = signed_in.get(f"/exports/{JOB_ID}").get_data(as_text=True)
    assert "http-equiv" not in page
    assert 'href="https://taskhive.test/api/v1/tasks/files/?key=exports%2Fx.csv&amp;' in page


def test_an_upload_goes_to_the_api_as_multipart(
    signed_in: FlaskClient, transport: FakeTransport
) -> None:
    imported = job(
        kind="import",
        status="done",
        dry_run=True,
        file_name="t.csv",
        errors=[{"row": 2, "errors": {"title": ["Missing data for required field."]}}],
    )
    transport.on("POST", "/api/v1/tasks/imports/", json_response(202, imported))
    transport.on("GET", f"/api/v1/tasks/imports/{JOB_ID}/", json_response(200, imported))
    token = csrf(signed_in, "/tasks/import")
    answer = signed_in.post(
        "/tasks/import",
        data={
            "file": (io.BytesIO(b"title\r\nA\r\n"), "t.csv"),
            "dry_run": "true",
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    [sent] = [r for r in transport.sent if r.path == "/api/v1/tasks/imports/"]
    assert sent.files == (("file", "t.csv", b"title\r\nA\r\n", "text/csv"),)
    assert list(sent.params) == [("dry_run", "true")]
    page = signed_in.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Missing data for required field." in page


def test_a_refused_file_shows_why(signed_in: FlaskClient, transport: FakeTransport) -> None:
    refused = problem(422, "Unprocessable Content", errors={"file": ["The file is not UTF-8."]})
    transport.on("POST", "/api/v1/tasks/imports/", refused)
    token = csrf(signed_in, "/tasks/import")
    answer = signed_in.post(
        "/tasks/import",
        data={"file": (io.BytesIO(b"\xff"), "t.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert "The file is not UTF-8." in answer.get_data(as_text=True)
