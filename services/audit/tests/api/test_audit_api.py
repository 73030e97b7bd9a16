"""The admin API: filters, keyset pages, the JSON Lines export; members get 403."""

from __future__ import annotations

import json
import uuid

import pytest

PROBLEM = "application/problem+json"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def actor(deliver) -> str:
    user = str(uuid.uuid4())
    for n in range(3):
        deliver(
            "auth.api_key.created.v1",
            {
                "key_id": str(uuid.uuid4()),
                "user_id": user,
                "actor_id": user,
                "name": f"k{n}",
                "prefix": "th_abcdefg",
                "scopes": ["tasks:read"],
                "expires_at": "2027-01-01T00:00:00+00:00",
                "at": "2026-12-07T00:00:00+00:00",
            },
        )
    deliver(
        "users.user.deactivated.v1",
        {
            "user_id": user,
            "deactivated_by": str(uuid.uuid4()),
            "deactivated_at": "2026-12-07T00:00:00+00:00",
            "version": 3,
        },
    )
    return user


def test_members_and_managers_get_403(client, token, actor):
    for role in ("member", "manager"):
        response = client.get("/api/v1/audit/", headers=_bearer(token(role)))
        assert response.status_code == 403
        assert response.content_type == PROBLEM
        assert client.get("/api/v1/audit/export", headers=_bearer(token(role))).status_code == 403
    assert client.get("/api/v1/audit/").status_code == 401


def test_admins_page_through_filtered_records(client, token, actor):
    headers = _bearer(token("admin"))
    first = client.get(f"/api/v1/audit/?actor={actor}&limit=2", headers=headers)
    assert first.status_code == 200
    body = first.get_json()
    assert [item["action"] for item in body["items"]] == ["api_key.created"] * 2
    assert body["items"][0]["seq"] > body["items"][1]["seq"]
    assert 'rel="next"' in first.headers["Link"]
    second = client.get(
        f"/api/v1/audit/?actor={actor}&limit=2&cursor={body['next_cursor']}", headers=headers
    ).get_json()
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None
    deactivated = client.get(
        f"/api/v1/audit/?action=user.deactivated&resource_id={actor}", headers=headers
    ).get_json()
    assert [item["resource_id"] for item in deactivated["items"]] == [actor]


def test_the_export_is_json_lines_oldest_first(client, token, actor):
    response = client.get(
        f"/api/v1/audit/export?resource_type=api_key&actor={actor}", headers=_bearer(token("admin"))
    )
    assert response.status_code == 200
    assert response.mimetype == "application/jsonl"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(lines) == 3
    assert [line["seq"] for line in lines] == sorted(line["seq"] for line in lines)
    assert all(len(line["hash"]) == 64 for line in lines)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("since=yesterday", "since"),
        ("cursor=%00", "cursor"),
        ("bogus=1", "bogus"),
        ("actor=" + "a" * 101, "actor"),
        ("since=2026-12-08T00:00:00Z&until=2026-12-07T00:00:00Z", "until"),
    ],
)
def test_bad_queries_are_422_naming_the_field(client, token, query, field):
    response = client.get(f"/api/v1/audit/?{query}", headers=_bearer(token("admin")))
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    errors = response.get_json()["errors"]
    assert field in errors or f"query.{field}" in errors, errors
