"""The committed OpenAPI documents are valid OpenAPI 3 (JSON Schema included): what the fuzzer,
client generators and the docs UI read must be a contract, not approximately one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

DOCS = Path(__file__).resolve().parents[2] / "docs" / "openapi"


@pytest.mark.parametrize("service", ["auth", "users", "tasks"])
def test_the_committed_document_is_valid_openapi(service: str) -> None:
    document = json.loads((DOCS / f"{service}.json").read_text("utf-8"))
    validate(document)


@pytest.mark.parametrize("service", ["auth", "users", "tasks"])
def test_bounds_are_numbers_and_decimals_are_declared_as_served(service: str) -> None:
    text = (DOCS / f"{service}.json").read_text("utf-8")

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if key in node:
                    assert isinstance(node[key], int | float), node
            if node.get("format") == "decimal":
                assert node["type"] == "string"
                assert "pattern" in node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(text))
