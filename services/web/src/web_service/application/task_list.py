"""The task list page's query: filters from the address bar, the API's parameters, the counts
per status, and the trail of cursors that makes "previous" possible over keyset pages."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from web_service.application.api import Api
from web_service.application.ports import SessionStore
from web_service.domain.session import WebSession, storage_key
from web_service.domain.workflow import PRIORITIES, SORTS, STATUSES

PAGE_SIZE = 20
COUNTS_TTL_SECONDS = 30
MAX_TRAIL = 50
_TAG = re.compile(r"^[^,]{1,50}$")
_CURSOR = re.compile(r"^[A-Za-z0-9_\-=.~]{1,1024}$")
FIRST_PAGE = "-"
"""Stands for "no cursor" in the trail of previous pages."""


SLA_STATES = ("on_track", "at_risk", "breached", "met", "paused")


@dataclass(frozen=True, slots=True)
class ListFilters:
    status: str = ""
    priority: str = ""
    assignee: str = ""
    """Empty (anyone), `me`, or a user id."""
    tag: str = ""
    team: str = ""
    overdue: bool = False
    archived: str = "false"
    q: str = ""
    sort: str = "-created_at"
    sla_state: str = ""
    series: str = ""
    """A recurring series' id: its occurrences."""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> tuple[ListFilters, list[str]]:
        """Filters from the query string; a value that makes no sense is dropped and named."""
        dropped: list[str] = []

        def pick(name: str, allowed: tuple[str, ...] | None = None, default: str = "") -> str:
            value = (args.get(name) or "").strip()
            if not value:
                return default
            if allowed is not None and value not in allowed:
                dropped.append(name)
                return default
            return value

        assignee = pick("assignee")
        if assignee and assignee != "me":
            assignee = _canonical_uuid(assignee) or ""
            if not assignee:
                dropped.append("assignee")
        team = pick("team")
        if team:
            team = _canonical_uuid(team) or ""
            if not team:
                dropped.append("team")
        tag = pick("tag")
        if tag and not _TAG.match(tag):
            dropped.append("tag")
            tag = ""
        series = pick("series")
        if series:
            series = _canonical_uuid(series) or ""
            if not series:
                dropped.append("series")
        q = pick("q")
        if len(q) > 200:
            dropped.append("q")
            q = q[:200]
        filters = cls(
            status=pick("status", STATUSES),
            priority=pick("priority", PRIORITIES),
            assignee=assignee,
            tag=tag,
            team=team,
            overdue=(args.get("overdue") or "") in ("1", "true", "on"),
            archived=pick("archived", ("false", "true", "all"), "false"),
            q=q,
            sort=pick("sort", tuple(SORTS), "-created_at"),
            sla_state=pick("sla_state", SLA_STATES),
            series=series,
        )
        return filters, dropped

    def api_params(self) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = [("limit", str(PAGE_SIZE))]
        for name in ("status", "priority", "assignee", "tag", "team", "q", "sla_state", "series"):
            value = getattr(self, name)
            if value:
                params.append((name, value))
        if self.overdue:
            params.append(("overdue", "true"))
        if self.archived != "false":
            params.append(("archived", self.archived))
        # With a search, the API orders by relevance unless a sort is asked for.
        if not (self.q and self.sort == "-created_at"):
            params.append(("sort", self.sort))
        return params

    def query(self, **overrides: str | bool) -> dict[str, str]:
        """The address-bar form of these filters (defaults left out), for links.

        Called for every link of the list page (tags, tabs), hence no `asdict`: a plain loop
        costs a tenth of it."""
        found: dict[str, str] = {}
        for name in _FIELDS:
            value = overrides[name] if name in overrides else getattr(self, name)
            if value is True:
                found[name] = "1"
            elif value is not False and value != _DEFAULTS[name]:
                found[name] = str(value)
        return found

    @property
    def active(self) -> bool:
        return self != ListFilters(sort=self.sort)


_FIELDS = (
    "status",
    "priority",
    "assignee",
    "tag",
    "team",
    "overdue",
    "archived",
    "q",
    "sort",
    "sla_state",
    "series",
)
_DEFAULTS: dict[str, str | bool] = {name: getattr(ListFilters(), name) for name in _FIELDS}


@dataclass(frozen=True, slots=True)
class Trail:
    """Cursors of the pages before this one (`-` is the first page), newest last."""

    cursor: str | None
    previous: tuple[str, ...]

    @classmethod
    def from_args(cls, cursor: str | None, trail: str | None) -> Trail:
        cursor = cursor if cursor and _CURSOR.match(cursor) else None
        previous = tuple(p for p in (trail or "").split(",") if p == FIRST_PAGE or _CURSOR.match(p))
        return cls(cursor, previous[-MAX_TRAIL:] if cursor else ())

    def next(self, next_cursor: str) -> dict[str, str]:
        previous = (*self.previous, self.cursor or FIRST_PAGE)[-MAX_TRAIL:]
        return {"cursor": next_cursor, "trail": ",".join(previous)}

    def back(self) -> dict[str, str] | None:
        if not self.previous:
            return None
        *rest, last = self.previous
        if last == FIRST_PAGE:
            return {}
        return {"cursor": last, "trail": ",".join(rest)}


class StatusCounts:
    """How many tasks of each status match the filters, kept for a short while.

    One call of the API's facets (the list's filters but the status). The result is cached
    per session and filter set for `COUNTS_TTL_SECONDS`, and forgotten when the session
    changes a task, so a user sees their own changes at once.
    """

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    def get(self, api: Api, session: WebSession, filters: ListFilters) -> dict[str, str]:
        key = self._key(session)
        signature = hashlib.sha256(
            json.dumps(asdict(replace(filters, status="", sort="")), sort_keys=True).encode()
        ).hexdigest()[:16]
        cached = self._store.get(key) or {}
        if signature in cached:
            return dict(cached[signature])
        params = [
            (name, value)
            for name, value in replace(filters, status="").api_params()
            if name not in ("sort", "limit")
        ]
        facets = api.get("/api/v1/tasks/facets/", params)
        counts = {status: str(facets.get("status", {}).get(status, 0)) for status in STATUSES}
        cached[signature] = counts
        if len(cached) > 20:
            cached = {signature: counts}
        self._store.set(key, cached, COUNTS_TTL_SECONDS)
        return counts

    def forget(self, session: WebSession) -> None:
        self._store.delete(self._key(session))

    @staticmethod
    def _key(session: WebSession) -> str:
        return "web:counts:" + storage_key(session.id)


def _canonical_uuid(value: str) -> str | None:
    """The API's spelling of a UUID (`{…}` or `urn:uuid:…` are refused there), else None."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
