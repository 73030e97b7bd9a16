"""The SQL of the read side: a task as the API shows it, and the keyset-paged list.

Plain SQL built from whitelisted fragments, every value a bound parameter (psycopg's
`%(name)s`). One statement per page: the page's ids come from index range scans, then its
rows are joined with their assignees (as JSON text) and tags, so there is no N+1 and the
database, not Python, assembles the nested parts.

A member sees their own, assigned and team tasks. Rather than one OR that no index serves,
each of those is a branch scanning its own index in the page's order and stopping after
`limit` rows; their UNION is ordered and cut once more. The cost is `limit` rows per branch,
whatever the size of the table.
"""

# ruff: noqa: S608
# (Statements are assembled from the constant fragments below; values are always bound.)
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tasks_service.application.ports import RawJson, SortKey, TaskDocument, TaskFilter, TaskListing
from tasks_service.domain.dependencies import NEEDS_UNBLOCKED
from tasks_service.domain.fields import FieldSpec, Hours, JsonObject, Recurrence, TagNames
from tasks_service.domain.model import CLOSED, FIELDS, TRANSITIONS, Status

_UTC_TEXT = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"


def _selected(spec: FieldSpec) -> str:
    """How the read side selects a declared field: decimals as exact text, JSON as text the
    response embeds unparsed, tags from the page's aggregate."""
    match spec.kind:
        case Hours() | JsonObject() | Recurrence():
            return f"t.{spec.name}::text"
        case TagNames():
            return "coalesce(g.names, '{}')"
    return f"t.{spec.name}"


def _targets(status: Status, blocked: bool) -> str:
    # In the workflow's own order (Status), the order in which clients draw their buttons.
    allowed = TRANSITIONS[status]
    targets = [t.value for t in Status if t in allowed and not (blocked and t in NEEDS_UNBLOCKED)]
    return "ARRAY[" + ", ".join(f"'{t}'" for t in targets) + "]::text[]"


def _transitions(blocked: bool) -> str:
    arms = " ".join(f"WHEN '{s.value}' THEN {_targets(s, blocked)}" for s in TRANSITIONS)
    return f"CASE t.status {arms} END"


_CLOSED_LIST = ", ".join(f"'{status.value}'" for status in sorted(CLOSED))
ALLOWED_TRANSITIONS = f"""CASE WHEN t.is_archived THEN ARRAY[]::text[]
    WHEN EXISTS (SELECT 1 FROM tasks.task_dependencies bd
        JOIN tasks.tasks bt ON bt.id = bd.blocked_by_id
        WHERE bd.task_id = t.id AND NOT bt.is_archived AND bt.status NOT IN ({_CLOSED_LIST}))
    THEN {_transitions(blocked=True)}
    ELSE {_transitions(blocked=False)} END"""
"""The workflow's moves from the task's status (domain.workflow), less those an open
blocker forbids (domain.dependencies); none while archived."""

SLA = f"""(SELECT json_build_object('policy_id', s.policy_id,
        'response_due', {_UTC_TEXT.format("s.response_due")},
        'resolution_due', {_UTC_TEXT.format("s.resolution_due")}, 'state', s.state)::text
    FROM tasks.task_slas s WHERE s.task_id = t.id AND s.policy_id IS NOT NULL)"""
"""The task's SLA as last evaluated (on its last change, or by the 30-second job), as JSON
text; NULL when no policy governs it (ADR 0020)."""

COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "t.id"),
    *((spec.name, _selected(spec)) for spec in FIELDS),
    ("created_by", "t.created_by"),
    ("assignee_ids", "coalesce(a.ids, '{}')"),
    ("assignees", "coalesce(a.people, '[]')"),
    ("is_archived", "t.is_archived"),
    ("archived_at", "t.archived_at"),
    ("series_id", "t.series_id"),
    ("is_overdue", "t.is_overdue"),
    ("created_at", "t.created_at"),
    ("updated_at", "t.updated_at"),
    ("version", "t.version"),
    ("score", "t.score"),
    ("allowed_transitions", ALLOWED_TRANSITIONS),
    ("sla", SLA),
)
"""A task as the API shows it: (key, SQL expression), one pair per response field."""
FIELD_NAMES = tuple(name for name, _ in COLUMNS)
_RAW_JSON = frozenset(
    {
        "assignees",
        "sla",
        *(spec.name for spec in FIELDS if isinstance(spec.kind, JsonObject | Recurrence)),
    }
)
_SELECT_LIST = ", ".join(expression for _, expression in COLUMNS)


