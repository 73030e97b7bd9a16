"""The SQL of facets and suggestions (ADR 0019).

Facets: the tasks the list would find (the list's own filter and visibility fragments, without
order or limit) are gathered once, then counted per status, priority, tag, assignee and overdue
in the same statement; the database builds the JSON.

Suggestions: title prefixes from the `"C"`-collated index on lower(title) (LIKE 'abc%' is a
range scan there), near spellings from the trigram GiST index (nearest first, by word
similarity, so a typo in one word of a long title still finds it), tag names from a trigram
GIN index. pg_trgm lives in schema `extensions`: every operator is qualified.
"""

# ruff: noqa: S608
# (Statements are assembled from constant fragments and the list's fragments; values are bound.)
from __future__ import annotations

import json
import uuid
from typing import Any

from tasks_service.adapters.persistence.reader import PostgresTaskReader
from tasks_service.adapters.persistence.task_sql import _branches, _filters, _Statement
from tasks_service.application.ports import TaskFilter, TaskListing, Visibility
from tasks_service.application.search import Facets, Suggestion
from tasks_service.domain.model import Priority, Status


def facets_statement(
    wanted: TaskFilter, visible_to: Visibility | None, top: int
) -> tuple[str, dict[str, Any]]:
    statement = _Statement()
    common = _filters(statement, wanted)
    listing = TaskListing(filter=wanted, sort=(), limit=0, visible_to=visible_to)
    parts = []
    for branch in _branches(statement, listing):
        where = ([branch.condition] if branch.condition else []) + common
        parts.append(
            f"SELECT t.id, t.status, t.priority, t.is_overdue FROM {branch.source}"
            + (f" WHERE {' AND '.join(where)}" if where else "")
        )
    # UNION, not UNION ALL: a task both mine and my team's counts once.
    found = " UNION ".join(parts)
    limit = str(int(top))
    # Status, priority and overdue in one grouped pass (at most 24 groups); tags and
    # assignees joined once each for their top `top`.
    sql = f"""WITH v AS MATERIALIZED ({found})
SELECT (SELECT coalesce(json_agg(json_build_array(s.status, s.priority, s.n, s.overdue)),
                        '[]')::text
        FROM (SELECT status, priority, count(*) AS n,
                     count(*) FILTER (WHERE is_overdue) AS overdue
              FROM v GROUP BY status, priority) s),
    (SELECT coalesce(json_agg(json_build_array(s.name, s.n) ORDER BY s.n DESC, lower(s.name)),
                     '[]')::text
        FROM (SELECT g.name, count(*) AS n FROM v
              JOIN tasks.task_tags tt ON tt.task_id = v.id JOIN tasks.tags g ON g.id = tt.tag_id
              GROUP BY g.id, g.name ORDER BY n DESC, lower(g.name) LIMIT {limit}) s),
    (SELECT coalesce(json_agg(json_build_array(s.user_id, s.n) ORDER BY s.n DESC, s.user_id),
                     '[]')::text
        FROM (SELECT a.user_id, count(*) AS n FROM v
              JOIN tasks.task_assignments a ON a.task_id = v.id
              GROUP BY a.user_id ORDER BY n DESC, a.user_id LIMIT {limit}) s)"""
    return sql, statement.params


def facets_of(row: Any) -> Facets:
    groups, tag_counts, assignee_counts = row
    # Every status and priority is named, a zero included: the UI shows them all.
    status = {s.value: 0 for s in Status}
    priority = {p.value: 0 for p in Priority}
    overdue = 0
    for status_value, priority_value, n, late in json.loads(groups):
        status[status_value] = status.get(status_value, 0) + int(n)
        priority[priority_value] = priority.get(priority_value, 0) + int(n)
        overdue += int(late)
    return Facets(
        total=sum(status.values()),
        status=status,
        priority=priority,
        tags=[(str(name), int(n)) for name, n in json.loads(tag_counts)],
        assignees=[(uuid.UUID(user_id), int(n)) for user_id, n in json.loads(assignee_counts)],
        overdue=overdue,
    )


def _visible(statement: _Statement, visible_to: Visibility | None) -> str:
    if visible_to is None:
        return ""
    me = statement.bind("me", visible_to.user_id)
    teams = statement.bind("my_teams", list(visible_to.team_ids))
    return (
        f" AND (t.created_by = {me} OR t.team_id = ANY({teams}::uuid[]) OR EXISTS ("
        f"SELECT 1 FROM tasks.task_assignments va WHERE va.task_id = t.id AND va.user_id = {me}))"
    )


def like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def suggest_statement(
    text: str, visible_to: Visibility | None, limit: int
) -> tuple[str, dict[str, Any]]:
    statement = _Statement()
    q = statement.bind("q", text)
    prefix = statement.bind("prefix", like_prefix(text))
    visible = _visible(statement, visible_to)
    n = str(int(limit))
    distance = f"lower({q}) OPERATOR(extensions.<<->) lower(t.title)"
    tag_distance = f"lower({q}) OPERATOR(extensions.<<->) lower(g.name)"
    sql = f"""SELECT kind, id, text, min(tier) AS tier, min(distance) AS distance FROM (
    (SELECT 'tag' AS kind, NULL::uuid AS id, g.name AS text, 0 AS tier, 0::real AS distance
     FROM tasks.tags g WHERE lower(g.name) LIKE lower({prefix})
     ORDER BY lower(g.name) LIMIT {n})
    UNION ALL
    (SELECT 'tag', NULL::uuid, g.name, 1, {tag_distance}
     FROM tasks.tags g WHERE lower({q}) OPERATOR(extensions.<%%) lower(g.name)
     ORDER BY {tag_distance} LIMIT {n})
    UNION ALL
    (SELECT 'task', t.id, t.title, 0, 0::real FROM tasks.tasks t
     WHERE NOT t.is_archived AND lower(t.title) COLLATE "C" LIKE lower({prefix}) COLLATE "C"
     {visible} ORDER BY lower(t.title) COLLATE "C" LIMIT {n})
    UNION ALL
    (SELECT 'task', t.id, t.title, 1, {distance} FROM tasks.tasks t
     WHERE NOT t.is_archived AND lower({q}) OPERATOR(extensions.<%%) lower(t.title)
     {visible} ORDER BY {distance} LIMIT {n})
) s GROUP BY kind, id, text
ORDER BY min(tier), min(distance), kind, lower(text), id LIMIT {n}"""
    return sql, statement.params


class PostgresSearchReader(PostgresTaskReader):
    """Facets and suggestions on the read side's autocommit engine."""

    def facets(self, wanted: TaskFilter, visible_to: Visibility | None, top: int) -> Facets:
        sql, params = facets_statement(wanted, visible_to, top)
        return facets_of(self._fetch(sql, params)[0])

    def suggest(self, text: str, visible_to: Visibility | None, limit: int) -> list[Suggestion]:
        sql, params = suggest_statement(text, visible_to, limit)
        return [
            Suggestion(kind=kind, text=value, task_id=task_id)
            for kind, task_id, value, _tier, _distance in self._fetch(sql, params)
        ]
