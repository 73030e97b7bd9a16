"""PostgreSQL persistence of schema `tasks` (SQLAlchemy Core and plain SQL)."""
