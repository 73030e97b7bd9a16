"""Conditional requests (DESIGN §4): strong ETags from a `version`, If-None-Match, If-Match."""

from __future__ import annotations

from flask import request


def etag_for(version: int) -> str:
    """A strong validator: the resource's version counter, quoted."""
    return f'"v{version}"'


def _listed(header: str | None) -> list[str]:
    if not header:
        return []
    return [item.strip() for item in header.split(",") if item.strip()]


def not_modified(version: int) -> bool:
    """True when the client's If-None-Match already names this version (answer 304)."""
    tags = _listed(request.headers.get("If-None-Match"))
    return "*" in tags or etag_for(version) in tags


def expected_version() -> int | None:
    """The version named by If-Match, to make an update conditional in SQL (no lost update)."""
    tags = _listed(request.headers.get("If-Match"))
    if len(tags) != 1 or not tags[0].startswith('"v') or not tags[0].endswith('"'):
        return None
    digits = tags[0][2:-1]
    return int(digits) if digits.isdigit() else None
