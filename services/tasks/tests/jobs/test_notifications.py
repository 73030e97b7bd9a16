"""Task events become emails: real PostgreSQL, the consumer, the jobs (eager) and real SMTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from taskhive_shared.events.relay import envelope_of
from taskhive_shared.mail.local_server import LocalSmtpServer


def _emails(mail: LocalSmtpServer, user) -> list:
    return mail.messages_to(f"{user.username}@example.org")


def _notification_rows(admin_engine, user) -> list:
    with admin_engine.connect() as connection:
        return list(
            connection.execute(
                sa.text(
                    "SELECT notification_type, status, attempts, last_error, subject "
                    "FROM tasks.notifications WHERE recipient_id = :id ORDER BY created_at"
                ),
                {"id": user.id},
            )
        )


def test_assigning_emails_the_assignee_once_and_never_the_actor(
    client, make_user, relay, mail
) -> None:
    ann, bob = make_user(), make_user()
    task = client.post("/api/v1/tasks", json={"title": "Write the report"}, headers=ann.auth)
    response = client.post(
        f"/api/v1/tasks/{task.get_json()['id']}/assign",
        json={"user_ids": [str(bob.id)]},
        headers=ann.auth,
    )
    assert response.status_code == 200
    relay()
    relay()
    [email] = _emails(mail, bob)
    assert email["Subject"] == f"[Taskhive] {ann.username} assigned you to “Write the report”"
    assert "Write the report" in email.get_body(("plain",)).get_content()
    assert "<strong>" in email.get_body(("html",)).get_content()
    assert email["Message-ID"].endswith("@taskhive>")
    assert _emails(mail, ann) == []


def test_a_redelivered_event_sends_nothing_more(
    client, make_user, processor, relay, mail, admin_engine
) -> None:
    ann, bob = make_user(), make_user()
    client.post(
        "/api/v1/tasks",
        json={"title": "Twice", "assignee_ids": [str(bob.id)]},
        headers=ann.auth,
    )
    relay()
    assert len(_emails(mail, bob)) == 1
    with admin_engine.connect() as connection:
        envelope = connection.execute(
            sa.text(
                "SELECT * FROM tasks.outbox WHERE type = 'tasks.task.created.v1' "
                "AND data->>'title' = 'Twice' ORDER BY seq DESC LIMIT 1"
            )
        ).one()
    outcome = processor.process(json.dumps(envelope_of(envelope).to_dict()).encode())
    assert outcome.outcome.value == "duplicate"
    assert len(_emails(mail, bob)) == 1


def test_preferences_are_honoured(client, make_user, relay, mail) -> None:
    ann = make_user()
    quiet = make_user(
        notification_preferences={
            "task_assigned": False,
            "task_unassigned": True,
            "task_status_changed": True,
            "task_commented": True,
            "task_created": False,
            "task_overdue": True,
            "task_due_soon": True,
            "daily_summary": True,
        }
    )
    task = client.post(
        "/api/v1/tasks", json={"title": "Quiet", "assignee_ids": [str(quiet.id)]}, headers=ann.auth
    ).get_json()
    client.post(f"/api/v1/tasks/{task['id']}/comments", json={"body": "hi"}, headers=ann.auth)
    relay()
    [email] = _emails(mail, quiet)
    assert "commented on" in email["Subject"]


def test_status_changes_reach_assignees_and_creator_but_not_the_mover(
    client, make_user, relay, mail
) -> None:
    ann, bob = make_user(), make_user()
    task = client.post(
        "/api/v1/tasks", json={"title": "Move me", "assignee_ids": [str(bob.id)]}, headers=ann.auth
    ).get_json()
    relay()
    mail_before = len(_emails(mail, bob))
    moved_by_bob = client.patch(
        f"/api/v1/tasks/{task['id']}", json={"status": "in_progress"}, headers=bob.auth
    )
    assert moved_by_bob.status_code == 200, moved_by_bob.get_json()
    relay()
    [moved] = [m for m in _emails(mail, ann) if "moved" in m["Subject"]]
    assert "in progress" in moved["Subject"]
    assert len(_emails(mail, bob)) == mail_before


def test_the_overdue_check_run_twice_sends_one_email_per_task(
    client, make_user, relay, mail, jobs_app, admin_engine
) -> None:
    ann, bob = make_user(), make_user()
    past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    ids = [
        client.post(
            "/api/v1/tasks",
            json={"title": f"Late {n}", "due_date": past, "assignee_ids": [str(bob.id)]},
            headers=ann.auth,
        ).get_json()["id"]
        for n in range(2)
    ]
    relay()
    for _ in range(2):
        jobs_app.tasks["tasks.check_overdue_tasks"].apply(throw=True)
        relay()
    overdue = [m for m in _emails(mail, bob) if "overdue" in m["Subject"]]
    assert sorted(m["Subject"] for m in overdue) == [
        "[Taskhive] “Late 0” is overdue",
        "[Taskhive] “Late 1” is overdue",
    ]
    for task_id in ids:
        detail = client.get(f"/api/v1/tasks/{task_id}", headers=bob.auth).get_json()
        assert detail["is_overdue"] is True
        history = client.get(f"/api/v1/tasks/{task_id}/history", headers=bob.auth).get_json()
        assert [e["action"] for e in history["items"]].count("overdue") == 1


def test_due_soon_is_reminded_once_per_due_date(client, make_user, relay, mail, jobs_app) -> None:
    ann, bob = make_user(), make_user()
    soon = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    task = client.post(
        "/api/v1/tasks",
        json={"title": "Soon", "due_date": soon.isoformat(), "assignee_ids": [str(bob.id)]},
        headers=ann.auth,
    ).get_json()
    relay()
    for _ in range(2):
        jobs_app.tasks["tasks.remind_due_soon_tasks"].apply(throw=True)
        relay()
    assert len([m for m in _emails(mail, bob) if "due within" in m["Subject"]]) == 1
    # A new due date re-arms the reminder.
    later = (soon + timedelta(hours=5)).isoformat()
    client.patch(f"/api/v1/tasks/{task['id']}", json={"due_date": later}, headers=ann.auth)
    jobs_app.tasks["tasks.remind_due_soon_tasks"].apply(throw=True)
    relay()
    assert len([m for m in _emails(mail, bob) if "due within" in m["Subject"]]) == 2


def test_a_temporary_smtp_failure_is_retried_and_a_permanent_one_recorded(
    client, make_user, relay, mail, jobs_app, admin_engine
) -> None:
    ann, bob, cid = make_user(), make_user(), make_user()
    mail.reply = "451 4.3.0 try again later"
    task = client.post(
        "/api/v1/tasks", json={"title": "Flaky", "assignee_ids": [str(bob.id)]}, headers=ann.auth
    ).get_json()
    relay()
    [row] = _notification_rows(admin_engine, bob)
    assert row.status == "pending"
    assert row.attempts >= 1
    assert "451" in row.last_error
    mail.reply = "250 OK"
    jobs_app.tasks["tasks.deliver_notifications"].apply(
        kwargs={"notification_ids": [str(i) for i in _pending_ids(admin_engine, bob)]},
        throw=True,
    )
    assert len(_emails(mail, bob)) == 1
    [row] = _notification_rows(admin_engine, bob)
    assert row.status == "sent"

    mail.reply = "550 5.1.1 no such mailbox"
    client.post(
        f"/api/v1/tasks/{task['id']}/assign", json={"user_ids": [str(cid.id)]}, headers=ann.auth
    )
    relay()
    [row] = _notification_rows(admin_engine, cid)
    assert row.status == "failed"
    assert row.attempts == 1
    assert "550" in row.last_error


def _pending_ids(admin_engine, user) -> list:
    with admin_engine.connect() as connection:
        return list(
            connection.execute(
                sa.text(
                    "SELECT id FROM tasks.notifications "
                    "WHERE recipient_id = :id AND status = 'pending'"
                ),
                {"id": user.id},
            ).scalars()
        )
