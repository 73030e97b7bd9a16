"""Hostile input through `create_service_app` (DESIGN §5): bounded JSON bodies, text rules on
bodies and query strings, range-checked decimals and dates, host-free `Link` headers, and an
OpenAPI document that is valid and declares decimals as the strings they are served as."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.views import MethodView
from flask_smorest import Blueprint
from openapi_spec_validator import validate as validate_openapi

from taskhive_shared.http.app import create_service_app
from taskhive_shared.http.endpoints import authenticated, page_headers
from taskhive_shared.http.fields import AwareDateTime, BoundedDecimal
from taskhive_shared.http.input import MAX_JSON_DEPTH, parse_bounded_json
from taskhive_shared.http.problem import ProblemError
from taskhive_shared.security.denylist import InMemoryTokenDenylist
from taskhive_shared.security.tokens import AccessTokenVerifier, LocalKeyResolver

PROBLEM = "application/problem+json"


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ItemSchema(Strict):
    name = ma.fields.String(required=True)
    hours = BoundedDecimal(maximum=Decimal("999999.99"), allow_none=True)
    plain = ma.fields.Decimal(as_string=True, validate=ma.validate.Range(min=0))
    due = AwareDateTime(allow_none=True)
    extra = ma.fields.Dict()
    tags = ma.fields.List(ma.fields.String())


class ListQuerySchema(Strict):
    q = ma.fields.String()
    tag = ma.fields.List(ma.fields.String())
    cursor = ma.fields.String()


def _app(public_base_url: str | None = "https://taskhive.example/") -> Flask:
    app, api = create_service_app(
        service="demo",
        title="Demo",
        version="1",
        max_body_bytes=1_048_576,
        readiness_checks={},
        public_base_url=public_base_url,
    )
    blp = Blueprint("items", __name__, url_prefix="/api/v1/demo")

    @blp.route("/items")
    class Items(MethodView):
        @blp.arguments(ListQuerySchema, location="query")
        @blp.response(200)
        def get(self, args: dict[str, Any]) -> Any:
            return {"items": [], "q": args.get("q")}, 200, page_headers("next-page")

        @blp.arguments(ItemSchema)
        @blp.response(201, ItemSchema)
        def post(self, item: dict[str, Any]) -> Any:
            return item

    api.register_blueprint(blp)

    private = Blueprint("private", __name__, url_prefix="/api/v1/private")
    verifier = AccessTokenVerifier(
        LocalKeyResolver(lambda: {"keys": []}),
        InMemoryTokenDenylist(),
        issuer="iss",
        audience="aud",
    )
    private.before_request(authenticated(verifier))

    @private.route("/things")
    class Things(MethodView):
        @private.arguments(ItemSchema)
        @private.response(201, ItemSchema)
        def post(self, item: dict[str, Any]) -> Any:
            return item

    api.register_blueprint(private)
    return app


@pytest.fixture
def client() -> FlaskClient:
    return _app().test_client()


def _post(client: FlaskClient, raw: str | bytes) -> Any:
    return client.post("/api/v1/demo/items", data=raw, content_type="application/json")


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = json.loads(response.get_data())
    assert body["status"] == status
    return body


# --- bounded JSON ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1000, 100_000])
def test_a_body_nested_too_deep_is_a_422_naming_the_limit(client: FlaskClient, depth: int) -> None:
    raw = '{"name": "x", "extra": {"a": ' + "[" * depth + "]" * depth + "}}"
    body = _problem(_post(client, raw), 422)
    assert body["type"] == "/problems/validation"
    messages = [message for values in body["errors"].values() for message in values]
    assert messages == [f"Nested deeper than {MAX_JSON_DEPTH} levels."]


def test_the_depth_error_names_where_the_limit_was_crossed(client: FlaskClient) -> None:
    nested: Any = "leaf"
    for _ in range(MAX_JSON_DEPTH):
        nested = [nested]
    body = _problem(client.post("/api/v1/demo/items", json={"name": "x", "extra": nested}), 422)
    assert list(body["errors"]) == ["extra" + ".0" * (MAX_JSON_DEPTH - 1)]


def test_a_body_at_the_depth_limit_is_parsed(client: FlaskClient) -> None:
    nested: Any = {}
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = {"a": nested}
    response = client.post("/api/v1/demo/items", json={"name": "x", "extra": nested})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ("1" * 5000, "Integers must lie between"),
        ("9223372036854775808", "Integers must lie between"),
        ("-9223372036854775809", "Integers must lie between"),
        ("1e400", "Numbers must be finite"),
        ("-1e400", "Numbers must be finite"),
        ("NaN", "Numbers must be finite"),
        ("Infinity", "Numbers must be finite"),
        ("-Infinity", "Numbers must be finite"),
        ("0." + "1" * 200, "Numbers must be finite and at most"),
    ],
)
def test_numbers_out_of_bounds_are_a_422_naming_the_field(
    client: FlaskClient, literal: str, message: str
) -> None:
    raw = '{"name": "x", "extra": {"n": [1, ' + literal + "]}}"
    body = _problem(_post(client, raw), 422)
    assert list(body["errors"]) == ["extra.n.1"]
    assert body["errors"]["extra.n.1"][0].startswith(message)


@pytest.mark.parametrize("literal", ["9223372036854775807", "-9223372036854775808", "1.5e308"])
def test_numbers_within_bounds_are_accepted(client: FlaskClient, literal: str) -> None:
    response = _post(client, '{"name": "x", "extra": {"n": ' + literal + "}}")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["extra"]["n"] == json.loads(literal)


@pytest.mark.parametrize("raw", [b'{"name": "\xff"}', b'{"name": ', b"\xef\xbb\xbf{}", b"  "])
def test_bodies_that_are_not_utf8_json_are_a_400(client: FlaskClient, raw: bytes) -> None:
    body = _problem(_post(client, raw), 400)
    assert body["detail"] == "Invalid JSON body."


# --- text rules --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\\u0000b", "a\\ud800b", "\\udfff", "x\\udc00\\ud800"])
def test_nul_and_lone_surrogates_in_a_string_are_a_422_naming_the_field(
    client: FlaskClient, text: str
) -> None:
    raw = '{"name": "ok", "tags": ["fine", "' + text + '"], "extra": {"k": {"v": "' + text + '"}}}'
    body = _problem(_post(client, raw), 422)
    assert set(body["errors"]) == {"tags.1", "extra.k.v"}
    assert body["errors"]["tags.1"] == ["Must not contain NUL characters or unpaired surrogates."]


def test_a_bad_key_is_named_escaped(client: FlaskClient) -> None:
    body = _problem(_post(client, '{"name": "ok", "extra": {"a\\u0000": 1}}'), 422)
    assert body["errors"] == {
        "extra.a\\u0000": ["Names must not contain NUL characters or unpaired surrogates."]
    }


def test_a_surrogate_pair_is_a_character_not_a_lone_surrogate(client: FlaskClient) -> None:
    response = _post(client, '{"name": "\\ud83d\\ude00 ok"}')
    assert response.status_code == 201
    assert response.get_json()["name"] == "\U0001f600 ok"


def test_the_refusal_comes_before_the_schema(client: FlaskClient) -> None:
    """A field the schema would refuse anyway still gets the text-rule message, not a 500."""
    body = _problem(_post(client, '{"nme": "\\ud800"}'), 422)
    assert body["errors"] == {"nme": ["Must not contain NUL characters or unpaired surrogates."]}


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("q=%00", "query.q"),
        ("tag=ok&tag=a%00b", "query.tag"),
        ("%00=1", "query.\\u0000"),
        ("unknown=x%00", "query.unknown"),
    ],
)
def test_nul_in_a_query_parameter_is_a_422_naming_it(
    client: FlaskClient, query: str, name: str
) -> None:
    body = _problem(client.get(f"/api/v1/demo/items?{query}"), 422)
    assert list(body["errors"]) == [name]


def test_a_query_string_of_plain_text_passes(client: FlaskClient) -> None:
    response = client.get("/api/v1/demo/items?q=caf%C3%A9&tag=a")
    assert response.status_code == 200
    assert response.get_json()["q"] == "café"


def test_authentication_comes_before_the_input_rules() -> None:
    """A protected blueprint answers 401 to an anonymous hostile body: no parsing for it."""
    client = _app().test_client()
    response = client.post(
        "/api/v1/private/things", data='{"name": "\\u0000"}', content_type="application/json"
    )
    _problem(response, 401)


def test_parse_bounded_json_returns_the_document() -> None:
    assert parse_bounded_json(b'{"a": [1, 2.5, "x", null, true]}') == {
        "a": [1, 2.5, "x", None, True]
    }
    with pytest.raises(ProblemError) as refused:
        parse_bounded_json('"\\u0000"')
    assert refused.value.errors == {
        "_schema": ["Must not contain NUL characters or unpaired surrogates."]
    }


# --- range-checked fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("1e26", "Must be between 0 and 999999.99."),
        ("1e25", "Must be between 0 and 999999.99."),
        ("1e999999999", "Must be between 0 and 999999.99."),
        ("1000000", "Must be between 0 and 999999.99."),
        ("-0.01", "Must be between 0 and 999999.99."),
        ("2.505", "At most 2 decimal places."),
        ("NaN", "Must be a finite number."),
        ("-Infinity", "Must be a finite number."),
        ("sNaN", "Must be a finite number."),
        ("two", "Not a valid number."),
        (True, "Not a valid number."),
        ([], "Not a valid number."),
    ],
)
def test_a_bounded_decimal_refuses_before_quantizing(
    client: FlaskClient, hours: Any, message: str
) -> None:
    body = _problem(client.post("/api/v1/demo/items", json={"name": "x", "hours": hours}), 422)
    assert body["errors"] == {"hours": [message]}


@pytest.mark.parametrize(
    ("hours", "served"),
    [("2.5", "2.50"), (2.5, "2.50"), (0, "0.00"), ("999999.99", "999999.99"), ("1E+2", "100.00")],
)
def test_a_bounded_decimal_in_range_is_served_as_a_string(
    client: FlaskClient, hours: Any, served: str
) -> None:
    response = client.post("/api/v1/demo/items", json={"name": "x", "hours": hours})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["hours"] == served


@pytest.mark.parametrize(
    "due",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T12:00:00Z",
    ],
)
def test_a_date_time_out_of_range_in_utc_is_a_422(client: FlaskClient, due: str) -> None:
    body = _problem(client.post("/api/v1/demo/items", json={"name": "x", "due": due}), 422)
    assert list(body["errors"]) == ["due"]
    assert "in UTC" in body["errors"]["due"][0]


@pytest.mark.parametrize("due", ["0001-01-02T00:00:00Z", "9999-12-30T23:00:00-00:59"])
def test_a_date_time_at_the_edges_is_accepted(client: FlaskClient, due: str) -> None:
    response = client.post("/api/v1/demo/items", json={"name": "x", "due": due})
    assert response.status_code == 201, response.get_json()


def test_a_naive_date_time_is_still_refused(client: FlaskClient) -> None:
    body = _problem(
        client.post("/api/v1/demo/items", json={"name": "x", "due": "2030-01-01T00:00:00"}), 422
    )
    assert list(body["errors"]) == ["due"]


# --- links -------------------------------------------------------------------------------


def test_the_next_link_starts_with_the_public_base_url_never_the_host(
    client: FlaskClient,
) -> None:
    response = client.get("/api/v1/demo/items?q=a", headers={"Host": "evil.example"})
    assert response.status_code == 200
    assert response.headers["Link"] == (
        '<https://taskhive.example/api/v1/demo/items?q=a&cursor=next-page>; rel="next"'
    )


def test_without_a_public_base_url_the_next_link_is_relative() -> None:
    client = _app(public_base_url=None).test_client()
    response = client.get("/api/v1/demo/items", headers={"Host": "evil.example"})
    assert response.headers["Link"] == '</api/v1/demo/items?cursor=next-page>; rel="next"'
    assert "evil" not in response.headers["Link"]


# --- the OpenAPI document ----------------------------------------------------------------


def test_the_openapi_document_is_valid_and_decimals_are_strings() -> None:
    document = _app().test_client().get("/api/v1/demo/openapi.json").get_json()
    validate_openapi(document)
    item = document["components"]["schemas"]["Item"]["properties"]
    assert item["hours"] == {
        "type": "string",
        "format": "decimal",
        "pattern": r"^[0-9]{1,6}(\.[0-9]{1,2})?$",
        "nullable": True,
        "x-minimum": "0",
        "x-maximum": "999999.99",
    }
    assert item["plain"]["type"] == "string"
    assert "minimum" not in item["plain"]
    assert item["plain"]["x-minimum"] == "0"
