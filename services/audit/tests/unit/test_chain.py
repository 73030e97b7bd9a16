"""The hash chain: any edit, removal or relinking shows at the first record it touched."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

from audit_service.application.record_event import MEANINGS, entry_of
from audit_service.domain.records import (
    GENESIS_HASH,
    AuditEntry,
    AuditRecord,
    chain_hash,
    verify_chain,
)
from taskhive_shared.events.envelope import EventEnvelope

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def _chain(length: int) -> list[AuditRecord]:
    records, previous = [], GENESIS_HASH
    for seq in range(1, length + 1):
        entry = AuditEntry(uuid.uuid4(), NOW, "task.archived", "task", f"t{seq}", actor_id="u1")
        digest = chain_hash(previous, entry, seq)
        records.append(AuditRecord(seq, entry, NOW, previous, digest))
        previous = digest
    return records


def test_an_intact_chain_verifies():
    check = verify_chain(0, GENESIS_HASH, _chain(5))
    assert check.broken is None
    assert (check.checked, check.last_seq) == (5, 5)


def test_an_edited_record_breaks_at_its_seq():
    records = _chain(5)
    edited = dataclasses.replace(records[2].entry, actor_id="someone-else")
    records[2] = dataclasses.replace(records[2], entry=edited)
    check = verify_chain(0, GENESIS_HASH, records)
    assert check.broken is not None
    assert check.broken.seq == 3
    assert "content" in check.broken.reason


def test_a_removed_record_is_named():
    records = _chain(5)
    del records[1]
    check = verify_chain(0, GENESIS_HASH, records)
    assert check.broken is not None
    assert check.broken.seq == 2
    assert "missing" in check.broken.reason


def test_a_rehashed_record_still_breaks_the_next_link():
    records = _chain(4)
    edited = dataclasses.replace(records[1].entry, action="nothing.happened")
    rehashed = chain_hash(records[1].prev_hash, edited, 2)
    records[1] = dataclasses.replace(records[1], entry=edited, hash=rehashed)
    check = verify_chain(0, GENESIS_HASH, records)
    assert check.broken is not None
    assert check.broken.seq == 3


def test_an_event_becomes_who_did_what_to_which_resource():
    key_id, actor = str(uuid.uuid4()), str(uuid.uuid4())
    envelope = EventEnvelope(
        type="auth.api_key.revoked.v1",
        source="auth",
        subject=key_id,
        data={
            "key_id": key_id,
            "actor_id": actor,
            "user_id": actor,
            "prefix": "th_abcdefg",
            "reason": "revoked",
            "source_ip": "203.0.113.9",
        },
        correlationid="req-1",
    )
    entry = entry_of(envelope, MEANINGS[envelope.type])
    assert (entry.action, entry.resource_type, entry.resource_id) == (
        "api_key.revoked",
        "api_key",
        key_id,
    )
    assert entry.actor_id == actor
    assert entry.request_id == "req-1"
    assert entry.source_ip == "203.0.113.9"
    assert entry.details == {"user_id": actor, "prefix": "th_abcdefg", "reason": "revoked"}


def test_every_audited_type_has_a_contract_whose_fields_the_meaning_reads():
    import json
    from pathlib import Path

    contracts = Path(__file__).resolve().parents[4] / "shared" / "contracts"
    for event_type, meaning in MEANINGS.items():
        document = json.loads((contracts / f"{event_type}.json").read_text())
        fields = set(document.get("properties", {}))
        for reference in document.get("allOf", []):
            shared = json.loads((contracts / reference["$ref"]).read_text())
            fields |= set(shared.get("properties", {}))
        assert meaning.resource_field in fields, event_type
        if meaning.actor_field is not None:
            assert meaning.actor_field in fields, event_type
        assert set(meaning.details) <= fields, (event_type, set(meaning.details) - fields)
