"""Taskhive tasks service: tasks, assignments, tags, comments, history, templates."""
