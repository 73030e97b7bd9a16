"""OpenAPI documentation helpers for problem answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint

from taskhive_shared.http.problem import PROBLEM_CONTENT_TYPE, ProblemSchema


def problem(blp: Blueprint, status: int, description: str) -> Callable[[Any], Any]:
    """`@problem(blp, 409, "Already exists")`: document an error answer of a view."""
    decorator: Callable[[Any], Any] = blp.alt_response(
        status, schema=ProblemSchema, content_type=PROBLEM_CONTENT_TYPE, description=description
    )
    return decorator
