"""`ContractRegistry.validate` asks jsonschema-rs first and jsonschema for what it refuses: the
fast path must never accept what jsonschema refuses (bar RFC 3339's leap second), and a refusal
keeps jsonschema's verdict and message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from taskhive_shared.events import contracts as contracts_module
from taskhive_shared.events.contracts import ContractRegistry, ContractViolation

EVENT = "demo.thing.happened.v1"

FORMAT_EDGES = {
    "uuid": [
        "6f1c0b8e-3c1a-4c1e-9a7e-2f6a1b2c3d4e",
        "6F1C0B8E-3C1A-4C1E-9A7E-2F6A1B2C3D4E",
        "6f1c0b8e3c1a4c1e9a7e2f6a1b2c3d4e",
        "{6f1c0b8e-3c1a-4c1e-9a7e-2f6a1b2c3d4e}",
        "6f1c0b8e-3c1a-4c1e-9a7e-2f6a1b2c3d4",
        "6f1c0b8e-3c1a-4c1e-9a7e-2f6a1b2c3d4g",
        "",
    ],
    "date-time": [
        "2026-12-08T00:00:00+00:00",
        "2026-12-08T00:00:00Z",
        "2026-12-08t00:00:00z",
        "2026-12-08T00:00:00",
        "2026-12-08 00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-12-08T24:00:00Z",
        "2026-12-08T00:00:00+24:00",
        "9999-12-31T23:59:59.999999+00:00",
        "x",
    ],
    "date": ["2026-12-08", "2026-2-8", "2026-02-30", "20261208", "2026-12-08T00:00:00Z"],
    "email": ["a@b.c", "a@b", "ab", "a@@b", "@b", "a@", "é@ü.de", "x@localhost"],
}
LEAP_SECOND = "2016-12-31T23:59:60Z"


@pytest.fixture
def registry(tmp_path: Path) -> ContractRegistry:
    shared = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://taskhive.dev/contracts/demo.shared.json",
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string", "format": "uuid"}},
    }
    contract = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://taskhive.dev/contracts/{EVENT}.json",
        "type": "object",
        "allOf": [{"$ref": "demo.shared.json"}],
        "properties": {
            fmt: {"type": "string", "format": fmt} for fmt in ("date-time", "date", "email")
        }
        | {"count": {"type": "integer", "minimum": 0}},
        "unevaluatedProperties": False,
    }
    (tmp_path / "demo.shared.json").write_text(json.dumps(shared))
    (tmp_path / f"{EVENT}.json").write_text(json.dumps(contract))
    return ContractRegistry(tmp_path)


def _data(fmt: str, value: str) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "6f1c0b8e-3c1a-4c1e-9a7e-2f6a1b2c3d4e"}
    data["id" if fmt == "uuid" else fmt] = value
    return data


def _jsonschema_accepts(registry: ContractRegistry, data: dict[str, Any]) -> bool:
    validator = contracts_module._validator(registry._directory, EVENT)
    return bool(validator.is_valid(data))


@pytest.mark.parametrize(
    ("fmt", "value"), [(fmt, value) for fmt, values in FORMAT_EDGES.items() for value in values]
)
def test_the_verdict_is_jsonschemas_on_every_format_edge(
    registry: ContractRegistry, fmt: str, value: str
) -> None:
    data = _data(fmt, value)
    if _jsonschema_accepts(registry, data):
        registry.validate(EVENT, data)
    else:
        with pytest.raises(ContractViolation):
            registry.validate(EVENT, data)


def test_a_leap_second_is_the_one_documented_difference(registry: ContractRegistry) -> None:
    data = _data("date-time", LEAP_SECOND)
    assert not _jsonschema_accepts(registry, data)
    registry.validate(EVENT, data)  # RFC 3339 allows it; jsonschema-rs accepts it


def test_a_refusal_keeps_jsonschemas_message(registry: ContractRegistry) -> None:
    for data in ({}, {"id": "x"}, {"id": "6f1c0b8e-3c1a-4c1e-9a7e-2f6a1b2c3d4e", "extra": 1}):
        expected = next(
            iter(contracts_module._validator(registry._directory, EVENT).iter_errors(data))
        ).message
        with pytest.raises(ContractViolation) as refused:
            registry.validate(EVENT, data)
        assert str(refused.value) == f"{EVENT}: {expected}"


def test_a_valid_event_never_reaches_jsonschema(
    registry: ContractRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = contracts_module._validator(registry._directory, EVENT)

    def refuse(self: Draft202012Validator, instance: Any) -> None:
        raise AssertionError("jsonschema was asked about a valid event")

    monkeypatch.setattr(type(slow), "validate", refuse)
    registry.validate(EVENT, _data("email", "a@b.c"))
    with pytest.raises(AssertionError):  # and a refused one does
        registry.validate(EVENT, {"id": "x"})


def test_values_that_are_not_json_types_are_judged_by_jsonschema(
    registry: ContractRegistry,
) -> None:
    with pytest.raises(ContractViolation, match="is not of type 'integer'"):
        registry.validate(EVENT, {"id": "6f1c0b8e-3c1a-4c1e-9a7e-2f6a1b2c3d4e", "count": object()})


def test_a_reference_outside_the_directory_is_never_fetched(tmp_path: Path) -> None:
    contract = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [{"$ref": "https://example.invalid/elsewhere.json"}],
    }
    (tmp_path / f"{EVENT}.json").write_text(json.dumps(contract))
    with pytest.raises(ContractViolation, match="cannot resolve"):
        ContractRegistry(tmp_path).validate(EVENT, {})
