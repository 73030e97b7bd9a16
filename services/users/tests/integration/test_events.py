"""The registration consumer: exactly-once effects through the inbox, contracts of the outbox."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from taskhive_shared.events.consumer import Outcome
from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.events.inbox import record_once
from users_service.adapters.persistence.tables import inbox
from users_service.bootstrap import build_event_processor, consumer_topology
from users_service.entrypoints.events import AUTH_EXCHANGE, QUEUE, USER_REGISTERED, event_handlers


def _apply_once(runtime, envelope) -> bool:
    """What the consumer does: the inbox row and the effect in one transaction."""
    handler = event_handlers(runtime.services)[envelope.type]
    with runtime.unit_of_work() as uow:
        if not record_once(uow.session, inbox, QUEUE, envelope.id, envelope.type):
            return False
        handler(envelope, uow)
        uow.commit()
    return True


def _profiles(admin_engine, user_id: str) -> int:
    with admin_engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT count(*) FROM users.profiles WHERE id = :id"), {"id": user_id}
            ).scalar_one()
        )


def test_the_same_event_twice_creates_the_profile_once(
    users_runtime, new_registration, admin_engine, outbox_rows
) -> None:
    envelope = new_registration("manager", first_name="Max", last_name="Power")
    user_id = envelope.data["user_id"]

    assert _apply_once(users_runtime, envelope) is True
    assert _apply_once(users_runtime, envelope) is False

    assert _profiles(admin_engine, user_id) == 1
    [created] = outbox_rows(user_id)
    assert created.type == "users.user.created.v1"
    assert created.source == "users"
    assert created.causation_id == str(envelope.id)
    assert created.data["role"] == "manager"
    assert created.data["display_name"] == "Max Power"
    ContractRegistry().validate(created.type, created.data)


def test_a_republished_registration_with_a_new_event_id_is_harmless(
    users_runtime, new_registration, admin_engine, outbox_rows
) -> None:
    first = new_registration()
    again = new_registration(**first.data)
    assert again.id != first.id
    assert _apply_once(users_runtime, first)
    assert _apply_once(users_runtime, again)
    assert _profiles(admin_engine, first.data["user_id"]) == 1
    assert len(outbox_rows(first.data["user_id"])) == 1


def test_the_event_processor_applies_then_recognises_the_duplicate(
    users_runtime, new_registration, admin_engine
) -> None:
    processor = build_event_processor(users_runtime)
    envelope = new_registration()
    body = json.dumps(envelope.to_dict()).encode()

    assert processor.process(body).outcome is Outcome.APPLIED
    assert processor.process(body).outcome is Outcome.DUPLICATE
    assert _profiles(admin_engine, envelope.data["user_id"]) == 1


def test_an_invalid_registration_is_dead_lettered_without_effect(
    users_runtime, new_registration, row_counts
) -> None:
    processor = build_event_processor(users_runtime)
    envelope = new_registration(role="superuser")
    before = row_counts()
    result = processor.process(json.dumps(envelope.to_dict()).encode())
    assert result.outcome is Outcome.DEAD_LETTER
    assert row_counts() == before


def test_the_consumer_binds_to_registrations_on_auths_exchange(users_runtime) -> None:
    topology = consumer_topology()
    assert sorted(build_event_processor(users_runtime).event_types) == sorted(
        topology.bindings[AUTH_EXCHANGE]
    )
    assert topology.queue == QUEUE
    assert dict(topology.bindings) == {AUTH_EXCHANGE: [USER_REGISTERED]}
    assert topology.service == "users"


def test_handlers_do_not_commit(users_runtime, new_registration, admin_engine) -> None:
    envelope = new_registration()
    handler = event_handlers(users_runtime.services)[USER_REGISTERED]
    with users_runtime.unit_of_work() as uow:
        handler(envelope, uow)
    assert _profiles(admin_engine, envelope.data["user_id"]) == 0
    assert uuid.UUID(envelope.data["user_id"])
