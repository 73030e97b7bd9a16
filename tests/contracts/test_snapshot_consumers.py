"""Snapshots (`tasks-service publish-snapshots`, `users-service publish-snapshots`) are for
replicas and read models: the replicas that keep calendars take their snapshots, and the
consumers of everything that happens (webhooks and the stream, the audit log) bind none,
since a snapshot is nobody's change. Each snapshot contract asks for at least what its live
event carries, so a replica can apply it the same way."""

from __future__ import annotations

from audit_service.entrypoints.events import BINDINGS as AUDIT_BINDINGS
from hooks_service.entrypoints.events import CONSUMED as HOOKS_BINDINGS
from taskhive_shared.events.contracts import ContractRegistry
from timetracking_service.entrypoints.events import CONSUMED as TIMETRACKING_BINDINGS

SNAPSHOT_OF = {
    "tasks.calendar.snapshot.v1": "tasks.calendar.updated.v1",
    "tasks.team_settings.snapshot.v1": "tasks.team_settings.updated.v1",
}


def _bound(bindings: dict[str, tuple[str, ...]]) -> set[str]:
    return {event_type for types in bindings.values() for event_type in types}


def test_a_snapshot_contract_requires_what_its_live_event_carries() -> None:
    registry = ContractRegistry()
    for snapshot, live in SNAPSHOT_OF.items():
        assert snapshot in registry.known_types()
        required = set(registry.schema(snapshot)["required"])
        assert set(registry.schema(live)["required"]) <= required, snapshot


def test_timetracking_takes_the_snapshot_of_every_calendar_event_it_replicates() -> None:
    bound = _bound(TIMETRACKING_BINDINGS)
    for snapshot, live in SNAPSHOT_OF.items():
        assert live in bound
        assert snapshot in bound


def test_webhooks_and_the_audit_log_take_no_snapshot() -> None:
    for bound in (_bound(HOOKS_BINDINGS), _bound(AUDIT_BINDINGS)):
        assert not {t for t in bound if t.endswith(".snapshot.v1")}
        assert not {t for t in bound if t.startswith(("tasks.calendar.", "tasks.team_settings."))}
