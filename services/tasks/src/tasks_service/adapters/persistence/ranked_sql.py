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

How the matches are found is decided here, not left to the planner (ADR 0031): for a term the
planner expects in a large share of the documents (`TextWalk`), each visibility branch walks
its newest tasks, testing each one's document by primary key, and stops at the rows it needs;
the walk is bounded, and a branch that finds too few within the bound (the term is rare among
its tasks) reads the term's matches through the GIN index instead. A rarer term is read
through the GIN index from the start. Both give the same rows.
"""

# ruff: noqa: S608
# (Statements are assembled from constant fragments and the list's fragments; values are bound.)
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from tasks_service.adapters.persistence.task_sql import (
    MATCHES,
    TEXT_QUERY,
    _aliased,
    _branches,
    _documents,
    _expression,
    _filters,
    _order_by,
    _Statement,
    branch_page,
)
from tasks_service.application.ports import SortKey, TaskListing

RECENCY = (SortKey("created_at", descending=True),)
POSITION_COLUMNS = 5
"""tier, rank, created_at, boundary created_at, boundary id (then the task's id)."""
_OLDER = "(t.created_at, t.id) < ({at}, {id})"
_PAGE_ORDER = "ORDER BY p.tier, p.rank DESC, p.created_at DESC, p.id DESC"


ESTIMATE = f"""EXPLAIN (FORMAT JSON)
SELECT 1 FROM tasks.search_documents d WHERE d.document @@ {TEXT_QUERY}
UNION ALL SELECT 1 FROM tasks.search_documents d"""
"""The planner's estimates of the term's matching documents and of all documents (the two
children of the plan's Append), from the column's statistics: no document is read."""


@dataclass(frozen=True, slots=True)
class TextWalk:
    """When the matches are found by walking the newest visible tasks (ADR 0031)."""

    min_share: float = 1 / 20
    """Walk when the planner expects at least this share of the documents to match."""
    bound: int = 30
    """A branch's walk reads at most this many times the rows it needs (for a share of 1 in
    20, it expects to need 20 times); a branch finding fewer reads the GIN index."""

    def walks(self, estimate: list[Any]) -> bool:
        matching, every = (plan["Plan Rows"] for plan in estimate[0]["Plan"]["Plans"])
        return float(matching) >= self.min_share * max(float(every), 1.0)


def is_ranked(listing: TaskListing) -> bool:
    return listing.sort == (SortKey("rank", descending=True),)


def _where(clauses: list[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""


_NO_CUT = "'-infinity'::timestamptz", "'00000000-0000-0000-0000-000000000000'::uuid"


def _walked_page(
    statement: _Statement,
    listing: TaskListing,
    common: list[str],
    limit: int,
    bound: int,
    extra: tuple[str, ...] = (),
) -> str:
    """`branch_page` of the matching tasks, each visibility branch walking its index newest
    first and testing each task's document by primary key. A branch stops at `limit` matches,
    at the `limit`-th newest match the branches before it found (nothing older can be in the
    page), or after `bound` times `limit` tasks; if it stopped there short of `limit`, the GIN
    index answers for that branch instead. `common` holds the other filters; the text is bound
    as `q`."""
    keys = listing.sort
    wanted, most = int(limit), int(limit) * int(bound)
    newest = "ORDER BY n.k0 DESC, n.id DESC"
    ctes = []
    for index, branch in enumerate(_branches(statement, listing)):
        aliases = branch.aliases
        task, created = aliases.get("t.id", "t.id"), _aliased(_expression(keys[0]), aliases)
        columns = f"{task} AS id, {created} AS k0"
        order = _order_by(keys, None, aliases)
        where = [branch.condition] if branch.condition else []
        where += [_aliased(condition, aliases) for condition in extra]
        if index:
            found = " UNION ".join(f"SELECT id, k0 FROM r{before}" for before in range(index))
            ctes.append(
                f"c{index} AS MATERIALIZED (SELECT u.k0, u.id FROM ({found}) u "
                f"{newest.replace('n.', 'u.')} OFFSET {wanted - 1} LIMIT 1)"
            )
            at, last = (
                f"coalesce((SELECT {column} FROM c{index}), {default})"
                for column, default in zip(("k0", "id"), _NO_CUT, strict=True)
            )
            where.append(f"({created}, {task}) >= ({at}, {last})")
        matches = f"d.document @@ {TEXT_QUERY}"
        if branch.alone:
            # Its own index alone (no sort, no join to plan): the task's filters per row,
            # after its document matched.
            walked = f"FROM {branch.alone}{_where(where)}"
            if common:
                matches = (
                    f"CASE WHEN {matches} THEN (SELECT true FROM tasks.tasks t "
                    f"WHERE t.id = n.id AND {' AND '.join(common)}) END"
                )
        else:
            walked = f"FROM {branch.source}{_where([*where, *common])}"
        probe = f"(SELECT {matches} FROM tasks.search_documents d WHERE d.task_id = n.id)"
        gin = _where([*where, *common, MATCHES, f"(SELECT gin FROM f{index})"])
        # m: the walk; f: whether it stopped at its bound short of `wanted` (then the GIN
        # index answers; a LIMIT 0 otherwise, so that plan is not even started). Both exact.
        ctes += [
            f"""m{index} AS MATERIALIZED (SELECT n.id, n.k0 FROM (
        SELECT {columns} {walked} {order} LIMIT {most}) n
        WHERE {probe} {newest} LIMIT {wanted})""",
            f"""f{index} AS MATERIALIZED (SELECT (SELECT count(*) FROM m{index}) < {wanted}
        AND EXISTS (SELECT 1 {walked} OFFSET {most - 1}) AS gin)""",
            f"""r{index} AS MATERIALIZED (
        SELECT id, k0 FROM m{index} WHERE NOT (SELECT gin FROM f{index})
        UNION ALL
        (SELECT {columns} FROM {branch.source}{gin} {order}
            LIMIT CASE WHEN (SELECT gin FROM f{index}) THEN {wanted} ELSE 0 END))""",
        ]
    found = " UNION ".join(f"SELECT id, k0 FROM r{index}" for index in range(len(ctes) // 3))
    return (
        f"(WITH {', '.join(ctes)} SELECT u.id, u.k0 FROM ({found}) u "
        f"{_order_by(keys, 'u', {})} LIMIT {wanted})"
    )


def _ranked(window: str, limit: str, keyset: str = "") -> str:
    """The window's tasks with their rank, the best `limit` after the cursor (if any)."""
    rank = f"ts_rank(d.document, {TEXT_QUERY})"
    return f"""(SELECT 1 AS tier, w.id, {rank} AS rank, w.k0 AS created_at
    FROM {window} JOIN tasks.search_documents d ON d.task_id = w.id
    {f"WHERE {keyset}" if keyset else ""}
    ORDER BY 3 DESC, 4 DESC, 2 DESC LIMIT {limit})"""


def ranked_statement(listing: TaskListing, walk: int | None = None) -> tuple[str, dict[str, Any]]:
    """The page's statement; with `walk`, the matches are found by bounded walks of the
    newest visible tasks (`walk` the bound's factor), else through the GIN index."""
    statement = _Statement()
    window_size = int(listing.rank_window)
    common = _filters(statement, replace(listing.filter, text=None))
    text = [] if listing.filter.text is None else [MATCHES]
    statement.bind("q", listing.filter.text)
    recency = replace(listing, sort=RECENCY)

    def matching(limit: int, extra: tuple[str, ...] = ()) -> str:
        """The ids (k0: created_at) of the newest `limit` matches, newest first."""
        if walk is None or not text:
            return branch_page(statement, recency, [*common, *text], limit, extra)
        return _walked_page(statement, recency, common, limit, walk, extra)

    limit = str(int(listing.limit))
    after = listing.after
    rest_limit = limit
    if after is None:
        # First page: the window is the newest `window_size` matches; its oldest is the boundary.
        window = matching(window_size)
        boundary = "(SELECT w.k0 AS b_at, w.id AS b_id FROM w ORDER BY w.k0, w.id LIMIT 1)"
        older = _OLDER.format(at="(SELECT b_at FROM b)", id="(SELECT b_id FROM b)")
        first = _ranked("w", limit)
        # A window short of its size holds every match: no older tier to look for.
        rest_limit = f"CASE WHEN (SELECT count(*) FROM w) < {window_size} THEN 0 ELSE {limit} END"
    else:
        tier, rank, created_at, b_at, b_id, task_id = after
        at, bid = statement.bind("b_at", b_at), statement.bind("b_id", b_id)
        boundary = f"(SELECT {at}::timestamptz AS b_at, {bid}::uuid AS b_id)"
        if tier == 1:
            # The same window, after the cursor's rank; the older tier from its top. Found as
            # on the first page (the newest matches, in recency order, up to twice the window
            # for tasks created since), then cut at the boundary: bounded as the first page is,
            # where a range scan down to the boundary would let the planner read every match.
            # A walk stops at the boundary (it holds no older task); the GIN plan is not
            # given it (the planner then read every match, ADR 0027).
            floor = f"(t.created_at, t.id) >= ({at}::timestamptz, {bid}::uuid)"
            newest = matching(2 * window_size, () if walk is None else (floor,))
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
    rest = matching(listing.limit, (older,))
    page = f"""(WITH w AS MATERIALIZED {window},
    b AS MATERIALIZED {boundary}
    SELECT s.tier, s.id, s.rank, s.created_at, b.b_at, b.b_id FROM (
        {first}
        UNION ALL
        (SELECT 2, r.id, 0::real, r.k0 FROM {rest} r LIMIT {rest_limit})
    ) s CROSS JOIN b ORDER BY s.tier, s.rank DESC, s.created_at DESC, s.id DESC LIMIT {limit})"""
    positions = ", p.tier, p.rank, p.created_at, p.b_at, p.b_id"
    return _documents(page, _PAGE_ORDER, positions), statement.params
