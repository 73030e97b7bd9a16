"""Opaque keyset cursors of the hooks lists."""

from __future__ import annotations

import uuid

from taskhive_shared.http.problem import validation_problem
from taskhive_shared.pagination import InvalidCursor, decode_cursor, encode_cursor


def id_cursor(value: uuid.UUID) -> str:
    return encode_cursor({"id": str(value)})


def read_id_cursor(cursor: str | None) -> uuid.UUID | None:
    if cursor is None:
        return None
    try:
        return uuid.UUID(str(decode_cursor(cursor, {"id"})["id"]))
    except (InvalidCursor, ValueError) as exc:
        raise validation_problem({"cursor": ["Not a cursor of this list."]}) from exc


def seq_cursor(value: int) -> str:
    return encode_cursor({"seq": value})


def read_seq_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        seq = decode_cursor(cursor, {"seq"})["seq"]
    except InvalidCursor as exc:
        raise validation_problem({"cursor": ["Not a cursor of this list."]}) from exc
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < 2**63:
        raise validation_problem({"cursor": ["Not a cursor of this list."]})
    return seq