def _documents(page: str, order_by: str = "", positions: str = "") -> str:
    """The tasks whose ids `page` yields, each with its tags and assignees aggregated in
    one pass over the page (not a subquery per row)."""
    return f"""WITH p AS MATERIALIZED {page},
a AS (SELECT a.task_id,
        array_agg(a.user_id ORDER BY a.assigned_at, a.user_id) AS ids,
        json_agg(json_build_object(
            'id', a.user_id, 'username', u.username, 'display_name', u.display_name,
            'assigned_by', a.assigned_by, 'assigned_at', {_UTC_TEXT.format("a.assigned_at")})
            ORDER BY a.assigned_at, a.user_id)::text AS people
    FROM tasks.task_assignments a LEFT JOIN tasks.replica_users u ON u.id = a.user_id
    WHERE a.task_id IN (SELECT id FROM p) GROUP BY a.task_id),
g AS (SELECT tt.task_id, array_agg(g.name ORDER BY lower(g.name)) AS names
    FROM tasks.task_tags tt JOIN tasks.tags g ON g.id = tt.tag_id
    WHERE tt.task_id IN (SELECT id FROM p) GROUP BY tt.task_id)
SELECT {_SELECT_LIST}{positions}
FROM p JOIN tasks.tasks t ON t.id = p.id
    LEFT JOIN a ON a.task_id = p.id LEFT JOIN g ON g.task_id = p.id {order_by}"""


GET_DOCUMENT = _documents("(SELECT %(id)s::uuid AS id)")

ACTOR = """
SELECT (SELECT role FROM tasks.replica_users WHERE id = %(id)s),
       (SELECT is_active FROM tasks.replica_users WHERE id = %(id)s),
       ARRAY(SELECT team_id FROM tasks.replica_team_members WHERE user_id = %(id)s
             ORDER BY team_id)"""

TEXT_QUERY = "websearch_to_tsquery('english'::regconfig, %(q)s)"
_MATCHING = f"(SELECT d.task_id FROM tasks.search_documents d WHERE d.document @@ {TEXT_QUERY})"
MATCHES = f"t.id IN {_MATCHING}"
"""The text filter (`q`, bound by `_filters`): its matches found through the GIN index."""
_ORDER_EXPRESSIONS: dict[str, tuple[str, str]] = {
    # name: (ascending expression, descending expression); never NULL, so keyset
    # comparisons are plain. Tasks without a due date come last in both directions.
    "created_at": ("t.created_at", "t.created_at"),
    "updated_at": ("t.updated_at", "t.updated_at"),
    "due_date": (
        "coalesce(t.due_date, 'infinity'::timestamptz)",
        "coalesce(t.due_date, '-infinity'::timestamptz)",
    ),
    "priority": ("t.priority_rank", "t.priority_rank"),
    "status": ("t.status_rank", "t.status_rank"),
    "title": ("lower(t.title)", "lower(t.title)"),
    "score": ("t.score", "t.score"),
}
_POSITION_VALUES = {
    # What the cursor stores for each key (the raw due date: NULL stays NULL).
    "created_at": "t.created_at",
    "updated_at": "t.updated_at",
    "due_date": "t.due_date",
    "priority": "t.priority_rank",
    "status": "t.status_rank",
    "title": "lower(t.title)",
    "score": "t.score",
}
_CURSOR_CASTS = {
    "created_at": "%({})s::timestamptz",
    "updated_at": "%({})s::timestamptz",
    "due_date": "coalesce(%({})s::timestamptz, '{}'::timestamptz)",
    "priority": "%({})s::smallint",
    "status": "%({})s::smallint",
    "title": "%({})s::text",
    "score": "%({})s::smallint",
}
MANY_TEAMS = 8
"""Above this many teams, one `= ANY` branch replaces the branch per team."""


def _expression(key: SortKey) -> str:
    return _ORDER_EXPRESSIONS[key.name][1 if key.descending else 0]


def _cursor_value(key: SortKey, index: int) -> str:
    template = _CURSOR_CASTS[key.name]
    if key.name == "due_date":
        return template.format(f"k{index}", "-infinity" if key.descending else "infinity")
    return template.format(f"k{index}")


@dataclass(slots=True)
class _Statement:
    """A statement under construction: its parameters grow with its clauses."""

    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, name: str, value: Any) -> str:
        self.params[name] = value
        return f"%({name})s"


