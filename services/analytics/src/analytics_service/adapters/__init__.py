"""Outbound adapters: PostgreSQL read models, clock."""
