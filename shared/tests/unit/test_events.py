"""EventEnvelope (CloudEvents names) and the JSON Schema contracts of integration events."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from taskhive_shared.events.contracts import ContractRegistry, ContractViolation
from taskhive_shared.events.envelope import EventEnvelope

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
REGISTERED = "auth.user.registered.v1"


def _registered_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user_id": "0194a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "email": "alice@example.com",
        "username": "alice",
        "first_name": "Alice",
        "last_name": "Smith",
        "role": "member",
        "registered_at": "2025-01-15T09:30:00+00:00",
    }
    data.update(overrides)
    return data


# --- EventEnvelope -----------------------------------------------------------------------


def test_envelope_defaults_to_a_uuid7_id_and_utc_time() -> None:
    envelope = EventEnvelope(type=REGISTERED, source="auth", subject="u1", data={})
    assert envelope.id.version == 7
    assert envelope.time.tzinfo is not None
    assert envelope.time.utcoffset() == UTC.utcoffset(None)


@pytest.mark.parametrize(
    "event_type",
    [
        "",
        "auth",
        "auth.user.registered",  # no version
        "auth.user.v1",  # no event name
        "auth.user.registered.1",
        "auth.user.registered.v0",
        "auth.user.registered.v01",
        "auth.user.registered.V1",
        "Auth.user.registered.v1",
        "auth.User.registered.v1",
        "auth.user.registered.v1.extra",
        "auth.user-profile.registered.v1",
        "auth.user.registered.v1 ",
        " auth.user.registered.v1",
        "auth..registered.v1",
    ],
)
def test_envelope_rejects_bad_type_names(event_type: str) -> None:
    with pytest.raises(ValueError, match="is not"):
        EventEnvelope(type=event_type, source="auth", subject="s", data={})


def test_envelope_rejects_a_type_name_with_a_trailing_newline() -> None:
    # `$` in a Python regex also matches before a final "\n": the pattern must match the
    # whole name, or such a type becomes a routing key and a contract file name.
    with pytest.raises(ValueError, match="is not"):
        EventEnvelope(type=f"{REGISTERED}\n", source="auth", subject="s", data={})


@pytest.mark.parametrize("event_type", ["tasks.task.created.v1", "users.user.updated.v2"])
def test_a_source_cannot_produce_another_services_type(event_type: str) -> None:
    with pytest.raises(ValueError, match="may not produce"):
        EventEnvelope(type=event_type, source="auth", subject="s", data={})


def test_a_source_that_is_a_prefix_of_the_producer_is_refused() -> None:
    with pytest.raises(ValueError, match="may not produce"):
        EventEnvelope(type="tasks.task.created.v1", source="task", subject="s", data={})


def test_to_dict_uses_cloudevents_attribute_names() -> None:
    event_id = uuid.UUID("0194a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
    envelope = EventEnvelope(
        type="tasks.task.created.v12",
        source="tasks",
        subject="task-1",
        data={"title": "Write tests"},
        id=event_id,
        time=datetime(2025, 1, 15, 9, 30, 0, 123000, tzinfo=UTC),
        correlationid="req-1",
        causationid="evt-0",
    )
    assert envelope.to_dict() == {
        "specversion": "1.0",
        "id": str(event_id),
        "type": "tasks.task.created.v12",
        "source": "tasks",
        "subject": "task-1",
        "time": "2025-01-15T09:30:00.123000Z",
        "correlationid": "req-1",
        "causationid": "evt-0",
        "datacontenttype": "application/json",
        "data": {"title": "Write tests"},
    }
    json.dumps(envelope.to_dict())  # serialisable as is


# --- ContractRegistry --------------------------------------------------------------------


def test_registry_knows_the_registered_event() -> None:
    assert REGISTERED in ContractRegistry().known_types()
    assert ContractRegistry(CONTRACTS).known_types() == ContractRegistry().known_types()


def test_valid_registered_data_passes() -> None:
    ContractRegistry().validate(REGISTERED, _registered_data())
    ContractRegistry().validate(REGISTERED, _registered_data(first_name="", last_name=""))


@pytest.mark.parametrize(
    "missing", ["user_id", "email", "username", "first_name", "last_name", "role", "registered_at"]
)
def test_a_missing_field_is_a_violation(missing: str) -> None:
    data = _registered_data()
    del data[missing]
    with pytest.raises(ContractViolation, match=missing):
        ContractRegistry().validate(REGISTERED, data)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user_id", "not-a-uuid"),
        ("email", "not-an-email"),
        ("username", "ab"),
        ("role", "superuser"),
        ("first_name", None),
        ("user_id", 42),
    ],
)
def test_a_wrong_value_or_format_is_a_violation(field: str, value: object) -> None:
    with pytest.raises(ContractViolation):
        ContractRegistry().validate(REGISTERED, _registered_data(**{field: value}))


@pytest.mark.parametrize("value", ["yesterday", "2025-13-45T99:00:00Z", "2025-01-15 09:30"])
def test_a_timestamp_that_is_not_rfc3339_is_a_violation(value: str) -> None:
    # `format: date-time` is only enforced when jsonschema's RFC 3339 checker is installed.
    with pytest.raises(ContractViolation):
        ContractRegistry().validate(REGISTERED, _registered_data(registered_at=value))


@pytest.mark.parametrize(
    "event_type", ["auth.user.deleted.v9", "nothing", "../contracts/auth.user.registered.v1"]
)
def test_an_unknown_type_is_a_violation(event_type: str) -> None:
    with pytest.raises(ContractViolation, match="no contract"):
        ContractRegistry().validate(event_type, _registered_data())


def test_a_registry_over_another_directory_sees_only_its_files(tmp_path: Path) -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["n"],
    }
    (tmp_path / "demo.thing.done.v1.json").write_text(json.dumps(schema))
    registry = ContractRegistry(tmp_path)
    assert registry.known_types() == ["demo.thing.done.v1"]
    registry.validate("demo.thing.done.v1", {"n": 1})
    with pytest.raises(ContractViolation):
        registry.validate("demo.thing.done.v1", {})
    with pytest.raises(ContractViolation):
        registry.validate(REGISTERED, _registered_data())


def _contract_files() -> list[Path]:
    return [CONTRACTS / f"{event_type}.json" for event_type in ContractRegistry().known_types()]


def _definition_files() -> list[Path]:
    return [CONTRACTS / name for name in ContractRegistry().definitions()]


def test_there_are_contracts() -> None:
    assert _contract_files()
    # Every file is an event type's contract or a definition they share: nothing else.
    assert sorted(CONTRACTS.glob("*.json")) == sorted(_contract_files() + _definition_files())


@pytest.mark.parametrize("path", _contract_files(), ids=lambda p: p.name)
def test_every_contract_is_a_valid_draft_2020_12_schema(path: Path) -> None:
    schema = json.loads(path.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    # Its file name is a valid event type and matches its title and $id.
    event_type = path.name.removesuffix(".json")
    producer = event_type.split(".")[0]
    EventEnvelope(type=event_type, source=producer, subject="s", data={})
    assert schema.get("title") == event_type
    assert schema.get("$id") == f"https://taskhive.dev/contracts/{path.name}"
    assert schema.get("type") == "object"
    ContractRegistry().schema(event_type)  # and every reference in it resolves:
    with pytest.raises(ContractViolation, match="is not of type 'object'"):
        ContractRegistry().validate(event_type, [])


@pytest.mark.parametrize("path", _definition_files(), ids=lambda p: p.name)
def test_every_shared_definition_is_a_valid_schema_that_leaves_the_object_open(path: Path) -> None:
    schema = json.loads(path.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema.get("$id") == f"https://taskhive.dev/contracts/{path.name}"
    # Closing it would refuse the fields of the events beside it (and additive changes).
    assert schema.get("additionalProperties", True) is not False
    assert schema.get("unevaluatedProperties", True) is not False


# --- References between contract files ---------------------------------------------------


def _schema(**body: Any) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **body}


def test_a_reference_resolves_to_a_file_of_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "demo.thing-part.json").write_text(
        json.dumps(_schema(type="object", required=["n"], properties={"n": {"type": "integer"}}))
    )
    (tmp_path / "demo.thing.done.v1.json").write_text(
        json.dumps(_schema(type="object", allOf=[{"$ref": "demo.thing-part.json"}]))
    )
    registry = ContractRegistry(tmp_path)
    assert registry.known_types() == ["demo.thing.done.v1"]
    assert registry.definitions() == ["demo.thing-part.json"]
    registry.validate("demo.thing.done.v1", {"n": 1, "more": True})
    with pytest.raises(ContractViolation, match="'n' is a required property"):
        registry.validate("demo.thing.done.v1", {})
    # A definition is no event type of its own.
    with pytest.raises(ContractViolation, match="no contract"):
        registry.validate("demo.thing-part", {"n": 1})


@pytest.mark.parametrize(
    "reference", ["https://example.com/contracts/part.json", "missing.json", "part.json#/nope"]
)
def test_a_reference_outside_the_directory_is_refused_and_never_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: str
) -> None:
    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a contract reference went to the network")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    (tmp_path / "part.json").write_text(json.dumps(_schema(type="object")))
    (tmp_path / "demo.thing.done.v1.json").write_text(
        json.dumps(_schema(type="object", allOf=[{"$ref": reference}]))
    )
    with pytest.raises(ContractViolation, match="cannot resolve"):
        ContractRegistry(tmp_path).validate("demo.thing.done.v1", {})
