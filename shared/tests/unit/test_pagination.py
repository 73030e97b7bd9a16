"""Opaque keyset cursors and the RFC 8288 `Link` header."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from taskhive_shared.pagination import InvalidCursor, decode_cursor, encode_cursor, next_link

POSITION = {"created_at": "2025-01-15T09:30:00+00:00", "id": "0194a1b2-0000-7000-8000-00000000abcd"}
KEYS = {"created_at", "id"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_round_trip() -> None:
    cursor = encode_cursor(POSITION)
    assert decode_cursor(cursor, KEYS) == POSITION


def test_round_trip_keeps_value_types() -> None:
    position = {"priority": 3, "due": None, "title": "Ünïcode & spaces"}
    assert decode_cursor(encode_cursor(position), set(position)) == position


def test_cursor_is_url_safe_and_opaque() -> None:
    cursor = encode_cursor({"title": "a/b+c?d=e&f", "id": "x" * 40})
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "title" not in cursor


def test_encoding_is_independent_of_key_order() -> None:
    assert encode_cursor({"a": 1, "b": 2}) == encode_cursor({"b": 2, "a": 1})


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!!",
        "not a cursor",
        "%%%",
        "é",
        "\x00",
        _b64(b"\xff\xfe\xfd"),  # not UTF-8
        _b64(b"{not json"),
    ],
)
def test_garbage_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, KEYS)


def test_truncated_cursor_is_refused() -> None:
    cursor = encode_cursor(POSITION)
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor[:-4], KEYS)


def test_tampered_cursor_is_refused() -> None:
    cursor = encode_cursor(POSITION)
    # Change the first characters: the JSON object's opening brace is gone.
    tampered = ("A" if cursor[0] != "A" else "B") + cursor[1:]
    with pytest.raises(InvalidCursor):
        decode_cursor(tampered, KEYS)


@pytest.mark.parametrize(
    "payload",
    [
        {"id": "x"},  # a key missing
        {"created_at": "x", "id": "y", "extra": 1},  # a key too many
        {"title": "x", "id": "y"},  # another list's cursor
    ],
)
def test_wrong_keys_are_refused(payload: dict[str, str]) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor(payload), KEYS)


@pytest.mark.parametrize("payload", [[1, 2], "text", 42, None, True])
def test_json_that_is_not_an_object_is_refused(payload: object) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(_b64(json.dumps(payload).encode()), KEYS)


def test_deeply_nested_json_is_refused_not_crashed() -> None:
    # A 2.7 kB cursor fits in any URL; bad input must never become a 500 (DESIGN §4).
    cursor = _b64(b"[" * 2000)
    assert len(cursor) < 3000
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, KEYS)


def test_next_link_keeps_other_params_and_replaces_the_cursor() -> None:
    link = next_link(
        "https://taskhive.test/api/v1/tasks",
        {"cursor": "OLD", "limit": 20, "status": ["open", "done"], "q": "a b&c"},
        "NEW-cursor_1",
    )
    assert link.startswith("<https://taskhive.test/api/v1/tasks?")
    assert link.endswith('>; rel="next"')
    url = link[1 : link.index(">")]
    params = parse_qsl(urlsplit(url).query)
    assert params == [
        ("limit", "20"),
        ("status", "open"),
        ("status", "done"),
        ("q", "a b&c"),
        ("cursor", "NEW-cursor_1"),
    ]
    assert "OLD" not in link


def test_next_link_without_a_previous_cursor() -> None:
    cursor = encode_cursor(POSITION)
    link = next_link("/api/v1/tasks", {"limit": 5}, cursor)
    assert link == f'</api/v1/tasks?limit=5&cursor={cursor}>; rel="next"'
