"""Contract test: every event the tasks API emits is of a known type and matches its schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from taskhive_shared.events.contracts import ContractRegistry
from tasks_service.application.integration import EMITTED_TYPES


def _rows_after(admin_engine, seq: int) -> list:
    with admin_engine.connect() as connection:
        return list(
            connection.execute(
                sa.text("SELECT type, source, data FROM tasks.outbox WHERE seq > :s ORDER BY seq"),
                {"s": seq},
            )
        )


def _last_seq(admin_engine) -> int:
    with admin_engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT coalesce(max(seq), 0) FROM tasks.outbox")
            ).scalar_one()
        )


def test_a_full_journey_emits_every_type_and_each_matches_its_contract(
    client, make_user, admin_engine, tasks_runtime, jobs_app
) -> None:
    start = _last_seq(admin_engine)
    ann, bob = make_user(), make_user()
    task = client.post(
        "/api/v1/tasks", json={"title": "Journey", "assignee_ids": [str(bob.id)]}, headers=ann.auth
    ).get_json()
    url = f"/api/v1/tasks/{task['id']}"
    client.patch(url, json={"title": "Journey 2", "status": "in_progress"}, headers=ann.auth)
    client.delete(f"{url}/assign/{bob.id}", headers=ann.auth)
    client.post(f"{url}/comments", json={"body": "Hello"}, headers=ann.auth)
    client.delete(url, headers=ann.auth)
    client.post(f"{url}/restore", headers=ann.auth)
    client.delete(url, headers=ann.auth)
    assert tasks_runtime.services.purge_archived(timedelta(0)) >= 1
    assert client.get(url, headers=ann.auth).status_code == 404
    now = datetime.now(UTC)
    for due in (now - timedelta(hours=1), now + timedelta(hours=2)):
        created = client.post(
            "/api/v1/tasks", json={"title": "Due", "due_date": due.isoformat()}, headers=ann.auth
        )
        assert created.status_code == 201
    jobs_app.tasks["tasks.check_overdue_tasks"].apply(throw=True)
    jobs_app.tasks["tasks.remind_due_soon_tasks"].apply(throw=True)

    rows = _rows_after(admin_engine, start)
    assert {row.type for row in rows} == set(EMITTED_TYPES)
    registry = ContractRegistry()
    for row in rows:
        assert row.source == "tasks"
        registry.validate(row.type, row.data)
    deleted = next(
        r for r in rows if r.type == "tasks.task.deleted.v1" and r.data["task_id"] == task["id"]
    )
    assert deleted.data["actor_id"] is None
    assert deleted.data["archived_at"] is not None
