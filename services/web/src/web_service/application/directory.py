"""Names of users and teams for pages that only hold ids (history, comments, filters).

Every signed-in user may read the user directory and the teams, so these caches hold only
what any of them may see (id, username, display name; never an email), for a short time, per
process. A renamed user shows the old name for at most `ttl` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from web_service.application.api import Api
from web_service.application.errors import ApiError


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    username: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str


class Directory:
    def __init__(
        self, ttl_seconds: float = 120.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._people: dict[str, tuple[float, Person | None]] = {}
        """None: no such user (e.g. a task id in a history entry), also remembered."""
        self._lists: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def people(self, api: Api, ids: Iterable[str]) -> dict[str, Person]:
        """id → person for every id that exists; unknown ids are left out."""
        found: dict[str, Person] = {}
        now = self._clock()
        for user_id in dict.fromkeys(i for i in ids if i):
            cached = self._people.get(user_id)
            if cached and cached[0] > now:
                if cached[1] is not None:
                    found[user_id] = cached[1]
                continue
            try:
                body = api.get(f"/api/v1/users/{user_id}")
            except ApiError as exc:
                if exc.status == 404:  # not a user (any more): ask again only after the ttl
                    with self._lock:
                        self._people[user_id] = (now + self._ttl, None)
                continue
            person = _person(body)
            self.remember(person)
            found[user_id] = person
        return found

    def remember(self, person: Person) -> None:
        with self._lock:
            if len(self._people) > 10_000:
                self._people.clear()
            self._people[person.id] = (self._clock() + self._ttl, person)

    def everyone(self, api: Api) -> list[Person]:
        """The first hundred active users by username: the choices of the filters."""
        body = self._cached_list(
            "users",
            lambda: api.get("/api/v1/users/", [("limit", "100"), ("is_active", "true")]),
        )
        people = [_person(item) for item in body.get("items", [])]
        for person in people:
            self.remember(person)
        return people

    def teams(self, api: Api) -> list[Team]:
        body = self._cached_list("teams", lambda: api.get("/api/v1/teams/", [("limit", "100")]))
        return [Team(id=str(t["id"]), name=str(t["name"])) for t in body.get("items", [])]

    def find_username(self, api: Api, username: str) -> Person | None:
        wanted = username.strip().lstrip("@").lower()
        if not wanted:
            return None
        body = api.get("/api/v1/users/", [("q", wanted[:100]), ("limit", "100")])
        for item in body.get("items", []):
            if str(item.get("username", "")).lower() == wanted:
                person = _person(item)
                self.remember(person)
                return person
        return None

    def _cached_list(self, name: str, load: Callable[[], Any]) -> Any:
        now = self._clock()
        cached = self._lists.get(name)
        if cached and cached[0] > now:
            return cached[1]
        value = load()
        with self._lock:
            self._lists[name] = (now + self._ttl, value)
        return value


def _person(body: Any) -> Person:
    return Person(
        id=str(body["id"]),
        username=str(body.get("username") or ""),
        display_name=str(body.get("display_name") or body.get("username") or ""),
    )
