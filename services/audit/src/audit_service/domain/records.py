"""Audit records and their hash chain: each record's hash covers its content and the previous
record's hash, so an edited, inserted or deleted row breaks every hash after it."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64
"""The `prev_hash` of the first record (or the anchor left by retention)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What an event says happened, before it is placed in the chain."""

    event_id: uuid.UUID
    occurred_at: datetime
    action: str
    resource_type: str
    resource_id: str
    actor_id: str | None = None
    request_id: str | None = None
    source_ip: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def canonical(self, seq: int) -> bytes:
        """The bytes the hash covers: every field, in a fixed order and encoding."""
        document = {
            "seq": seq,
            "event_id": str(self.event_id),
            "occurred_at": self.occurred_at.isoformat(),
            "action": self.action,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "actor_id": self.actor_id,
            "request_id": self.request_id,
            "source_ip": self.source_ip,
            "details": self.details,
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, entry: AuditEntry, seq: int) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + entry.canonical(seq)).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    entry: AuditEntry
    recorded_at: datetime
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    checked: int
    last_seq: int
    last_hash: str
    broken: ChainBreak | None


def verify_chain(anchor_seq: int, anchor_hash: str, records: Iterable[AuditRecord]) -> ChainCheck:
    """Walk the records after the anchor, in `seq` order: the first record whose link or
    content does not match is the break (streamed: nothing is held but the last hash)."""
    previous, expected, checked = anchor_hash, anchor_seq + 1, 0
    for record in records:
        checked += 1
        if record.seq != expected:
            return ChainCheck(
                checked, expected - 1, previous, ChainBreak(expected, "a record is missing")
            )
        if record.prev_hash != previous:
            broken = ChainBreak(record.seq, "does not link to the previous record")
            return ChainCheck(checked, record.seq, previous, broken)
        if chain_hash(previous, record.entry, record.seq) != record.hash:
            broken = ChainBreak(record.seq, "content does not match its hash")
            return ChainCheck(checked, record.seq, previous, broken)
        previous, expected = record.hash, record.seq + 1
    return ChainCheck(checked, expected - 1, previous, None)
