"""Taskhive analytics: read models fed by tasks and users events, dashboards, statistics."""
