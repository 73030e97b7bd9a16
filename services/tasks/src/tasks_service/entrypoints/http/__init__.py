"""The tasks HTTP API (tasks, tags, task templates)."""
