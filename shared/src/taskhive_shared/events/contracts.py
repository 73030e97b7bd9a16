"""JSON Schema contracts of integration events, one file per type and version."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError


class ContractViolation(ValueError):
    """`data` of an event does not match its published schema (or no schema exists)."""


def contracts_dir() -> Path:
    """`shared/contracts/` in a checkout; the copy packaged into the wheel otherwise."""
    packaged = Path(str(resources.files("taskhive_shared"))) / "contracts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "contracts"


class ContractRegistry:
    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory or contracts_dir()

    def known_types(self) -> list[str]:
        return sorted(path.name.removesuffix(".json") for path in self._directory.glob("*.json"))

    def schema(self, event_type: str) -> dict[str, Any]:
        return _load_schema(self._directory, event_type)

    def validate(self, event_type: str, data: dict[str, Any]) -> None:
        try:
            schema = self.schema(event_type)
        except FileNotFoundError as exc:
            raise ContractViolation(f"no contract for {event_type}") from exc
        try:
            Draft202012Validator(
                schema, format_checker=Draft202012Validator.FORMAT_CHECKER
            ).validate(data)
        except ValidationError as exc:
            raise ContractViolation(f"{event_type}: {exc.message}") from exc


@cache
def _load_schema(directory: Path, event_type: str) -> dict[str, Any]:
    if "/" in event_type or event_type.startswith("."):
        raise FileNotFoundError(event_type)
    schema: dict[str, Any] = json.loads((directory / f"{event_type}.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema
