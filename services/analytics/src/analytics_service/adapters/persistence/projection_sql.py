"""The consumer's statements on one generation of the task model, with a fixed text.

Per task event the consumer reads the task (with its observations) in one statement and
writes everything in one more: the task row, its new observations and the four counter
tables as data-modifying CTEs, each fed a JSON array through `jsonb_to_recordset`. The text
does not depend on how many rows an event touches, so SQLAlchemy compiles it once and
psycopg prepares it on the server (issue 14: one `INSERT … VALUES` per table and per row
count was compiled anew for most events, and each table cost two round trips).
"""

# ruff: noqa: S608
# (Statements are assembled from the tables' own names and columns; values are always bound.)
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from analytics_service.adapters.persistence.tables import ModelTables

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
COUNTERS = ("hourly", "cycle", "dimensions", "due")
"""The bind names of the counter tables' rows, in ModelTables' order."""


@dataclass(frozen=True, slots=True)
class ProjectionStatements:
    read_task: sa.TextClause
    """`:id` → summary, deleted and the observations as three arrays (the task row locked)."""
    write: sa.TextClause
    """`:task` (a JSON object), `:observations` and each of COUNTERS (JSON arrays)."""
    delete_zeros: sa.TextClause
    """Each of COUNTERS (JSON arrays of keys): those rows go if every count is zero."""


def _name(table: sa.Table) -> str:
    return f'"{table.schema}"."{table.name}"'


def _record(columns: Iterable[sa.Column[Any]]) -> str:
    """The column list of `jsonb_to_record(set)`: names and SQL types of the table's columns."""
    return ", ".join(f'"{c.name}" {c.type.compile(dialect=_DIALECT)}' for c in columns)


def _quoted(columns: Iterable[sa.Column[Any]]) -> str:
    return ", ".join(f'"{c.name}"' for c in columns)


def _counter_upsert(cte: str, table: sa.Table) -> str:
    keys = list(table.primary_key.columns)
    counts = [c for c in table.columns if not c.primary_key]
    added = ", ".join(f'"{c.name}" = t."{c.name}" + excluded."{c.name}"' for c in counts)
    # Rows in the order given (sorted by key): concurrent consumers lock them in one order.
    return (
        f"{cte} AS (INSERT INTO {_name(table)} AS t ({_quoted(table.columns)}) "
        f"SELECT {_quoted(table.columns)} FROM jsonb_to_recordset(CAST(:{cte} AS jsonb)) "
        f"AS r({_record(table.columns)}) "
        f"ON CONFLICT ({_quoted(keys)}) DO UPDATE SET {added})"
    )


def _zero_delete(cte: str, table: sa.Table) -> str:
    keys = list(table.primary_key.columns)
    same = " AND ".join(f't."{c.name}" = r."{c.name}"' for c in keys)
    zero = " AND ".join(f't."{c.name}" = 0' for c in table.columns if not c.primary_key)
    return (
        f"{cte} AS (DELETE FROM {_name(table)} AS t "
        f"USING jsonb_to_recordset(CAST(:{cte} AS jsonb)) AS r({_record(keys)}) "
        f"WHERE {same} AND {zero})"
    )


@cache
def statements(tables: ModelTables) -> ProjectionStatements:
    tasks, observations = tables.tasks, tables.task_observations
    counters = (
        tables.hourly_counters,
        tables.cycle_histogram,
        tables.dimension_counters,
        tables.due_counters,
    )
    # One scan of the observations gives the three arrays in the same order.
    read_task = sa.text(
        f"SELECT t.summary, t.deleted, o.ats, o.versions, o.statuses FROM {_name(tasks)} AS t "
        "CROSS JOIN LATERAL (SELECT array_agg(at) AS ats, array_agg(version) AS versions, "
        f"array_agg(status) AS statuses FROM {_name(observations)} WHERE task_id = t.id) AS o "
        "WHERE t.id = :id FOR UPDATE OF t"
    )
    replaced = ", ".join(
        f'"{c.name}" = excluded."{c.name}"' for c in tasks.columns if c.name != "id"
    )
    write = sa.text(
        "WITH task AS ("
        f"INSERT INTO {_name(tasks)} AS t ({_quoted(tasks.columns)}) "
        f"SELECT {_quoted(tasks.columns)} FROM jsonb_to_record(CAST(:task AS jsonb)) "
        f"AS r({_record(tasks.columns)}) ON CONFLICT (id) DO UPDATE SET {replaced}), "
        f"observed AS (INSERT INTO {_name(observations)} ({_quoted(observations.columns)}) "
        f"SELECT {_quoted(observations.columns)} "
        "FROM jsonb_to_recordset(CAST(:observations AS jsonb)) "
        f"AS r({_record(observations.columns)}) ON CONFLICT DO NOTHING), "
        + ", ".join(_counter_upsert(cte, t) for cte, t in zip(COUNTERS, counters, strict=True))
        + " SELECT 1"
    )
    delete_zeros = sa.text(
        "WITH "
        + ", ".join(_zero_delete(cte, t) for cte, t in zip(COUNTERS, counters, strict=True))
        + " SELECT 1"
    )
    return ProjectionStatements(read_task, write, delete_zeros)


def as_json(rows: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> str:
    """Parameters as JSON: UUIDs, instants and days as their ISO text, which PostgreSQL reads
    back exactly (floats too: Python writes the shortest text that round-trips)."""
    return json.dumps(rows, default=str, separators=(",", ":"))
