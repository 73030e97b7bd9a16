"""A tiny service built with `create_service_app`: problem+json errors, request ids, health."""

from __future__ import annotations

import json
import re
from typing import Any

import marshmallow as ma
import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.views import MethodView
from flask_smorest import Blueprint
from prometheus_client import REGISTRY
from sqlalchemy.exc import DBAPIError

from taskhive_shared.http.app import create_service_app
from taskhive_shared.http.problem import ProblemError
from taskhive_shared.observability.metrics import http_metrics

PROBLEM = "application/problem+json"
SECRET = "db-password=hunter2"


class AddressSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    city = ma.fields.String(required=True)


class ItemSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))
    count = ma.fields.Integer(validate=ma.validate.Range(min=0))
    address = ma.fields.Nested(AddressSchema)


class Readiness:
    def __init__(self) -> None:
        self.broker_up = True

    def database(self) -> None:
        return None

    def broker(self) -> None:
        if not self.broker_up:
            raise ConnectionError(f"broker unreachable ({SECRET})")


@pytest.fixture
def readiness() -> Readiness:
    return Readiness()


@pytest.fixture
def app(readiness: Readiness) -> Flask:
    app, api = create_service_app(
        service="demo",
        title="Demo",
        version="1",
        max_body_bytes=2048,
        readiness_checks={"database": readiness.database, "broker": readiness.broker},
    )
    blp = Blueprint("items", __name__, url_prefix="/api/v1/demo")

    @blp.route("/items")
    class Items(MethodView):
        def get(self) -> dict[str, Any]:
            return {"items": []}

        @blp.arguments(ItemSchema)
        @blp.response(201, ItemSchema)
        def post(self, item: dict[str, Any]) -> dict[str, Any]:
            return item

    @blp.route("/things/")
    def things() -> dict[str, Any]:
        return {"things": []}

    @blp.route("/boom")
    def boom() -> dict[str, Any]:
        raise RuntimeError(f"internal failure: {SECRET}")

    @blp.route("/lost-connection")
    def lost_connection() -> dict[str, Any]:
        raise DBAPIError("SELECT 1", {}, ConnectionError(SECRET), connection_invalidated=True)

    @blp.route("/cancelled/<int:item>")
    def cancelled(item: int) -> dict[str, Any]:
        raise psycopg.errors.QueryCanceled(f"canceling statement due to statement timeout {SECRET}")

    @blp.route("/cancelled-in-session")
    def cancelled_in_session() -> dict[str, Any]:
        cause = psycopg.errors.QueryCanceled(SECRET)
        raise DBAPIError("SELECT 1", {}, cause)

    @blp.route("/database-error")
    def database_error() -> dict[str, Any]:
        raise DBAPIError("SELECT 1", {}, ValueError(SECRET))

    @blp.route("/teapot")
    def teapot() -> dict[str, Any]:
        raise ProblemError(
            418, "I'm a teapot", "Short and stout.", slug="teapot", headers={"X-Brew": "tea"}
        )

    api.register_blueprint(blp)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = json.loads(response.get_data())
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert "type" in body
    return body


def test_app_is_not_in_testing_mode(app: Flask) -> None:
    # Otherwise Flask would propagate view exceptions and the 500 tests would prove nothing.
    assert not app.testing
    assert not app.config["PROPAGATE_EXCEPTIONS"]


# --- errors as problem+json --------------------------------------------------------------


def test_unknown_path_is_a_404_problem(client: FlaskClient) -> None:
    body = _problem(client.get("/api/v1/demo/nothing-here"), 404)
    assert body["title"] == "Not Found"


def test_wrong_method_is_a_405_problem_that_keeps_allow(client: FlaskClient) -> None:
    response = client.delete("/api/v1/demo/items")
    _problem(response, 405)
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "DELETE" not in allowed


def test_validation_errors_are_a_422_problem_keyed_by_field_name(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/demo/items",
        json={"count": -1, "colour": "red", "address": {"street": "x"}},
    )
    body = _problem(response, 422)
    errors = body["errors"]
    assert set(errors) == {"name", "count", "colour", "address.city", "address.street"}
    assert "json" not in errors
    assert not any(key.startswith("json") for key in errors)
    assert all(
        isinstance(v, list) and v and all(isinstance(m, str) for m in v) for v in errors.values()
    )
    assert errors["colour"] == ["Unknown field."]
    assert body["type"] == "/problems/validation"


def test_a_valid_body_is_accepted(client: FlaskClient) -> None:
    response = client.post("/api/v1/demo/items", json={"name": "pen", "count": 2})
    assert response.status_code == 201
    assert response.get_json() == {"name": "pen", "count": 2}


@pytest.mark.parametrize("body", ['{"name": ', "not json at all", '{"name": "x",}'])
def test_malformed_json_is_a_400_problem(client: FlaskClient, body: str) -> None:
    response = client.post("/api/v1/demo/items", data=body, content_type="application/json")
    problem = _problem(response, 400)
    assert "errors" not in problem


def test_a_body_over_the_limit_is_a_413_problem(client: FlaskClient) -> None:
    response = client.post("/api/v1/demo/items", json={"name": "x" * 4096})
    _problem(response, 413)


def test_a_body_just_under_the_limit_is_parsed(client: FlaskClient) -> None:
    payload = json.dumps({"name": "ok", "padding": "x" * 1900})
    assert len(payload) < 2048
    response = client.post("/api/v1/demo/items", data=payload, content_type="application/json")
    # Parsed (and refused for its unknown field), not cut off as too large.
    assert _problem(response, 422)["errors"] == {"padding": ["Unknown field."]}


