"""Search documents: a task's words from its title, tags, description and comments, in a table
of their own kept up to date by triggers; trigram indexes for suggestions (ADR 0019).

`tasks.search_documents` holds one tsvector per task: title A, tag names B, description C,
comments D (the newest 200,000 characters: a tsvector holds at most 1 MB, so a very long
discussion contributes its newest part). A row trigger on the task's own text and statement
triggers (one refresh per task per statement) on its tags, the tag names and its comments keep
it current. Its own table, not a column of `tasks`: a comment must not wait for the lock a
writer holds on its task (migration 0001's generated `search_vector` stays for now, unused).

pg_trgm lives in schema `extensions`, created by provisioning (the migrator may not create an
extension): every use is schema-qualified.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = "tasks"

UPGRADE = [
    """
CREATE TABLE tasks.search_documents (
    task_id uuid PRIMARY KEY REFERENCES tasks.tasks (id) ON DELETE CASCADE,
    document tsvector NOT NULL
)""",
    "CREATE INDEX ix_search_documents ON tasks.search_documents USING gin (document)",
    """
CREATE FUNCTION tasks.refresh_search_documents(ids uuid[]) RETURNS void
LANGUAGE sql AS $$
INSERT INTO tasks.search_documents (task_id, document)
SELECT t.id,
    setweight(to_tsvector('english'::regconfig, t.title), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(
        (SELECT string_agg(g.name, ' ') FROM tasks.task_tags tt
         JOIN tasks.tags g ON g.id = tt.tag_id WHERE tt.task_id = t.id), '')), 'B')
    || setweight(to_tsvector('english'::regconfig, t.description), 'C')
    || setweight(to_tsvector('english'::regconfig, coalesce(
        (SELECT left(string_agg(c.body, ' ' ORDER BY c.created_at DESC), 200000)
         FROM tasks.comments c WHERE c.task_id = t.id), '')), 'D')
FROM tasks.tasks t WHERE t.id = ANY(ids)
ON CONFLICT (task_id) DO UPDATE SET document = EXCLUDED.document
$$""",
    """
CREATE FUNCTION tasks.task_text_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tasks.refresh_search_documents(ARRAY(
        SELECT n.id FROM changed n JOIN before o ON o.id = n.id
        WHERE n.title IS DISTINCT FROM o.title OR n.description IS DISTINCT FROM o.description));
    RETURN NULL;
END $$""",
    """
CREATE FUNCTION tasks.tasks_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tasks.refresh_search_documents(ARRAY(SELECT id FROM changed));
    RETURN NULL;
END $$""",
    """
CREATE FUNCTION tasks.task_parts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tasks.refresh_search_documents(ARRAY(SELECT DISTINCT task_id FROM changed));
    RETURN NULL;
END $$""",
    """
CREATE FUNCTION tasks.tag_names_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tasks.refresh_search_documents(ARRAY(
        SELECT DISTINCT tt.task_id FROM tasks.task_tags tt
        WHERE tt.tag_id IN (SELECT n.id FROM changed n JOIN before o ON o.id = n.id
                            WHERE n.name IS DISTINCT FROM o.name)));
    RETURN NULL;
END $$""",
    # Statement triggers: a statement inserting 40,000 tasks refreshes them in one set-based
    # INSERT … SELECT, not 40,000 function calls.
    """CREATE TRIGGER search_on_insert AFTER INSERT ON tasks.tasks
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tasks.tasks_inserted()""",
    """CREATE TRIGGER search_on_update AFTER UPDATE ON tasks.tasks
REFERENCING OLD TABLE AS before NEW TABLE AS changed
FOR EACH STATEMENT EXECUTE FUNCTION tasks.task_text_changed()""",
    """CREATE TRIGGER search_on_tagging AFTER INSERT ON tasks.task_tags
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tasks.task_parts_changed()""",
    """CREATE TRIGGER search_on_untagging AFTER DELETE ON tasks.task_tags
REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tasks.task_parts_changed()""",
    """CREATE TRIGGER search_on_comment AFTER INSERT ON tasks.comments
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tasks.task_parts_changed()""",
    """CREATE TRIGGER search_on_comment_edit AFTER UPDATE ON tasks.comments
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tasks.task_parts_changed()""",
    """CREATE TRIGGER search_on_comment_delete AFTER DELETE ON tasks.comments
REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tasks.task_parts_changed()""",
    """CREATE TRIGGER search_on_tag_rename AFTER UPDATE ON tasks.tags
REFERENCING OLD TABLE AS before NEW TABLE AS changed
FOR EACH STATEMENT EXECUTE FUNCTION tasks.tag_names_changed()""",
    # Every existing task gets its document; the list searches these from now on.
    "SELECT tasks.refresh_search_documents(ARRAY(SELECT id FROM tasks.tasks))",
    "DROP INDEX tasks.ix_tasks_search",
    # Suggestions: title prefixes in index order ("C": byte order, so LIKE 'abc%' is a range),
    # near spellings by trigram distance (GiST answers ORDER BY distance LIMIT n), tag names.
    'CREATE INDEX ix_tasks_title_prefix ON tasks.tasks ((lower(title) COLLATE "C"))',
    "CREATE INDEX ix_tasks_title_trgm ON tasks.tasks "
    "USING gist (lower(title) extensions.gist_trgm_ops)",
    "CREATE INDEX ix_tags_name_trgm ON tasks.tags USING gin (lower(name) extensions.gin_trgm_ops)",
]

DOWNGRADE = [
    "DROP INDEX tasks.ix_tags_name_trgm",
    "DROP INDEX tasks.ix_tasks_title_trgm",
    "DROP INDEX tasks.ix_tasks_title_prefix",
    "CREATE INDEX ix_tasks_search ON tasks.tasks USING gin (search_vector)",
    "DROP TRIGGER search_on_tag_rename ON tasks.tags",
    "DROP TRIGGER search_on_comment_delete ON tasks.comments",
    "DROP TRIGGER search_on_comment_edit ON tasks.comments",
    "DROP TRIGGER search_on_comment ON tasks.comments",
    "DROP TRIGGER search_on_untagging ON tasks.task_tags",
    "DROP TRIGGER search_on_tagging ON tasks.task_tags",
    "DROP TRIGGER search_on_update ON tasks.tasks",
    "DROP TRIGGER search_on_insert ON tasks.tasks",
    "DROP FUNCTION tasks.tag_names_changed()",
    "DROP FUNCTION tasks.task_parts_changed()",
    "DROP FUNCTION tasks.tasks_inserted()",
    "DROP FUNCTION tasks.task_text_changed()",
    "DROP FUNCTION tasks.refresh_search_documents(uuid[])",
    "DROP TABLE tasks.search_documents",
]


def upgrade() -> None:
    extension = op.get_bind().exec_driver_sql(
        "SELECT 1 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm' AND n.nspname = 'extensions'"
    )
    if extension.first() is None:
        raise RuntimeError(
            "pg_trgm is missing from schema `extensions`: run `taskhive-provision` "
            "(a superuser creates it; the migrator may not)"
        )
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
