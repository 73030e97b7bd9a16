"""Daily summary, cleanup, the stale-notification sweeper and the delivery log API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tasks_service.domain.notifications import NotificationType
from tasks_service.entrypoints.jobs import GENERATE_DAILY_SUMMARY

KINDS = [kind.value for kind in NotificationType]


def _summary_mail(mail, user) -> list:
    return [
        m for m in mail.messages_to(f"{user.username}@example.org") if "Your day" in m["Subject"]
    ]


def _seven_am_in(zone: str, day_offset: int = 0) -> str:
    from zoneinfo import ZoneInfo

    local = datetime.now(ZoneInfo(zone)).replace(hour=7, minute=0, second=0, microsecond=0)
    return (local + timedelta(days=day_offset)).astimezone(UTC).isoformat()


def test_the_daily_summary_goes_once_to_people_with_tasks_and_skips_the_others(
    client, make_user, relay, mail, jobs_app
) -> None:
    ann = make_user(timezone="Asia/Tokyo")
    idle = make_user(timezone="Asia/Tokyo")
    unwilling = make_user(
        timezone="Asia/Tokyo",
        notification_preferences=dict.fromkeys(KINDS, True) | {"daily_summary": False},
    )
    for title in ("Alpha", "Beta"):
        client.post(
            "/api/v1/tasks",
            json={"title": title, "assignee_ids": [str(ann.id), str(unwilling.id)]},
            headers=ann.auth,
        )
    relay()
    at_seven = _seven_am_in("Asia/Tokyo")
    for _ in range(2):
        result = jobs_app.tasks[GENERATE_DAILY_SUMMARY].apply(kwargs={"now": at_seven}, throw=True)
    assert result.result["recorded"] == 0  # the second run finds everything done
    [summary] = _summary_mail(mail, ann)
    assert summary["Subject"].startswith("[Taskhive] Your day: 2 open")
    text = summary.get_body(("plain",)).get_content()
    assert "Alpha" in text
    assert "Beta" in text
    assert _summary_mail(mail, idle) == []
    assert _summary_mail(mail, unwilling) == []
    # A later run of the morning (catching up a missed one) does not summarise anyone twice.
    eight = (datetime.fromisoformat(at_seven) + timedelta(hours=1)).isoformat()
    jobs_app.tasks[GENERATE_DAILY_SUMMARY].apply(kwargs={"now": eight}, throw=True)
    assert len(_summary_mail(mail, ann)) == 1


def test_a_missed_hour_is_made_up_within_the_morning_but_not_later(
    client, make_user, relay, mail, jobs_app
) -> None:
    zone = "Pacific/Auckland"
    early, late = make_user(timezone=zone), make_user(timezone=zone)
    for person in (early, late):
        client.post(
            "/api/v1/tasks",
            json={"title": "Morning", "assignee_ids": [str(person.id)]},
            headers=person.auth,
        )
    relay()
    # The 07:00 run never happened. At 09:00 both are made up for...
    nine = (datetime.fromisoformat(_seven_am_in(zone)) + timedelta(hours=2)).isoformat()
    jobs_app.tasks[GENERATE_DAILY_SUMMARY].apply(kwargs={"now": nine}, throw=True)
    assert len(_summary_mail(mail, early)) == 1
    # ...but from 10:00 on, a day with no summary yet gets none any more.
    stranger = make_user(timezone=zone)
    client.post(
        "/api/v1/tasks",
        json={"title": "Too late", "assignee_ids": [str(stranger.id)]},
        headers=stranger.auth,
    )
    relay()
    ten = (datetime.fromisoformat(_seven_am_in(zone)) + timedelta(hours=3)).isoformat()
    jobs_app.tasks[GENERATE_DAILY_SUMMARY].apply(kwargs={"now": ten}, throw=True)
    assert _summary_mail(mail, stranger) == []
    assert len(_summary_mail(mail, late)) == 1


def test_cleanup_removes_only_tasks_archived_more_than_30_days_ago(
    client, make_user, admin_engine, jobs_app
) -> None:
    ann = make_user()
    ids = []
    for title in ("Old", "Recent", "Kept"):
        task = client.post("/api/v1/tasks", json={"title": title}, headers=ann.auth).get_json()
        client.post(f"/api/v1/tasks/{task['id']}/comments", json={"body": "x"}, headers=ann.auth)
        ids.append(task["id"])
    for task_id in ids[:2]:
        assert client.delete(f"/api/v1/tasks/{task_id}", headers=ann.auth).status_code == 204
    with admin_engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE tasks.tasks SET archived_at = now() - interval '31 days' WHERE id = :i"
            ),
            {"i": ids[0]},
        )
        connection.execute(
            sa.text(
                "UPDATE tasks.tasks SET archived_at = now() - interval '29 days' WHERE id = :i"
            ),
            {"i": ids[1]},
        )
    result = jobs_app.tasks["tasks.cleanup_archived_tasks"].apply(throw=True)
    assert result.result["deleted"] >= 1
    with admin_engine.connect() as connection:
        left = set(
            connection.execute(
                sa.text("SELECT id::text FROM tasks.tasks WHERE id = ANY(CAST(:ids AS uuid[]))"),
                {"ids": ids},
            ).scalars()
        )
        orphans = connection.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM tasks.comments WHERE task_id = :i) + "
                "(SELECT count(*) FROM tasks.task_history WHERE task_id = :i)"
            ),
            {"i": ids[0]},
        ).scalar_one()
        deleted_events = connection.execute(
            sa.text(
                "SELECT count(*) FROM tasks.outbox "
                "WHERE type = 'tasks.task.deleted.v1' AND subject = :i"
            ),
            {"i": ids[0]},
        ).scalar_one()
    assert left == {ids[1], ids[2]}
    assert orphans == 0
    assert deleted_events == 1


def test_the_sweeper_re_enqueues_forgotten_pending_notifications(
    client, make_user, relay, mail, jobs_app, admin_engine
) -> None:
    ann, bob = make_user(), make_user()
    mail.reply = "421 4.4.2 closing"
    client.post(
        "/api/v1/tasks", json={"title": "Swept", "assignee_ids": [str(bob.id)]}, headers=ann.auth
    )
    relay()
    mail.reply = "250 OK"
    with admin_engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE tasks.notifications SET created_at = now() - interval '1 hour', "
                "last_attempt_at = now() - interval '1 hour' WHERE recipient_id = :id"
            ),
            {"id": bob.id},
        )
    jobs_app.tasks["tasks.retry_stale_notifications"].apply(throw=True)
    assert len(mail.messages_to(f"{bob.username}@example.org")) == 1


def test_admins_list_every_notification_and_members_only_their_own(
    client, make_user, relay, mail
) -> None:
    ann, bob, admin = make_user(), make_user(), make_user("admin")
    task = client.post(
        "/api/v1/tasks", json={"title": "Logged", "assignee_ids": [str(bob.id)]}, headers=ann.auth
    ).get_json()
    relay()
    mine = client.get("/api/v1/notifications/", headers=bob.auth).get_json()
    assert [n["task_id"] for n in mine["items"]] == [task["id"]]
    assert mine["items"][0]["status"] == "sent"
    assert mine["items"][0]["notification_type"] == "task_created"
    # A member asking for someone else's still sees only their own.
    theirs = client.get(
        f"/api/v1/notifications/?recipient_id={bob.id}", headers=ann.auth
    ).get_json()
    assert theirs["items"] == []
    seen = client.get(
        f"/api/v1/notifications/?task_id={task['id']}&status=sent", headers=admin.auth
    ).get_json()
    assert {n["recipient_id"] for n in seen["items"]} == {str(bob.id)}
    bad = client.get("/api/v1/notifications/?status=lost", headers=admin.auth)
    assert bad.status_code == 422
    assert bad.content_type == "application/problem+json"
    assert client.get("/api/v1/notifications/").status_code == 401


def test_expired_idempotency_keys_are_purged_and_fresh_ones_kept(
    client, make_user, admin_engine, jobs_app
) -> None:
    ann = make_user()
    for key in ("old-key", "fresh-key"):
        created = client.post(
            "/api/v1/tasks", json={"title": key}, headers=ann.headers(idempotency_key=key)
        )
        assert created.status_code == 201
    with admin_engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE tasks.idempotency_keys SET created_at = now() - interval '25 hours' "
                "WHERE principal = :p AND key = 'old-key'"
            ),
            {"p": ann.id},
        )
    result = jobs_app.tasks["tasks.purge_idempotency_keys"].apply(throw=True)
    assert result.result["purged"] >= 1
    with admin_engine.connect() as connection:
        left = connection.execute(
            sa.text("SELECT key FROM tasks.idempotency_keys WHERE principal = :p"), {"p": ann.id}
        ).scalars()
        assert list(left) == ["fresh-key"]


def test_a_timezone_postgresql_does_not_know_falls_back_to_utc(
    client, make_user, relay, mail, jobs_app
) -> None:
    drifter = make_user(timezone="Atlantis/Lost_City")
    client.post(
        "/api/v1/tasks",
        json={"title": "Somewhere", "assignee_ids": [str(drifter.id)]},
        headers=drifter.auth,
    )
    relay()
    seven_utc = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    jobs_app.tasks[GENERATE_DAILY_SUMMARY].apply(kwargs={"now": seven_utc.isoformat()}, throw=True)
    [summary] = _summary_mail(mail, drifter)
    assert "(UTC)" in summary.get_body(("plain",)).get_content()
