"""SQLAlchemy Core tables, the read-model store and the unit of work."""