def _filters(statement: _Statement, wanted: TaskFilter) -> list[str]:
    clauses: list[str] = []
    if wanted.archived != "all":
        clauses.append(f"t.is_archived = {'true' if wanted.archived == 'true' else 'false'}")
    if wanted.statuses:
        clauses.append(f"t.status = ANY({statement.bind('statuses', list(wanted.statuses))})")
    if wanted.priorities:
        clauses.append(f"t.priority = ANY({statement.bind('priorities', list(wanted.priorities))})")
    if wanted.assignee is not None:
        clauses.append(
            "EXISTS (SELECT 1 FROM tasks.task_assignments fa WHERE fa.task_id = t.id "
            f"AND fa.user_id = {statement.bind('assignee', wanted.assignee)})"
        )
    if wanted.created_by is not None:
        clauses.append(f"t.created_by = {statement.bind('created_by', wanted.created_by)}")
    if wanted.team is not None:
        clauses.append(f"t.team_id = {statement.bind('team', wanted.team)}")
    if wanted.tags:
        names = statement.bind("tags", list(wanted.tags))
        clauses.append(
            "EXISTS (SELECT 1 FROM tasks.task_tags ft JOIN tasks.tags fg ON fg.id = ft.tag_id "
            "WHERE ft.task_id = t.id AND lower(fg.name) = ANY("
            f"ARRAY(SELECT lower(n) FROM unnest(CAST({names} AS text[])) AS n)))"
        )
    if wanted.due_before is not None:
        clauses.append(f"t.due_date < {statement.bind('due_before', wanted.due_before)}")
    if wanted.due_after is not None:
        clauses.append(f"t.due_date >= {statement.bind('due_after', wanted.due_after)}")
    if wanted.overdue is not None:
        clauses.append(f"t.is_overdue = {'true' if wanted.overdue else 'false'}")
    if wanted.parent is not None:
        clauses.append(f"t.parent_task_id = {statement.bind('parent', wanted.parent)}")
    if wanted.top_level_only:
        clauses.append("t.parent_task_id IS NULL")
    if wanted.updated_since is not None:
        clauses.append(f"t.updated_at >= {statement.bind('updated_since', wanted.updated_since)}")
    if wanted.series is not None:
        clauses.append(f"t.series_id = {statement.bind('series', wanted.series)}")
    if wanted.sla_states:
        states = statement.bind("sla_states", list(wanted.sla_states))
        clauses.append(
            "EXISTS (SELECT 1 FROM tasks.task_slas fs WHERE fs.task_id = t.id "
            f"AND fs.policy_id IS NOT NULL AND fs.state = ANY({states}))"
        )
    if wanted.text is not None:
        statement.bind("q", wanted.text)
        clauses.append(MATCHES)
    return clauses


def _aliased(fragment: str, aliases: dict[str, str]) -> str:
    for column, alias in aliases.items():
        fragment = fragment.replace(column, alias)
    return fragment


def _keyset(keys: tuple[SortKey, ...], aliases: dict[str, str]) -> str:
    """Rows strictly after the cursor (bound as k0…, after_id) in the page order."""
    expressions = [_aliased(_expression(key), aliases) for key in keys]
    expressions.append(aliases.get("t.id", "t.id"))
    values = [_cursor_value(key, i) for i, key in enumerate(keys)] + ["%(after_id)s::uuid"]
    directions = [key.descending for key in keys]
    directions.append(directions[-1])
    if len(set(directions)) == 1:
        # A row comparison: an index range condition when one index serves the order.
        operator = "<" if directions[0] else ">"
        return f"({', '.join(expressions)}) {operator} ({', '.join(values)})"
    alternatives = []
    for position, descending in enumerate(directions):
        equal = [f"{expressions[i]} = {values[i]}" for i in range(position)]
        operator = "<" if descending else ">"
        alternatives.append(
            " AND ".join([*equal, f"{expressions[position]} {operator} {values[position]}"])
        )
    return "(" + " OR ".join(f"({alternative})" for alternative in alternatives) + ")"


def _order_by(keys: tuple[SortKey, ...], prefix: str | None, aliases: dict[str, str]) -> str:
    """`ORDER BY` of a branch (expressions) or of the union (its k-columns)."""
    terms = []
    for index, key in enumerate(keys):
        column = f"{prefix}.k{index}" if prefix else _aliased(_expression(key), aliases)
        terms.append(f"{column} {'DESC' if key.descending else 'ASC'}")
    id_column = f"{prefix}.id" if prefix else aliases.get("t.id", "t.id")
    terms.append(f"{id_column} {'DESC' if keys[-1].descending else 'ASC'}")
    return "ORDER BY " + ", ".join(terms)


