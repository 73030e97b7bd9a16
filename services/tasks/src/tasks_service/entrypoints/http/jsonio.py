"""Fast JSON answers for the task endpoints: plain values serialised by orjson.

JSON the database already assembled (RawJson: assignees, metadata) is embedded as is,
never parsed and re-serialised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from flask import Response

from tasks_service.application.ports import RawJson

_OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS


def _default(value: Any) -> Any:
    if isinstance(value, RawJson):
        return orjson.Fragment(str(value))
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=_OPTIONS)


def plain(value: Any) -> Any:
    """JSON types only (dicts, lists, strings …), e.g. for a stored idempotent response."""
    return orjson.loads(dumps(value))


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        dumps(body), status=status, headers=dict(headers or {}), mimetype="application/json"
    )
