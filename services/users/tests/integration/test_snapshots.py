"""`users-service publish-snapshots` on the real database, through its command line."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from taskhive_shared.events.contracts import ContractRegistry
from users_service.entrypoints.cli import main


def _snapshot_rows(admin_engine, after_seq: int) -> list:
    with admin_engine.connect() as connection:
        return list(
            connection.execute(
                sa.text("SELECT type, subject, data FROM users.outbox WHERE seq > :s ORDER BY seq"),
                {"s": after_seq},
            )
        )


def _counts(admin_engine) -> tuple[int, int, int]:
    with admin_engine.connect() as connection:
        return (
            connection.execute(sa.text("SELECT count(*) FROM users.profiles")).scalar_one(),
            connection.execute(sa.text("SELECT count(*) FROM users.teams")).scalar_one(),
            connection.execute(
                sa.text("SELECT coalesce(max(seq), 0) FROM users.outbox")
            ).scalar_one(),
        )


def test_publish_snapshots_queues_every_profile_and_team(
    users_settings, make_user, client, admin_engine
) -> None:
    boss = make_user("manager")
    member = make_user()
    team = client.post("/api/v1/teams", json={"name": f"Snap {boss.username}"}, headers=boss.auth)
    client.post(
        f"/api/v1/teams/{team.get_json()['id']}/members",
        json={"user_id": str(member.id)},
        headers=boss.auth,
    )
    profiles, teams, last_seq = _counts(admin_engine)
    env = {
        "USERS_DATABASE_URL": users_settings.database_url,
        "USERS_DENYLIST_REDIS_URL": "",
    }

    result = CliRunner().invoke(main, ["publish-snapshots", "--batch-size", "3"], env=env)

    assert result.exit_code == 0, result.output
    assert f"{profiles} profile and {teams} team" in result.output
    rows = _snapshot_rows(admin_engine, last_seq)
    assert len([r for r in rows if r.type == "users.user.updated.v1"]) == profiles
    assert len([r for r in rows if r.type == "users.team.updated.v1"]) == teams
    registry = ContractRegistry()
    for row in rows:
        registry.validate(row.type, row.data)
    by_subject = {row.subject: row.data for row in rows}
    assert by_subject[str(member.id)]["team_ids"] == [team.get_json()["id"]]
    assert by_subject[team.get_json()["id"]]["member_ids"] == [str(member.id)]
