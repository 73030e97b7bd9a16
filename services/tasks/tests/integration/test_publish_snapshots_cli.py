"""`tasks-service publish-snapshots` on the real database, through its command line: what it
prints is what it wrote to the outbox (tasks, calendars, saved team settings)."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from taskhive_shared.events.contracts import ContractRegistry
from tasks_service.entrypoints.cli import main

COUNTED = {
    "tasks.task.snapshot.v1": "SELECT count(*) FROM tasks.tasks",
    "tasks.calendar.snapshot.v1": "SELECT count(*) FROM tasks.calendars",
    "tasks.team_settings.snapshot.v1": "SELECT count(*) FROM tasks.team_settings",
}


def test_the_command_queues_every_task_calendar_and_team_settings(
    tasks_settings, client, make_user, make_team, admin_engine
) -> None:
    boss = make_user("manager")
    team = make_team(boss)
    calendar = client.post(
        "/api/v1/calendars", json={"name": "Cli", "timezone": "UTC"}, headers=boss.auth
    ).get_json()
    settings = {"calendar_id": calendar["id"], "auto_assign": "off"}
    assert (
        client.put(f"/api/v1/team-settings/{team}", json=settings, headers=boss.auth).status_code
        == 200
    )
    with admin_engine.connect() as connection:
        expected = {
            kind: connection.execute(sa.text(q)).scalar_one() for kind, q in COUNTED.items()
        }
        last_seq = connection.execute(sa.text("SELECT max(seq) FROM tasks.outbox")).scalar_one()
    env = {"TASKS_DATABASE_URL": tasks_settings.database_url}

    result = CliRunner().invoke(main, ["publish-snapshots", "--batch-size", "2"], env=env)

    assert result.exit_code == 0, result.output
    tasks, calendars, teams = expected.values()
    assert f"{tasks} task, {calendars} calendar and {teams} team settings" in result.output
    with admin_engine.connect() as connection:
        rows = list(
            connection.execute(
                sa.text("SELECT type, subject, data FROM tasks.outbox WHERE seq > :s"),
                {"s": last_seq},
            )
        )
    written = {kind: len([r for r in rows if r.type == kind]) for kind in COUNTED}
    assert written == expected
    registry = ContractRegistry()
    for row in rows:
        registry.validate(row.type, row.data)
    assert {r.subject for r in rows} >= {calendar["id"], str(team)}
