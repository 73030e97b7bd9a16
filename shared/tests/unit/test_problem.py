"""flatten_messages and problem_response: the problem+json body."""

from __future__ import annotations

import json

from taskhive_shared.http.problem import flatten_messages, problem_response


def test_flat_field_messages_are_kept() -> None:
    assert flatten_messages({"name": ["Missing data for required field."]}) == {
        "name": ["Missing data for required field."]
    }


def test_nested_fields_are_dotted() -> None:
    messages = {"address": {"city": ["Required."], "geo": {"lat": ["Not a number."]}}}
    assert flatten_messages(messages) == {
        "address.city": ["Required."],
        "address.geo.lat": ["Not a number."],
    }


def test_list_indexes_become_path_segments() -> None:
    messages = {"tags": {0: ["Too long."], 2: ["Empty."]}}
    assert flatten_messages(messages) == {"tags.0": ["Too long."], "tags.2": ["Empty."]}


def test_list_of_nested_messages_is_merged_under_its_field() -> None:
    messages = {"items": [{"qty": ["Must be positive."]}, {"qty": ["Required."]}]}
    assert flatten_messages(messages) == {"items.qty": ["Must be positive.", "Required."]}


def test_schema_level_messages_go_under_schema() -> None:
    assert flatten_messages(["Invalid input."]) == {"_schema": ["Invalid input."]}
    assert flatten_messages("Invalid input.") == {"_schema": ["Invalid input."]}
    assert flatten_messages({"_schema": ["Bad."]}) == {"_schema": ["Bad."]}


def test_prefix_is_prepended() -> None:
    assert flatten_messages({"limit": ["Too big."]}, "query") == {"query.limit": ["Too big."]}


def test_non_string_messages_are_stringified() -> None:
    assert flatten_messages({"n": [42]}) == {"n": ["42"]}


def test_problem_response_shape() -> None:
    response = problem_response(
        422,
        "Unprocessable Content",
        "See errors.",
        slug="validation",
        errors={"name": ["Required."]},
        headers={"X-Extra": "1"},
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.headers["X-Extra"] == "1"
    assert json.loads(response.get_data()) == {
        "type": "/problems/validation",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "See errors.",
        "errors": {"name": ["Required."]},
    }


def test_problem_response_without_slug_is_about_blank_and_omits_empty_members() -> None:
    body = json.loads(problem_response(404, "Not Found").get_data())
    assert body == {"type": "about:blank", "title": "Not Found", "status": 404}
