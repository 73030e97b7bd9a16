"""Taskhive web UI: server-rendered pages over the public API (no database of its own)."""
