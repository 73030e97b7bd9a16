"""Keyset pagination helpers: opaque cursors and the RFC 8288 `Link` header."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import urlencode

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class InvalidCursor(ValueError):
    """The cursor was not produced by us (tampered, truncated or from another list)."""


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, expected_keys: set[str]) -> dict[str, Any]:
    """Decode and check the shape; the caller validates each value's type."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError, RecursionError) as exc:
        raise InvalidCursor("cursor is not valid") from exc
    if not isinstance(position, dict) or set(position) != expected_keys:
        raise InvalidCursor("cursor is not valid")
    return position


def next_link(base_url: str, query: dict[str, Any], cursor: str) -> str:
    """`Link` header value for the next page: the same query with the new cursor."""
    params = [(k, v) for k, v in query.items() if k != "cursor"]
    params.append(("cursor", cursor))
    return f'<{base_url}?{urlencode(params, doseq=True)}>; rel="next"'
