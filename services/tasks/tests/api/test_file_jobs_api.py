"""Export and import jobs through the HTTP API, on real PostgreSQL, the jobs run eagerly:
export files, signed downloads, imports with per-row errors, idempotency per file, who sees a
job, and hostile files (nothing written)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

# Tags are shared by name in any letter case: names of our own keep other tests' tags intact.
TAG = f"files-{uuid.uuid4().hex[:8]}"
TASKS = "/api/v1/tasks"
EXPORTS = f"{TASKS}/exports/"
IMPORTS = f"{TASKS}/imports/"


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def download(client, url: str) -> bytes:
    parts = urlsplit(url)
    assert parts.netloc == "taskhive.test"  # absolute, from the public base URL
    answer = client.get(f"{parts.path}?{parts.query}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_data()


def export(client, user, fmt: str, **filters: Any) -> dict[str, Any]:
    answer = client.post(EXPORTS, json={"format": fmt, "filters": filters}, headers=user.auth)
    assert answer.status_code == 202, answer.get_json()
    job = client.get(answer.headers["Location"], headers=user.auth)
    assert job.status_code == 200
    return job.get_json()


def upload(client, user, content: bytes, name: str = "tasks.csv", query: str = ""):
    return client.post(
        IMPORTS + query,
        data={"file": (io.BytesIO(content), name)},
        headers=user.auth,
        content_type="multipart/form-data",
    )


def test_csv_export_of_the_filtered_list_with_formula_cells_escaped(client, make_user) -> None:
    owner = make_user()
    create(client, owner, title='=HYPERLINK("http://evil")', priority="high", tags=[TAG])
    create(client, owner, title="plain", priority="low")
    create(client, make_user(), title="someone else's")
    job = export(client, owner, "csv", priority=["high"], sort="title")
    assert job["status"] == "done"
    assert job["counts"] == {"exported": 1}
    assert job["filters"] == {"priority": ["high"], "sort": "title"}
    rows = list(csv.DictReader(io.StringIO(download(client, job["download_url"]).decode())))
    assert len(rows) == 1
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["priority"] == "high"
    assert json.loads(rows[0]["tags"]) == [TAG]
    # The API's field names, in its order.
    listed = client.get(TASKS, headers=owner.auth).get_json()["items"][0]
    assert list(rows[0]) == list(listed)


def test_json_export_pages_through_every_visible_task(client, make_user) -> None:
    owner = make_user()
    made = {create(client, owner, title=f"t{i}")["id"] for i in range(105)}  # two pages
    job = export(client, owner, "json")
    items = json.loads(download(client, job["download_url"]))
    assert {item["id"] for item in items} == made
    assert job["progress"]["processed"] == 105


def test_an_export_without_filters_takes_the_lists_defaults(client, make_user) -> None:
    owner = make_user()
    kept = create(client, owner, title="kept")
    gone = create(client, owner, title="archived")
    assert client.delete(f"{TASKS}/{gone['id']}", headers=owner.auth).status_code == 204
    answer = client.post(EXPORTS, json={"format": "json"}, headers=owner.auth)
    assert answer.status_code == 202, answer.get_json()
    job = client.get(answer.headers["Location"], headers=owner.auth).get_json()
    assert job["filters"] == {}
    assert [item["id"] for item in json.loads(download(client, job["download_url"]))] == [
        kept["id"]
    ]


def test_export_filters_use_the_list_schema(client, make_user, row_counts) -> None:
    owner = make_user()
    before = row_counts()
    for body in (
        {"format": "csv", "filters": {"status": ["nope"]}},
        {"format": "csv", "filters": {"limit": 5}},
        {"format": "csv", "filters": {"unknown": "x"}},
        {"format": "csv", "filters": {"sort": "secret"}},
        {"format": "xlsx"},
        {"format": "csv", "filters": {"q": "a\u0000b"}},
    ):
        answer = client.post(EXPORTS, json=body, headers=owner.auth)
        assert answer.status_code == 422, body
        assert answer.content_type == "application/problem+json"
    assert row_counts() == before


def test_only_the_owner_and_admins_see_a_job(client, make_user) -> None:
    owner, other, manager, admin = (
        make_user(),
        make_user(),
        make_user("manager"),
        make_user("admin"),
    )
    job = export(client, owner, "csv")
    url = f"{EXPORTS}{job['id']}"
    assert client.get(url, headers=other.auth).status_code == 404
    assert client.get(url, headers=manager.auth).status_code == 404
    assert client.get(url, headers=admin.auth).status_code == 200
    assert client.get(f"{IMPORTS}{job['id']}", headers=owner.auth).status_code == 404
    assert client.get(url).status_code == 401


def test_a_forged_download_link_is_refused(client, make_user) -> None:
    job = export(client, make_user(), "csv")
    parts = urlsplit(job["download_url"])
    forged = parts.query.replace("exports%2F", "exports%2Fx")
    answer = client.get(f"{parts.path}?{forged}")
    assert answer.status_code == 403
    assert answer.content_type == "application/problem+json"


CSV_FILE = (
    b"title,priority,tags,story_points,status\r\n"
    + f'First,high,"[""{TAG}""]",3,todo\r\n'.encode()
    + b"'=1+1,low,,,\r\n"
    b",medium,,,\r\n"
    b"Third,urgent-ish,,,\r\n"
    b"Fourth,low,,500,\r\n"
)


def test_csv_import_creates_valid_rows_and_reports_the_others(client, make_user) -> None:
    owner = make_user()
    answer = upload(client, owner, CSV_FILE)
    assert answer.status_code == 202, answer.get_json()
    job = client.get(answer.headers["Location"], headers=owner.auth).get_json()
    assert job["status"] == "done"
    assert job["counts"] == {"created": 2, "invalid": 3}
    assert job["progress"] == {"processed": 5, "total": 5}
    assert [error["row"] for error in job["errors"]] == [3, 4, 5]
    assert "title" in job["errors"][0]["errors"]
    assert "priority" in job["errors"][1]["errors"]
    assert "story_points" in job["errors"][2]["errors"]
    titles = {t["title"]: t for t in client.get(TASKS, headers=owner.auth).get_json()["items"]}
    assert set(titles) == {"First", "=1+1"}  # the escape is undone on the way in
    assert titles["First"]["tags"] == [TAG]
    history = client.get(f"{TASKS}/{titles['First']['id']}/history", headers=owner.auth)
    assert history.get_json()["items"][0]["action"] == "created"
    # The same file again is the same job: nothing more is created.
    again = upload(client, owner, CSV_FILE)
    assert again.status_code == 202
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == job["id"]
    assert len(client.get(TASKS, headers=owner.auth).get_json()["items"]) == 2


def test_dry_run_creates_nothing(client, make_user, row_counts) -> None:
    owner = make_user()
    answer = upload(client, owner, CSV_FILE, query="?dry_run=true")
    assert answer.status_code == 202
    job = answer.get_json()
    assert job["dry_run"] is True
    assert job["counts"] == {"valid": 2, "invalid": 3}
    assert client.get(TASKS, headers=owner.auth).get_json()["items"] == []


def test_an_export_imports_again(client, make_user) -> None:
    owner = make_user()
    create(client, owner, title="-minus", description="d", tags=[TAG, TAG + "b"], story_points=5)
    exported = download(client, export(client, owner, "csv")["download_url"])
    job = upload(client, owner, exported).get_json()
    assert job["counts"] == {"created": 1, "invalid": 0}, job["errors"]
    items = client.get(TASKS, headers=owner.auth, query_string={"q": "minus"}).get_json()["items"]
    assert sorted((i["title"], i["story_points"], tuple(i["tags"])) for i in items) == [
        ("-minus", 5, (TAG, TAG + "b")),
        ("-minus", 5, (TAG, TAG + "b")),
    ]


def test_json_import_with_unknown_fields_per_row(client, make_user) -> None:
    owner = make_user()
    rows = [{"title": "ok"}, {"title": "x", "owner": "me"}, "not an object"]
    answer = upload(client, owner, json.dumps(rows).encode(), name="tasks.json")
    job = answer.get_json()
    assert job["counts"] == {"created": 1, "invalid": 2}
    assert job["errors"][0]["errors"] == {"owner": ["Unknown field."]}


@pytest.mark.parametrize(
    ("content", "name", "status"),
    [
        (b"title\r\n\xff\xfe bad\r\n", "t.csv", 422),
        (b"title\r\nA\x00B\r\n", "t.csv", 422),
        ("title\r\nA\r\n".encode("utf-16"), "t.csv", 422),
        (b"title,secret_column\r\nA,b\r\n", "t.csv", 422),
        (b"", "t.csv", 422),
        (b'title\r\n"unterminated\r\n', "t.csv", 422),
        (b'{"title": "not an array"}', "t.json", 422),
        (b"[" * 100 + b"]" * 100, "t.json", 422),
        (b'[{"title": "\\ud800"}]', "t.json", 422),
        (b'[{"title": "x", "story_points": 1' + b"0" * 400 + b"}]", "t.json", 422),
        (b"title\r\nA\r\n", "t.xlsx", 422),
        (b"title\r\n" + b"x" * 1_000_001, "t.csv", 413),
    ],
)
def test_hostile_files_are_refused_and_nothing_is_written(
    client, make_user, row_counts, content: bytes, name: str, status: int
) -> None:
    owner = make_user()
    before = row_counts()
    answer = upload(client, owner, content, name=name)
    assert answer.status_code == status, answer.get_json()
    assert answer.content_type == "application/problem+json"
    assert row_counts() == before


def test_import_without_a_file_or_with_unknown_query(client, make_user) -> None:
    owner = make_user()
    answer = client.post(IMPORTS, data={}, headers=owner.auth, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert upload(client, owner, b"title\r\nA\r\n", query="?dry_run=maybe").status_code == 422
    assert upload(client, owner, b"title\r\nA\r\n", query="?other=1").status_code == 422


def test_a_hostile_file_name_is_stored_printable(client, make_user) -> None:
    owner = make_user()
    answer = upload(client, owner, b"title\r\nA\r\n", name="../x\x00\x1by.csv")
    assert answer.status_code == 202, answer.get_json()
    assert answer.get_json()["file_name"] == "xy.csv"
