"""The body limit of `create_service_app` holds for chunked bodies (no Content-Length) too:
over it a 413 problem, never a body cut at the limit and parsed as invalid JSON (a 400)."""

from __future__ import annotations

import io
import json

import marshmallow as ma
import pytest
from flask import Flask
from flask_smorest import Blueprint

from taskhive_shared.http.app import create_service_app

LIMIT = 1024


class NoteSchema(ma.Schema):
    text = ma.fields.String(required=True)


@pytest.fixture
def app() -> Flask:
    app, api = create_service_app(
        service="demo", title="Demo", version="1", max_body_bytes=LIMIT, readiness_checks={}
    )
    blueprint = Blueprint("notes", __name__, url_prefix="/api/v1/demo")

    @blueprint.post("/notes")
    @blueprint.arguments(NoteSchema)
    @blueprint.response(201, NoteSchema)
    def create(note: dict[str, str]) -> dict[str, str]:
        return note

    api.register_blueprint(blueprint)
    return app


def _body(size: int) -> bytes:
    """A JSON document of exactly `size` bytes."""
    frame = b'{"text": ""}'
    return frame[:-2] + b"a" * (size - len(frame)) + frame[-2:]


def _post_chunked(app: Flask, body: bytes) -> tuple[int, str, dict[str, object]]:
    # As gunicorn hands it over: no CONTENT_LENGTH, the server terminates the stream.
    response = app.test_client().post(
        "/api/v1/demo/notes",
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    return response.status_code, response.content_type, json.loads(response.data)


@pytest.mark.parametrize("size", [LIMIT + 1, 2 * LIMIT, 40 * LIMIT])
def test_a_chunked_body_over_the_limit_is_413(app: Flask, size: int) -> None:
    status, content_type, problem = _post_chunked(app, _body(size))
    assert status == 413
    assert content_type == "application/problem+json"
    assert problem["status"] == 413


@pytest.mark.parametrize("size", [20, LIMIT])
def test_a_chunked_body_up_to_the_limit_is_read_whole(app: Flask, size: int) -> None:
    status, _, note = _post_chunked(app, _body(size))
    assert status == 201, note
    assert len(str(note["text"])) == size - len(b'{"text": ""}')


def test_a_declared_length_is_left_to_max_content_length(app: Flask) -> None:
    client = app.test_client()
    response = client.post(
        "/api/v1/demo/notes", data=_body(LIMIT + 1), content_type="application/json"
    )
    assert response.status_code == 413
    response = client.post("/api/v1/demo/notes", data=_body(LIMIT), content_type="application/json")
    assert response.status_code == 201
