"""The users/teams replica and the notification log, each through its adapter on real
PostgreSQL: versions decide, tombstones hold, one notification per recipient, type and
occasion, claims skip rows another worker holds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from taskhive_shared.ids import uuid7
from tasks_service.adapters.persistence.reader import PostgresTaskReader
from tasks_service.application.notifications.ports import NewNotification, NotificationFilter
from tasks_service.application.ports import ReplicaTeam, ReplicaUser
from tasks_service.domain.notifications import NotificationStatus, NotificationType

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def user(user_id: uuid.UUID, version: int = 1, **changes) -> ReplicaUser:
    values = {
        "id": user_id,
        "username": f"u{user_id.hex[:12]}",
        "display_name": "Someone",
        "email": f"{user_id.hex[:12]}@example.org",
        "role": "member",
        "is_active": True,
        "version": version,
        "updated_at": NOW,
        "timezone": "Europe/Paris",
        "notification_preferences": {"task_assigned": False},
    }
    return ReplicaUser(**(values | changes))


def apply(tasks_runtime, change):
    """Run `change(replica)` in a unit of work and commit; returns its result."""
    with tasks_runtime.unit_of_work() as uow:
        result = change(uow.replica)
        uow.commit()
    return result


def members(tasks_runtime, team_id: uuid.UUID, user_ids) -> set[uuid.UUID]:
    with tasks_runtime.unit_of_work() as uow:
        return {u for u in user_ids if team_id in uow.replica.actor(u).team_ids}


# --- users -----------------------------------------------------------------------------------


def test_a_user_is_stored_once_per_version(tasks_runtime) -> None:
    user_id = uuid7()
    assert apply(tasks_runtime, lambda r: r.upsert_user(user(user_id))) is True
    assert apply(tasks_runtime, lambda r: r.upsert_user(user(user_id, role="admin"))) is False
    with tasks_runtime.unit_of_work() as uow:
        assert uow.replica.actor(user_id).role == "member"


def test_a_newer_user_version_replaces_every_field(tasks_runtime) -> None:
    user_id = uuid7()
    apply(tasks_runtime, lambda r: r.upsert_user(user(user_id)))
    newer = user(user_id, 2, email="new@example.org", timezone="UTC", role="manager")
    assert apply(tasks_runtime, lambda r: r.upsert_user(newer)) is True
    with tasks_runtime.unit_of_work() as uow:
        recipient = uow.replica.recipients([user_id])[user_id]
        assert (recipient.email, recipient.timezone) == ("new@example.org", "UTC")
        assert uow.replica.actor(user_id).role == "manager"


def test_deactivating_an_unknown_user_changes_nothing(tasks_runtime) -> None:
    user_id = uuid7()
    assert apply(tasks_runtime, lambda r: r.deactivate_user(user_id, 1)) is False
    with tasks_runtime.unit_of_work() as uow:
        assert uow.replica.recipients([user_id]) == {}


def test_a_deactivation_older_than_the_replica_is_ignored(tasks_runtime) -> None:
    user_id = uuid7()
    apply(tasks_runtime, lambda r: r.upsert_user(user(user_id, 3)))
    assert apply(tasks_runtime, lambda r: r.deactivate_user(user_id, 2)) is False
    with tasks_runtime.unit_of_work() as uow:
        assert uow.replica.active_user_ids([user_id]) == {user_id}


def test_a_deactivation_of_the_same_version_applies(tasks_runtime) -> None:
    user_id = uuid7()
    apply(tasks_runtime, lambda r: r.upsert_user(user(user_id, 2)))
    assert apply(tasks_runtime, lambda r: r.deactivate_user(user_id, 2)) is True
    with tasks_runtime.unit_of_work() as uow:
        assert uow.replica.actor(user_id).is_active is False


def test_active_user_ids_leave_out_inactive_and_unknown_users(tasks_runtime) -> None:
    active, inactive, unknown = uuid7(), uuid7(), uuid7()
    apply(tasks_runtime, lambda r: r.upsert_user(user(active)))
    apply(tasks_runtime, lambda r: r.upsert_user(user(inactive, is_active=False)))
    with tasks_runtime.unit_of_work() as uow:
        assert uow.replica.active_user_ids([active, inactive, unknown]) == {active}


def test_recipients_carry_their_preferences(tasks_runtime) -> None:
    user_id = uuid7()
    apply(tasks_runtime, lambda r: r.upsert_user(user(user_id)))
    with tasks_runtime.unit_of_work() as uow:
        recipient = uow.replica.recipients([user_id, uuid7()])[user_id]
        assert uow.replica.recipients([]) == {}
    assert recipient.preferences == {"task_assigned": False}
    assert not recipient.wants(NotificationType.TASK_ASSIGNED)
    assert recipient.wants(NotificationType.TASK_COMMENTED)


def test_the_session_and_the_read_side_see_the_same_caller(tasks_runtime) -> None:
    user_id, team_id = uuid7(), uuid7()
    apply(tasks_runtime, lambda r: r.upsert_user(user(user_id, role="manager")))
    apply(tasks_runtime, lambda r: r.upsert_team(ReplicaTeam(team_id, "T", 1, (user_id,))))
    with tasks_runtime.unit_of_work() as uow:
        in_session = uow.replica.actor(user_id)
    assert in_session == PostgresTaskReader(tasks_runtime.read_engine).actor(user_id)
    assert in_session.team_ids == (team_id,)


# --- teams -----------------------------------------------------------------------------------


def test_a_team_s_repeated_members_are_stored_once(tasks_runtime) -> None:
    team_id, ann = uuid7(), uuid7()
    assert apply(tasks_runtime, lambda r: r.upsert_team(ReplicaTeam(team_id, "T", 1, (ann, ann))))
    assert members(tasks_runtime, team_id, [ann]) == {ann}


def test_a_team_update_of_the_same_version_changes_nothing(tasks_runtime) -> None:
    team_id, ann, bob = uuid7(), uuid7(), uuid7()
    apply(tasks_runtime, lambda r: r.upsert_team(ReplicaTeam(team_id, "T", 1, (ann,))))
    assert (
        apply(tasks_runtime, lambda r: r.upsert_team(ReplicaTeam(team_id, "T", 1, (bob,)))) is False
    )
    assert members(tasks_runtime, team_id, [ann, bob]) == {ann}


def test_a_deleted_team_no_longer_exists_nor_has_members(tasks_runtime) -> None:
    team_id, ann = uuid7(), uuid7()
    apply(tasks_runtime, lambda r: r.upsert_team(ReplicaTeam(team_id, "T", 1, (ann,))))
    assert apply(tasks_runtime, lambda r: r.delete_team(team_id, 2)) is True
    with tasks_runtime.unit_of_work() as uow:
        assert uow.replica.team_exists(team_id) is False
    assert members(tasks_runtime, team_id, [ann]) == set()


def test_a_tombstone_keeps_an_older_update_from_reviving_the_team(tasks_runtime) -> None:
    team_id, ann = uuid7(), uuid7()
    apply(tasks_runtime, lambda r: r.delete_team(team_id, 5))
    late = ReplicaTeam(team_id, "T", 4, (ann,))
    assert apply(tasks_runtime, lambda r: r.upsert_team(late)) is False
    with tasks_runtime.unit_of_work() as uow:
        assert uow.replica.team_exists(team_id) is False
    assert members(tasks_runtime, team_id, [ann]) == set()


def test_a_stale_deletion_leaves_a_newer_team_alone(tasks_runtime) -> None:
    team_id, ann = uuid7(), uuid7()
    apply(tasks_runtime, lambda r: r.upsert_team(ReplicaTeam(team_id, "T", 3, (ann,))))
    assert apply(tasks_runtime, lambda r: r.delete_team(team_id, 2)) is False
    with tasks_runtime.unit_of_work() as uow:
        assert uow.replica.team_exists(team_id) is True
    assert members(tasks_runtime, team_id, [ann]) == {ann}


# --- the notification log --------------------------------------------------------------------


def notification(
    recipient: uuid.UUID,
    occasion: str = "event-1",
    kind: NotificationType = NotificationType.TASK_ASSIGNED,
    task_id: uuid.UUID | None = None,
    created_at: datetime = NOW,
) -> NewNotification:
    return NewNotification(
        id=uuid7(),
        recipient_id=recipient,
        recipient_email="someone@example.org",
        task_id=task_id,
        kind=kind,
        occasion=occasion,
        context={"title": "T"},
        created_at=created_at,
    )


def add(tasks_runtime, *new: NewNotification) -> list[uuid.UUID]:
    with tasks_runtime.unit_of_work() as uow:
        ids = uow.notifications.add(list(new))
        uow.commit()
    return ids


def record(tasks_runtime, new: NewNotification):
    """The log's record of a notification (found through its recipient's page)."""
    with tasks_runtime.unit_of_work() as uow:
        [found] = uow.notifications.page(NotificationFilter(recipient_id=new.recipient_id), None, 5)
    assert found.id == new.id
    return found


def test_a_notification_is_recorded_once_per_recipient_type_and_occasion(tasks_runtime) -> None:
    ann = uuid7()
    first = notification(ann)
    assert add(tasks_runtime, first) == [first.id]
    assert add(tasks_runtime, notification(ann)) == []


def test_another_occasion_or_type_is_another_notification(tasks_runtime) -> None:
    ann = uuid7()
    add(tasks_runtime, notification(ann))
    other_occasion = notification(ann, occasion="event-2")
    other_type = notification(ann, kind=NotificationType.TASK_COMMENTED)
    assert add(tasks_runtime, other_occasion, other_type) == [other_occasion.id, other_type.id]


def test_adding_nothing_records_nothing(tasks_runtime) -> None:
    assert add(tasks_runtime) == []


def test_a_claimed_notification_is_skipped_by_a_second_worker(tasks_runtime) -> None:
    new = notification(uuid7())
    add(tasks_runtime, new)
    with tasks_runtime.unit_of_work() as first:
        claimed = first.notifications.claim(new.id)
        with tasks_runtime.unit_of_work() as second:
            assert second.notifications.claim(new.id) is None
    assert (claimed.id, claimed.status, claimed.context) == (
        new.id,
        NotificationStatus.PENDING,
        {"title": "T"},
    )


def test_a_sent_notification_cannot_be_claimed_again(tasks_runtime) -> None:
    new = notification(uuid7())
    add(tasks_runtime, new)
    with tasks_runtime.unit_of_work() as uow:
        uow.notifications.mark_sent(new.id, "Subject", NOW + timedelta(minutes=1))
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert uow.notifications.claim(new.id) is None
    sent = record(tasks_runtime, new)
    assert (sent.status, sent.subject, sent.attempts) == (NotificationStatus.SENT, "Subject", 1)
    assert sent.sent_at == NOW + timedelta(minutes=1)


def test_a_failed_attempt_counts_and_keeps_at_most_2000_characters_of_error(
    tasks_runtime,
) -> None:
    new = notification(uuid7())
    add(tasks_runtime, new)
    with tasks_runtime.unit_of_work() as uow:
        uow.notifications.mark_failed_attempt(new.id, "e" * 3000, NOW, give_up=False)
        uow.commit()
    failed = record(tasks_runtime, new)
    assert (failed.status, failed.attempts) == (NotificationStatus.PENDING, 1)
    assert failed.last_error == "e" * 2000


def test_giving_up_marks_the_notification_failed(tasks_runtime) -> None:
    new = notification(uuid7())
    add(tasks_runtime, new)
    with tasks_runtime.unit_of_work() as uow:
        uow.notifications.mark_failed_attempt(new.id, "gone", NOW, give_up=True)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert uow.notifications.claim(new.id) is None
    assert record(tasks_runtime, new).status is NotificationStatus.FAILED


def test_pending_for_finds_a_task_s_pending_notifications_of_one_occasion(tasks_runtime) -> None:
    task_id = uuid7()
    wanted = notification(uuid7(), occasion="due:1", task_id=task_id)
    add(tasks_runtime, wanted, notification(uuid7(), occasion="due:2", task_id=task_id))
    with tasks_runtime.unit_of_work() as uow:
        found = uow.notifications.pending_for(task_id, NotificationType.TASK_ASSIGNED, "due:1")
    assert found == [wanted.id]


def test_stale_pending_leaves_recently_attempted_rows_to_their_retries(tasks_runtime) -> None:
    created = datetime(1950, 3, 1, tzinfo=UTC)
    untouched, retried = (notification(uuid7(), created_at=created) for _ in range(2))
    add(tasks_runtime, untouched, retried)
    with tasks_runtime.unit_of_work() as uow:
        uow.notifications.mark_failed_attempt(
            retried.id, "later", created + timedelta(days=2), give_up=False
        )
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        stale = uow.notifications.stale_pending(created + timedelta(days=1), 100)
    assert untouched.id in stale
    assert retried.id not in stale


def test_the_log_pages_newest_first_with_filters(tasks_runtime) -> None:
    ann, task_id = uuid7(), uuid7()
    made = [
        notification(ann, occasion=f"o{i}", task_id=task_id, created_at=NOW + timedelta(minutes=i))
        for i in range(3)
    ]
    add(tasks_runtime, *made, notification(ann, occasion="elsewhere"))
    wanted = NotificationFilter(
        recipient_id=ann, task_id=task_id, status=NotificationStatus.PENDING
    )
    with tasks_runtime.unit_of_work() as uow:
        first = uow.notifications.page(wanted, None, 2)
        rest = uow.notifications.page(wanted, (first[-1].created_at, first[-1].id), 2)
    assert [r.id for r in first + rest] == [n.id for n in reversed(made)]


def test_a_notification_without_a_task_is_recorded(tasks_runtime) -> None:
    new = notification(uuid7(), occasion="day:2026-02-01", kind=NotificationType.DAILY_SUMMARY)
    assert add(tasks_runtime, new) == [new.id]
    assert record(tasks_runtime, new).task_id is None


def test_the_log_answers_in_utc_whatever_the_session_s_time_zone(tasks_runtime) -> None:
    import sqlalchemy as sa

    new = notification(uuid7())
    add(tasks_runtime, new)
    with tasks_runtime.unit_of_work() as uow:
        uow.notifications.mark_sent(new.id, "S", NOW)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        uow.session.execute(sa.text("SET TIME ZONE 'Asia/Kolkata'"))
        [found] = uow.notifications.page(NotificationFilter(recipient_id=new.recipient_id), None, 1)
    assert (found.created_at, found.sent_at) == (NOW, NOW)
    assert found.created_at.utcoffset() == found.sent_at.utcoffset() == timedelta(0)