@dataclass(frozen=True, slots=True)
class _Branch:
    source: str
    condition: str = ""
    aliases: dict[str, str] = field(default_factory=dict)
    """Sort columns read from another table of the branch (same values, better index)."""
    alone: str = ""
    """The branch's own table without `tasks` (its condition and sort columns are there)."""


_ASSIGNED_ALIASES = {"t.created_at": "va.task_created_at", "t.id": "va.task_id"}


def _branches(statement: _Statement, listing: TaskListing) -> list[_Branch]:
    """One branch for staff; own, assigned and team ones for members."""
    visible = listing.visible_to
    if visible is None:
        return [_Branch("tasks.tasks t")]
    me = statement.bind("me", visible.user_id)
    branches = [
        _Branch("tasks.tasks t", f"t.created_by = {me}"),
        _Branch(
            "tasks.task_assignments va JOIN tasks.tasks t ON t.id = va.task_id",
            f"va.user_id = {me}",
            _ASSIGNED_ALIASES,
            "tasks.task_assignments va",
        ),
    ]
    if len(visible.team_ids) > MANY_TEAMS:
        teams = statement.bind("my_teams", list(visible.team_ids))
        branches.append(_Branch("tasks.tasks t", f"t.team_id = ANY({teams})"))
    else:
        for index, team_id in enumerate(visible.team_ids):
            team = statement.bind(f"team{index}", team_id)
            branches.append(_Branch("tasks.tasks t", f"t.team_id = {team}"))
    return branches


def branch_page(
    statement: _Statement,
    listing: TaskListing,
    common: list[str],
    limit: int,
    extra: tuple[str, ...] = (),
) -> str:
    """The ids (and sort values k0…) of one page in `listing.sort`: each visibility branch
    cut at `limit` in index order, then their union cut once more. `extra` conditions are
    written over `t.` and rewritten for branches that read the sort columns elsewhere."""
    keys = listing.sort
    parts = []
    for branch in _branches(statement, listing):
        aliases = branch.aliases
        where = [branch.condition] if branch.condition else []
        where += common
        where += [_aliased(condition, aliases) for condition in extra]
        columns = ", ".join(
            f"{_aliased(_expression(key), aliases)} AS k{i}" for i, key in enumerate(keys)
        )
        parts.append(
            f"(SELECT {aliases.get('t.id', 't.id')} AS id, {columns} FROM {branch.source}"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + f" {_order_by(keys, None, aliases)} LIMIT {int(limit)})"
        )
    if len(parts) == 1:
        return parts[0]
    k_columns = ", ".join(f"u.k{i}" for i in range(len(keys)))
    return (
        f"(SELECT u.id, {k_columns} FROM ({' UNION '.join(parts)}) u "
        f"{_order_by(keys, 'u', {})} LIMIT {int(limit)})"
    )


def list_statement(listing: TaskListing) -> tuple[str, dict[str, Any]]:
    statement = _Statement()
    keys = listing.sort
    common = _filters(statement, listing.filter)
    extra: tuple[str, ...] = ()
    if listing.after is not None:
        for index, value in enumerate(listing.after[:-1]):
            statement.bind(f"k{index}", value)
        statement.bind("after_id", listing.after[-1])
        extra = (_keyset(keys, {}),)
    # A literal (a checked int): with it, PostgreSQL can reuse one generic plan per shape.
    page = branch_page(statement, listing, common, listing.limit, extra)
    positions = "".join(f", {_POSITION_VALUES[key.name]}" for key in keys)
    return _documents(page, _order_by(keys, "p", {}), positions), statement.params


def document_of(row: Any, position_columns: int = 0) -> TaskDocument:
    """A result row → TaskDocument; the trailing columns (if any) are the sort values."""
    fields = dict(zip(FIELD_NAMES, row[: len(FIELD_NAMES)], strict=True))
    for name in _RAW_JSON:
        if fields[name] is not None:
            fields[name] = RawJson(fields[name])
    position: tuple[Any, ...] = ()
    if position_columns:
        position = (*row[len(FIELD_NAMES) :], fields["id"])
    return TaskDocument(fields=fields, position=position)
