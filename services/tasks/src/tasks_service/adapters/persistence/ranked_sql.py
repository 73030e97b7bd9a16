"""The list searched by relevance (`q` without `sort`): ranking within a bounded window
(ADR 0027).

Ranking every match costs one `ts_rank` (and one document read) per match: 166,666 of them for
a term in 1 task of 6 at 1,000,000 tasks. So relevance orders only the *window*, the
`rank_window` newest matching tasks the caller sees (found in recency order, as the default
list is, so a term in 1 task of 6 stops after about 6 times the window); the older matches
follow, newest first. Page order: (tier, rank DESC, created_at DESC, id DESC), tier 1 the
window, tier 2 the rest.

The window is fixed by its oldest task (the *boundary*), which every cursor carries: later
pages rank the same tasks (and any task created since, which is newer), so pages neither skip
nor repeat while tasks are added. A term with fewer matches than the window is ranked in full.
"""

# ruff: noqa: S608
# (Statements are assembled from constant fragments and the list's fragments; values are bound.)
from __future__ import annotations

from dataclasses import replace
from typing import Any

from tasks_service.adapters.persistence.task_sql import (
    TEXT_QUERY,
    _documents,
    _filters,
    _Statement,
    branch_page,
)
from tasks_service.application.ports import SortKey, TaskListing

RECENCY = (SortKey("created_at", descending=True),)
POSITION_COLUMNS = 5
"""tier, rank, created_at, boundary created_at, boundary id (then the task's id)."""
_OLDER = "(t.created_at, t.id) < ({at}, {id})"
_PAGE_ORDER = "ORDER BY p.tier, p.rank DESC, p.created_at DESC, p.id DESC"


def is_ranked(listing: TaskListing) -> bool:
    return listing.sort == (SortKey("rank", descending=True),)


def _ranked(window: str, limit: str, keyset: str = "") -> str:
    """The window's tasks with their rank, the best `limit` after the cursor (if any)."""
    rank = f"ts_rank(d.document, {TEXT_QUERY})"
    return f"""(SELECT 1 AS tier, w.id, {rank} AS rank, w.k0 AS created_at
    FROM {window} JOIN tasks.search_documents d ON d.task_id = w.id
    {f"WHERE {keyset}" if keyset else ""}
    ORDER BY 3 DESC, 4 DESC, 2 DESC LIMIT {limit})"""


def ranked_statement(listing: TaskListing) -> tuple[str, dict[str, Any]]:
    statement = _Statement()
    window_size = int(listing.rank_window)
    common = _filters(statement, listing.filter)
    recency = replace(listing, sort=RECENCY)
    limit = str(int(listing.limit))
    after = listing.after
    if after is None:
        # First page: the window is the newest `window_size` matches; its oldest is the boundary.
        window = branch_page(statement, recency, common, window_size)
        boundary = "(SELECT w.k0 AS b_at, w.id AS b_id FROM w ORDER BY w.k0, w.id LIMIT 1)"
        older = _OLDER.format(at="(SELECT b_at FROM b)", id="(SELECT b_id FROM b)")
        first = _ranked("w", limit)
    else:
        tier, rank, created_at, b_at, b_id, task_id = after
        at, bid = statement.bind("b_at", b_at), statement.bind("b_id", b_id)
        boundary = f"(SELECT {at}::timestamptz AS b_at, {bid}::uuid AS b_id)"
        if tier == 1:
            # The same window, after the cursor's rank; the older tier from its top. Found as
            # on the first page (the newest matches, in recency order, up to twice the window
            # for tasks created since), then cut at the boundary: bounded as the first page is,
            # where a range scan down to the boundary would let the planner read every match.
            newest = branch_page(statement, recency, common, 2 * window_size)
            window = (
                f"(SELECT n.id, n.k0 FROM {newest} n WHERE "
                f"(n.k0, n.id) >= ({at}::timestamptz, {bid}::uuid))"
            )
            keyset = (
                f"(ts_rank(d.document, {TEXT_QUERY}), w.k0, w.id) < ("
                f"{statement.bind('k_rank', rank)}::real, "
                f"{statement.bind('k_at', created_at)}::timestamptz, "
                f"{statement.bind('k_id', task_id)}::uuid)"
            )
            first = _ranked("w", limit, keyset)
            older = _OLDER.format(at=f"{at}::timestamptz", id=f"{bid}::uuid")
        else:
            # In the older tier: newest first after the cursor (which is older than the window).
            window = "(SELECT NULL::uuid AS id, NULL::timestamptz AS k0 WHERE false)"
            first = (
                "(SELECT 1 AS tier, NULL::uuid AS id, 0::real AS rank, "
                "NULL::timestamptz AS created_at WHERE false)"
            )
            older = _OLDER.format(
                at=f"{statement.bind('k_at', created_at)}::timestamptz",
                id=f"{statement.bind('k_id', task_id)}::uuid",
            )
    rest = branch_page(statement, recency, common, listing.limit, (older,))
    page = f"""(WITH w AS MATERIALIZED {window},
    b AS MATERIALIZED {boundary}
    SELECT s.tier, s.id, s.rank, s.created_at, b.b_at, b.b_id FROM (
        {first}
        UNION ALL
        (SELECT 2, r.id, 0::real, r.k0 FROM {rest} r)
    ) s CROSS JOIN b ORDER BY s.tier, s.rank DESC, s.created_at DESC, s.id DESC LIMIT {limit})"""
    positions = ", p.tier, p.rank, p.created_at, p.b_at, p.b_id"
    return _documents(page, _PAGE_ORDER, positions), statement.params
