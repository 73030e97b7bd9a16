"""The chain in PostgreSQL: the app role cannot edit or delete, a tampered row is found by
`audit-service verify`, retention moves the anchor and keeps the chain verifiable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.exc import ProgrammingError

from audit_service.application.queries import PurgeExpiredRecordsHandler, VerifyChainHandler


def _key_event(deliver, **extra):
    key_id, user = str(uuid.uuid4()), str(uuid.uuid4())
    data = {
        "key_id": key_id,
        "user_id": user,
        "actor_id": user,
        "name": "ci",
        "prefix": "th_abcdefg",
        "scopes": ["tasks:read"],
        "expires_at": "2027-01-01T00:00:00+00:00",
        "at": "2026-12-07T00:00:00+00:00",
        **extra,
    }
    return deliver("auth.api_key.created.v1", data, correlationid="req-42")


def test_the_app_role_can_neither_update_nor_delete_records(runtime, deliver):
    _key_event(deliver)
    for statement in (
        "UPDATE audit.records SET action = 'x'",
        "DELETE FROM audit.records",
        "TRUNCATE audit.records",
    ):
        with runtime.engine.connect() as connection, pytest.raises(ProgrammingError):
            connection.execute(sa.text(statement))


def test_a_redelivered_event_is_recorded_once(runtime, deliver):
    from audit_service.bootstrap import build_event_processor
    from taskhive_shared.events.consumer import Outcome

    event = _key_event(deliver)
    import json

    again = build_event_processor(runtime).process(json.dumps(event.to_dict()).encode())
    assert again.outcome is Outcome.DUPLICATE
    with runtime.engine.connect() as connection:
        count = connection.execute(
            sa.text("SELECT count(*) FROM audit.records WHERE event_id = :id"), {"id": event.id}
        ).scalar_one()
    assert count == 1


def test_verify_finds_a_tampered_row_and_a_removed_tail(
    runtime, deliver, admin_engine, audit_settings, monkeypatch
):
    from audit_service.entrypoints.cli import main

    for _ in range(3):
        _key_event(deliver)
    verify = VerifyChainHandler(runtime.unit_of_work)
    assert verify().broken is None
    for name, value in (("AUDIT_DATABASE_URL", audit_settings.database_url),):
        monkeypatch.setenv(name, value)
    assert CliRunner().invoke(main, ["verify"]).exit_code == 0

    with admin_engine.begin() as connection:
        seq = connection.execute(sa.text("SELECT max(seq) - 1 FROM audit.records")).scalar_one()
        connection.execute(
            sa.text("UPDATE audit.records SET actor_id = 'mallory' WHERE seq = :seq"), {"seq": seq}
        )
    check = verify()
    assert check.broken is not None
    assert check.broken.seq == seq
    result = CliRunner().invoke(main, ["verify"])
    assert result.exit_code == 1
    assert f"BROKEN at record {seq}" in result.output
    with admin_engine.begin() as connection:  # put it back: other tests share the chain
        row = connection.execute(
            sa.text("SELECT details FROM audit.records WHERE seq = :seq"), {"seq": seq}
        ).scalar_one()
        assert row["name"] == "ci"
        connection.execute(
            sa.text("UPDATE audit.records SET actor_id = details->>'user_id' WHERE seq = :seq"),
            {"seq": seq},
        )
    assert verify().broken is None

    with admin_engine.begin() as connection:
        last = connection.execute(
            sa.text(
                "DELETE FROM audit.records WHERE seq = (SELECT max(seq) FROM audit.records) "
                "RETURNING seq"
            )
        ).scalar_one()
    check = verify()
    assert check.broken is not None
    assert check.broken.seq == last
    assert "removed" in check.broken.reason
    with admin_engine.begin() as connection:  # the head follows the truncation: as new
        connection.execute(
            sa.text(
                "UPDATE audit.chain SET head_seq = r.seq, head_hash = r.hash FROM "
                "(SELECT seq, hash FROM audit.records ORDER BY seq DESC LIMIT 1) r"
            )
        )


def test_retention_drops_a_prefix_and_the_chain_still_verifies(runtime, deliver):
    for _ in range(3):
        _key_event(deliver)
    later = datetime.now(UTC) + timedelta(days=31)
    purge = PurgeExpiredRecordsHandler(
        runtime.unit_of_work, lambda: later, timedelta(days=30), batch_size=2
    )
    assert purge() >= 3
    with runtime.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM audit.records")).scalar_one() == 0
        anchor = connection.execute(sa.text("SELECT anchor_seq, head_seq FROM audit.chain")).one()
    assert anchor.anchor_seq == anchor.head_seq
    assert VerifyChainHandler(runtime.unit_of_work)().broken is None
    _key_event(deliver)
    assert VerifyChainHandler(runtime.unit_of_work)().broken is None