def test_a_lost_database_connection_is_a_503_problem_to_retry(client: FlaskClient) -> None:
    response = client.get("/api/v1/demo/lost-connection")
    body = _problem(response, 503)
    assert response.headers["Retry-After"] == "1"
    assert SECRET not in response.get_data(as_text=True)
    assert body["title"] == "Service Unavailable"


def _failures(route: str, cause: str) -> float:
    http_metrics()  # the family exists before the first request
    labels = {"service": "demo", "method": "GET", "route": route, "cause": cause}
    value = REGISTRY.get_sample_value("taskhive_http_database_failures_total", labels)
    return value or 0.0


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/api/v1/demo/cancelled/7", "/api/v1/demo/cancelled/<int:item>"),
        ("/api/v1/demo/cancelled-in-session", "/api/v1/demo/cancelled-in-session"),
    ],
)
def test_a_cancelled_statement_is_a_503_query_timeout_counted_by_route(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, path: str, route: str
) -> None:
    """Raw from a psycopg cursor, or wrapped by SQLAlchemy: the same problem (ADR 0029)."""
    before = _failures(route, "statement_timeout")
    response = client.get(path)
    body = _problem(response, 503)
    assert body["type"] == "/problems/query-timeout"
    assert body["title"] == "Query Took Too Long"
    assert "time limit" in body["detail"]
    assert response.headers["Retry-After"] == "5"
    assert SECRET not in response.get_data(as_text=True)
    assert _failures(route, "statement_timeout") == before + 1
    assert _failures(route, "connection_lost") == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert f"database statement cancelled (time limit): GET {route}" in warnings


def test_a_lost_connection_is_counted_as_such(client: FlaskClient) -> None:
    route = "/api/v1/demo/lost-connection"
    before = _failures(route, "connection_lost")
    assert client.get(route).status_code == 503
    assert _failures(route, "connection_lost") == before + 1


def test_any_other_database_error_stays_a_500_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/demo/database-error")
    _problem(response, 500)
    assert SECRET not in response.get_data(as_text=True)


def test_an_exception_in_a_view_is_a_500_problem_without_internals(client: FlaskClient) -> None:
    response = client.get("/api/v1/demo/boom")
    body = _problem(response, 500)
    assert body == {"type": "about:blank", "title": "Internal Server Error", "status": 500}
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "internal failure", SECRET, "hunter2", ".py"):
        assert leak not in text


def test_a_problem_error_raised_by_a_view_is_rendered(client: FlaskClient) -> None:
    response = client.get("/api/v1/demo/teapot")
    body = _problem(response, 418)
    assert body == {
        "type": "/problems/teapot",
        "title": "I'm a teapot",
        "status": 418,
        "detail": "Short and stout.",
    }
    assert response.headers["X-Brew"] == "tea"


# --- trailing slash ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/demo/items", "/api/v1/demo/items/", "/api/v1/demo/things", "/api/v1/demo/things/"],
)
def test_trailing_slash_is_optional_and_never_a_redirect(client: FlaskClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200
    assert "Location" not in response.headers


def test_post_with_a_trailing_slash_is_not_redirected(client: FlaskClient) -> None:
    response = client.post("/api/v1/demo/items/", json={"name": "pen"}, follow_redirects=False)
    assert response.status_code == 201


# --- X-Request-ID ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc-123", "req_1.2:3", "A" * 128, "0194a1b2-c3d4-7e5f"])
def test_a_valid_request_id_is_echoed(client: FlaskClient, value: str) -> None:
    response = client.get("/livez", headers={"X-Request-ID": value})
    assert response.headers["X-Request-ID"] == value


@pytest.mark.parametrize("value", ["x" * 300, "A" * 129, "has spaces", "semi;colon", "é", ""])
def test_an_invalid_request_id_is_replaced(client: FlaskClient, value: str) -> None:
    response = client.get("/livez", headers={"X-Request-ID": value})
    replacement = response.headers["X-Request-ID"]
    assert replacement != value
    assert re.fullmatch(r"[0-9a-f]{32}", replacement)


def test_a_request_id_is_generated_when_absent(client: FlaskClient) -> None:
    first = client.get("/livez").headers["X-Request-ID"]
    second = client.get("/livez").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/demo/nowhere", 404),
        ("get", "/api/v1/demo/boom", 500),
        ("delete", "/api/v1/demo/items", 405),
    ],
)
def test_error_responses_carry_the_request_id_too(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path, headers={"X-Request-ID": "trace-me"})
    assert response.status_code == status
    assert response.headers["X-Request-ID"] == "trace-me"


# --- health ------------------------------------------------------------------------------


def test_livez_is_200(client: FlaskClient, readiness: Readiness) -> None:
    readiness.broker_up = False  # liveness does no I/O and ignores dependencies
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_200_when_every_check_passes(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok"},
    }


def test_readyz_is_503_when_a_check_raises(client: FlaskClient, readiness: Readiness) -> None:
    readiness.broker_up = False
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unavailable"},
    }
    assert SECRET not in response.get_data(as_text=True)
    readiness.broker_up = True
    assert client.get("/readyz").status_code == 200


def test_openapi_document_is_served_under_the_service_prefix(client: FlaskClient) -> None:
    response = client.get("/api/v1/demo/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["info"]["title"] == "Demo"
    assert "/api/v1/demo/items" in document["paths"]
