"""JSON Schema contracts of integration events, one file per type and version.

A file named after an event type (`tasks.task.assigned.v1.json`) is that type's contract. Any
other file of the directory is a shared definition that contracts reference with `$ref` (e.g.
`tasks.task-summary.json`, the task summary of every `tasks.task.*` event). References resolve
against the files of the same directory only, by their `$id` or their file name: nothing is ever
fetched over the network.

Every event is validated twice on its way (by its producer's outbox and by each consumer), so
`validate` asks jsonschema-rs first (compiled, ~1 µs for a task event against ~0.3 ms): what it
accepts is valid. What it refuses is judged again by jsonschema, whose verdict and message are
the contract's (the two differ at the edges of formats: jsonschema-rs refuses some addresses
jsonschema's loose `email` check accepts, and accepts a leap second `…:60Z` RFC 3339 allows).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from taskhive_shared.events.envelope import EVENT_TYPE


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
        return sorted(
            name
            for name in (path.name.removesuffix(".json") for path in self._directory.glob("*.json"))
            if EVENT_TYPE.fullmatch(name)
        )

    def definitions(self) -> list[str]:
        """The shared definitions (files that are no event type), by file name."""
        return sorted(
            path.name
            for path in self._directory.glob("*.json")
            if not EVENT_TYPE.fullmatch(path.name.removesuffix(".json"))
        )

    def schema(self, event_type: str) -> dict[str, Any]:
        """The contract as one self-contained document: each shared definition it takes whole
        (`"allOf": [{"$ref": …}]`) merged into its `properties` and `required`, as a reader
        outside this repository (or one that lists a contract's fields) wants it. It accepts
        exactly what the file accepts; `validate` uses the file itself."""
        return _self_contained(self._directory, event_type)

    def validate(self, event_type: str, data: dict[str, Any]) -> None:
        try:
            fast = _fast_validator(self._directory, event_type)
            validator = _validator(self._directory, event_type)
        except FileNotFoundError as exc:
            raise ContractViolation(f"no contract for {event_type}") from exc
        try:
            if fast.is_valid(data):
                return
        except (TypeError, ValueError):  # not JSON's types: jsonschema says what is wrong
            pass
        try:
            validator.validate(data)
        except ValidationError as exc:
            raise ContractViolation(f"{event_type}: {exc.message}") from exc


@cache
def _load_schema(directory: Path, event_type: str) -> dict[str, Any]:
    if not EVENT_TYPE.fullmatch(event_type):
        raise FileNotFoundError(event_type)
    schema: dict[str, Any] = json.loads((directory / f"{event_type}.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description"})


@cache
def _self_contained(directory: Path, event_type: str) -> dict[str, Any]:
    schema = _load_schema(directory, event_type)
    _validator(directory, event_type)  # every reference resolves
    resolver = _local_registry(directory).resolver_with_root(
        Resource.from_contents(schema, default_specification=DRAFT202012)
    )
    properties: dict[str, Any] = {}
    required: list[str] = []
    kept: list[Any] = []
    for part in schema.get("allOf", []):
        target = resolver.lookup(part["$ref"]).contents if set(part) == {"$ref"} else None
        # Merged only when nothing is lost: an object schema of properties and required alone,
        # none of them defined again by the contract.
        if (
            isinstance(target, dict)
            and target.get("type") == schema.get("type")
            and set(target) <= _ANNOTATIONS | {"type", "properties", "required"}
            and not set(target.get("properties", {}))
            & set(properties | schema.get("properties", {}))
        ):
            properties.update(target.get("properties", {}))
            required += [name for name in target.get("required", []) if name not in required]
        else:
            kept.append(part)
    if len(kept) == len(schema.get("allOf", [])):
        return schema
    merged = {key: value for key, value in schema.items() if key != "allOf"}
    merged["properties"] = {**properties, **schema.get("properties", {})}
    merged["required"] = required + [n for n in schema.get("required", []) if n not in required]
    if kept:
        merged["allOf"] = kept
    return merged


@cache
def _validator(directory: Path, event_type: str) -> Draft202012Validator:
    schema = _load_schema(directory, event_type)
    registry = _local_registry(directory)
    _check_references(registry, schema, event_type)
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@cache
def _fast_validator(directory: Path, event_type: str) -> Any:
    """The contract compiled by jsonschema-rs, once jsonschema checked it and its references."""
    _validator(directory, event_type)
    return jsonschema_rs.validator_for(
        _load_schema(directory, event_type),
        registry=_fast_registry(directory),
        retriever=_never_retrieve,
        validate_formats=True,
    )


def _never_retrieve(uri: str) -> Any:
    raise ContractViolation(f"{uri} is not a contract of this directory (never fetched)")


@cache
def _fast_registry(directory: Path) -> Any:
    """The same resources as `_local_registry`, for jsonschema-rs (which fetches nothing
    either: a reference outside them fails when the contract is compiled)."""
    resources: list[tuple[str, Any]] = []
    for path in sorted(directory.glob("*.json")):
        contents = json.loads(path.read_text("utf-8"))
        resources.append((path.name, contents))
        if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
            resources.append((contents["$id"], contents))
    return jsonschema_rs.Registry(resources, retriever=_never_retrieve)


@cache
def _local_registry(directory: Path) -> Registry[Any]:
    """Every file of the directory, under its `$id` and its file name. No `retrieve`: a
    reference to anything else is unresolvable, never a download."""
    resources: list[tuple[str, Resource[Any]]] = []
    for path in sorted(directory.glob("*.json")):
        contents = json.loads(path.read_text("utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        resources.append((path.name, resource))
        if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
            resources.append((contents["$id"], resource))
    return Registry().with_resources(resources)


def _check_references(registry: Registry[Any], schema: dict[str, Any], event_type: str) -> None:
    """Resolve every `$ref` of a contract (and of what it references) when it is loaded, so a
    broken reference fails there, not on the first event that happens to reach it."""
    root = Resource.from_contents(schema, default_specification=DRAFT202012)
    # (a node of a schema, the resolver of the resource it sits in: its refs' base URI)
    pending: list[tuple[Any, Any]] = [(schema, registry.resolver_with_root(root))]
    followed: set[int] = set()
    while pending:
        node, resolver = pending.pop()
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str):
                try:
                    resolved = resolver.lookup(reference)
                except Unresolvable as exc:
                    raise ContractViolation(f"{event_type}: cannot resolve {reference}") from exc
                if id(resolved.contents) not in followed:
                    followed.add(id(resolved.contents))
                    pending.append((resolved.contents, resolved.resolver))
            pending.extend((value, resolver) for value in node.values())
        elif isinstance(node, list):
            pending.extend((item, resolver) for item in node)
