"""Contract test: every event the users API emits is of a known type and matches its schema."""

from __future__ import annotations

import sqlalchemy as sa

from taskhive_shared.events.contracts import ContractRegistry
from users_service.application.integration import EMITTED_TYPES


def _rows_after(admin_engine, seq: int) -> list:
    with admin_engine.connect() as connection:
        return list(
            connection.execute(
                sa.text(
                    "SELECT type, source, subject, data FROM users.outbox "
                    "WHERE seq > :seq ORDER BY seq"
                ),
                {"seq": seq},
            )
        )


def _last_seq(admin_engine) -> int:
    with admin_engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT coalesce(max(seq), 0) FROM users.outbox")
            ).scalar_one()
        )


def test_a_full_journey_emits_every_type_and_each_matches_its_contract(
    client, make_user, admin_engine
) -> None:
    start = _last_seq(admin_engine)
    admin, boss, ann = make_user("admin"), make_user("manager"), make_user()
    client.patch(
        "/api/v1/users/me",
        json={"first_name": "Ann", "notification_preferences": {"task_overdue": False}},
        headers=ann.auth,
    )
    client.patch(f"/api/v1/users/{ann.id}", json={"is_active": False}, headers=admin.auth)
    client.patch(f"/api/v1/users/{ann.id}", json={"is_active": True}, headers=admin.auth)
    team = client.post(
        "/api/v1/teams", json={"name": f"Contract {boss.username}"}, headers=boss.auth
    ).get_json()
    url = f"/api/v1/teams/{team['id']}"
    client.patch(url, json={"description": "Described"}, headers=boss.auth)
    client.post(f"{url}/members", json={"user_id": str(ann.id)}, headers=boss.auth)
    client.delete(f"{url}/members/{ann.id}", headers=boss.auth)
    client.delete(url, headers=boss.auth)

    rows = _rows_after(admin_engine, start)

    assert {row.type for row in rows} == set(EMITTED_TYPES)
    registry = ContractRegistry()
    for row in rows:
        assert row.source == "users"
        registry.validate(row.type, row.data)
        subject_key = "team_id" if row.type.startswith("users.team.") else "user_id"
        assert row.data[subject_key] == row.subject
    ann_versions = [
        row.data["version"]
        for row in rows
        if row.subject == str(ann.id) and row.type != "users.user.deactivated.v1"
    ]
    assert ann_versions == sorted(ann_versions) == [1, 2, 3, 4]
    team_versions = [row.data["version"] for row in rows if row.subject == team["id"]]
    assert team_versions == [1, 2, 3, 4, 5]
