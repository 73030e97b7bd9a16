"""Hostile input (DESIGN §5): bounded JSON bodies and text rules, before any schema sees them.

Every blueprint registered through `ProblemApi` checks, after its own hooks (authentication)
and before webargs parses anything:

- a JSON body is valid UTF-8 JSON (else 400, as webargs answers), nested at most
  `MAX_JSON_DEPTH` levels, and its numbers are bounded: integers within a signed 64-bit
  range, other numbers finite doubles written in at most `MAX_NUMBER_CHARS` characters;
  `NaN` and `Infinity` are not JSON;
- no string of the body (keys included) and no query parameter (names included) contains NUL
  or a lone UTF-16 surrogate: PostgreSQL cannot store the first, UTF-8 cannot encode the second.

A refusal is a 422 validation problem naming each offending place: `metadata.notes` or
`tags.0` in the body (the names schema errors use), `query.q` for a parameter.
Once a body passed, any later parse of it (webargs, `request.get_json`) is safe.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from taskhive_shared.http.problem import ProblemError, validation_problem

MAX_JSON_DEPTH = 32
MAX_NUMBER_CHARS = 100
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
MAX_REPORTED = 20
"""Errors named in one answer: enough to fix a request, never an amplifier."""

BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
TEXT_MESSAGE = "Must not contain NUL characters or unpaired surrogates."
KEY_MESSAGE = "Names must not contain NUL characters or unpaired surrogates."
DEPTH_MESSAGE = f"Nested deeper than {MAX_JSON_DEPTH} levels."
INTEGER_MESSAGE = f"Integers must lie between {INT_MIN} and {INT_MAX}."
NUMBER_MESSAGE = f"Numbers must be finite and at most {MAX_NUMBER_CHARS} characters long."
INVALID_JSON = "Invalid JSON body."
WHOLE_BODY = "_schema"


class _RefusedNumber:
    """Stands in for a number the parser must not build; the walk reports where it was."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _parse_int(literal: str) -> int | _RefusedNumber:
    # Checked before int(): a long literal is quadratic to convert (and >4300 digits raise).
    if len(literal) > 20:
        return _RefusedNumber(INTEGER_MESSAGE)
    value = int(literal)
    return value if INT_MIN <= value <= INT_MAX else _RefusedNumber(INTEGER_MESSAGE)


def _parse_float(literal: str) -> float | _RefusedNumber:
    if len(literal) > MAX_NUMBER_CHARS:
        return _RefusedNumber(NUMBER_MESSAGE)
    value = float(literal)
    return value if math.isfinite(value) else _RefusedNumber(NUMBER_MESSAGE)


def _parse_constant(literal: str) -> _RefusedNumber:
    # Python's json accepts NaN, Infinity and -Infinity; JSON does not.
    return _RefusedNumber(NUMBER_MESSAGE)


def parse_bounded_json(data: bytes | str) -> Any:
    """Parse a JSON document under the rules above; raise ProblemError when it breaks them."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        document = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except RecursionError as exc:
        raise validation_problem({WHOLE_BODY: [DEPTH_MESSAGE]}) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProblemError(400, "Bad Request", INVALID_JSON) from exc
    errors = document_errors(document)
    if errors:
        raise validation_problem(errors)
    return document


def document_errors(document: Any) -> dict[str, list[str]]:
    """Every place (dotted path) of a parsed document that breaks the rules, with why."""
    errors: dict[str, list[str]] = {}
    for path, message in _violations(document):
        errors.setdefault(path or WHOLE_BODY, []).append(message)
        if len(errors) >= MAX_REPORTED:
            break
    return errors


def _violations(document: Any) -> Iterator[tuple[str, str]]:
    # Iterative: a deep document must not cost a deep Python stack.
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                yield path, DEPTH_MESSAGE
                continue
            items = value.items() if isinstance(value, dict) else enumerate(value)
            children = []
            for key, item in items:
                name = key if isinstance(key, str) else str(key)
                child = f"{path}.{printable(name)}" if path else printable(name)
                if isinstance(key, str) and BAD_TEXT.search(key):
                    yield child, KEY_MESSAGE
                children.append((item, child, depth + 1))
            stack.extend(reversed(children))
        elif isinstance(value, str):
            if BAD_TEXT.search(value):
                yield path, TEXT_MESSAGE
        elif isinstance(value, _RefusedNumber):
            yield path, value.message


def printable(name: str) -> str:
    """A name as it can be shown: NUL and surrogates escaped as `\\uXXXX`."""
    return BAD_TEXT.sub(lambda match: f"\\u{ord(match.group()):04x}", name)


def query_errors(args: MultiDict[str, str]) -> dict[str, list[str]]:
    """Every query parameter (`query.<name>`) whose name or a value breaks the text rules."""
    errors: dict[str, list[str]] = {}
    for name, value in args.items(multi=True):
        bad_name = BAD_TEXT.search(name) is not None
        if bad_name or BAD_TEXT.search(value):
            messages = errors.setdefault(f"query.{printable(name)}", [])
            message = KEY_MESSAGE if bad_name else TEXT_MESSAGE
            if message not in messages:
                messages.append(message)
        if len(errors) >= MAX_REPORTED:
            break
    return errors


def _is_json(mimetype: str) -> bool:
    # The same test as webargs' (`application/json` or `application/*+json`).
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def check_request_input() -> None:
    """A `before_request` hook: the query string and a JSON body obey the rules above."""
    errors = query_errors(request.args)
    if errors:
        raise validation_problem(errors)
    if not _is_json(request.mimetype):
        return
    data = request.get_data(cache=True)
    if data:
        parse_bounded_json(data)
