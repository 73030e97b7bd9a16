"""What the queries hand back to the entrypoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    rank_window: int | None = None
    """Set when ordered by relevance: how many of the newest matches are ranked (ADR 0027)."""
