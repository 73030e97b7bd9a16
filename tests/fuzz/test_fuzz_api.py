"""Schemathesis over every operation of the services' OpenAPI documents, through the gateway of a
running stack (DESIGN §8): no 5xx, and every response true to the document (status, content
type, headers, body schema). Deterministic (derandomized) and bounded in examples.

Each operation is fuzzed with schema-valid data (positive) and with data that breaks the schema
(negative); an operation with path parameters also gets random ids besides real ones, so the
fuzzer reaches the rules behind the 404s. Failures are collected, not raised at the first one:
the test reports every distinct failure of the operation at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi import checks as openapi_checks

from taskhive_infra.openapi import PATHS
from taskhive_infra.services import SERVICES as REGISTRY
from tests.e2e.journeys import bearer
from tests.fuzz.conftest import FIGURES, World

DOCS = Path(__file__).resolve().parents[2] / "docs" / "openapi"
SERVICES = tuple(service.name for service in REGISTRY)
"""Every service of the registry: a new one is fuzzed from its first commit."""
EXAMPLES = 10
"""Per operation and generation mode (and again with random ids where there are path ids)."""
RANDOM_ID_EXAMPLES = 4
TIMEOUT = 10
MAX_REQUEST_TARGET = 4000
# Operations that end the caller's session: each example gets a session of its own.
ENDS_SESSION = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}
ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}

CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
]
SCHEMA_CHECKS = {
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
}


def _operations() -> Iterator[tuple[str, str, str]]:
    found = []
    for service in SERVICES:
        document = json.loads((DOCS / f"{service}.json").read_text("utf-8"))
        for path, item in document["paths"].items():
            for method in item:
                if method.upper() in ORDER:
                    found.append((service, method.upper(), path))
    # Deletions last, children (longer paths) before their parents.
    found.sort(
        key=lambda op: (
            SERVICES.index(op[0]),
            op[1] == "DELETE",
            -len(op[2]) if op[1] == "DELETE" else 0,
            op[2],
            ORDER[op[1]],
        )
    )
    return iter(found)


OPERATIONS = list(_operations())
_SCHEMAS: dict[str, Any] = {}


def _schema(service: str) -> Any:
    if service not in _SCHEMAS:
        _SCHEMAS[service] = schemathesis.openapi.from_path(DOCS / f"{service}.json")
    return _SCHEMAS[service]


def _operation(service: str, method: str, path: str) -> Any:
    for result in _schema(service).get_all_operations():
        operation = result.ok()
        if operation.method.upper() == method and operation.path == path:
            return operation
    raise LookupError(f"{method} {path} not in {service}.json")


def _has_input(service: str, method: str, path: str) -> bool:
    document = json.loads((DOCS / f"{service}.json").read_text("utf-8"))
    item = document["paths"][path]
    spec = item[method.lower()]
    return bool(item.get("parameters") or spec.get("parameters") or spec.get("requestBody"))


def test_the_served_documents_are_the_committed_ones(world: World) -> None:
    for service in SERVICES:
        served = world.client.get(f"/api/v1/{PATHS.get(service, service)}/openapi.json")
        assert served.status_code == 200
        committed = json.loads((DOCS / f"{service}.json").read_text("utf-8"))
        assert served.json() == committed, f"{service}: served document differs"


def _describe(case: Any, response: Any, failure: Failure | None = None) -> str:
    body = response.text[:300] if response is not None else ""
    what = f"{failure.title}: {failure.message[:300]}" if failure is not None else ""
    return (
        f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]} "
        f"→ {response.status_code if response is not None else '-'} {body} {what}"
    )


def _fuzz(
    world: World,
    operation: Any,
    mode: GenerationMode,
    path_parameters: dict[str, str] | None,
    examples: int,
    failures: list[str],
) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
    fresh_session = (operation.method.upper(), operation.path) in ENDS_SESSION

    @hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        # Within the gateway's request-target limit (GATEWAY_MAX_URL_BYTES, 4096 bytes); longer
        # targets get its 414 problem (docs/API.md).
        target = case.formatted_path + "?" + urlencode(case.query or {}, doseq=True)
        hypothesis.assume(len(target.encode()) <= MAX_REQUEST_TARGET)
        token = world.fresh_token() if fresh_session else world.token
        headers = bearer(token)
        response = case.call(
            base_url=world.client.base_url,
            session=world.client.session,
            headers=headers,
            timeout=TIMEOUT,
        )
        FIGURES.count(f"{operation.method.upper()} {operation.path}", response.status_code)
        if response.status_code >= 500:
            FIGURES.server_errors.append(_describe(case, response))
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                _record(case, response, failure, failures)
        except Failure as failure:
            _record(case, response, failure, failures)

    run()


def _record(case: Any, response: Any, failure: Failure, failures: list[str]) -> None:
    text = _describe(case, response, failure)
    checks = set(getattr(failure, "checks", ()) or ())
    if checks & SCHEMA_CHECKS:
        FIGURES.schema_violations.append(text)
    elif "not_a_server_error" not in checks:
        FIGURES.other_failures.append(text)
    failures.append(text)


@pytest.mark.parametrize(
    ("service", "method", "path"),
    OPERATIONS,
    ids=[f"{method} {path}" for _, method, path in OPERATIONS],
)
def test_fuzz_operation(world: World, service: str, method: str, path: str) -> None:
    operation = _operation(service, method, path)
    FIGURES.operations.add(f"{method} {path}")
    names = [name for name in world.ids if "{" + name + "}" in path]
    real = {name: world.ids[name] for name in names} or None
    failures: list[str] = []
    _fuzz(world, operation, GenerationMode.POSITIVE, real, EXAMPLES, failures)
    if _has_input(service, method, path):  # else there is nothing to break
        _fuzz(world, operation, GenerationMode.NEGATIVE, real, EXAMPLES, failures)
    if "{" in path:
        _fuzz(world, operation, GenerationMode.POSITIVE, None, RANDOM_ID_EXAMPLES, failures)
    distinct = sorted(set(failures))
    assert not distinct, f"{len(distinct)} distinct failures:\n" + "\n".join(distinct[:20])
