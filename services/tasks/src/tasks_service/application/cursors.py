"""Opaque keyset cursors: the sort spec they belong to and the last row's key values.

A cursor from another list, another sort, or edited by hand is refused (422), never
silently reinterpreted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from taskhive_shared.pagination import MAX_LIMIT, InvalidCursor, decode_cursor, encode_cursor
from tasks_service.domain.errors import ValidationFailed

BAD_CURSOR = "Not a cursor of this list; start again without one."

Decoder = Callable[[Any], Any]


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.single("limit", f"Must be between 1 and {MAX_LIMIT}.")


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode(spec: str, values: Sequence[Any]) -> str:
    return encode_cursor({"s": spec, "v": [_encode_value(value) for value in values]})


def decode(cursor: str, spec: str, decoders: Sequence[Decoder]) -> tuple[Any, ...]:
    try:
        raw = decode_cursor(cursor, {"s", "v"})
        if encode_cursor(raw) != cursor:
            # Only the exact text we issued: no padding, stray characters or re-spacing.
            raise InvalidCursor("cursor is not valid")
        values = raw["v"]
        if raw["s"] != spec or not isinstance(values, list) or len(values) != len(decoders):
            raise InvalidCursor("cursor is not valid")
        return tuple(decoder(value) for decoder, value in zip(decoders, values, strict=True))
    except (InvalidCursor, ValueError, TypeError) as exc:
        raise ValidationFailed.single("cursor", BAD_CURSOR) from exc


def as_uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise TypeError("not an id")
    return uuid.UUID(value)


def as_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError("not a timestamp")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive timestamp")
    return parsed


def as_optional_datetime(value: Any) -> datetime | None:
    return None if value is None else as_datetime(value)


def as_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def as_tier(value: Any) -> int:
    """A ranked list's tier: 1 the ranked window, 2 the older matches."""
    if as_int(value) not in (1, 2):
        raise ValueError("not a tier")
    return int(value)


def as_float(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError("not a number")
    return float(value)


def as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value
