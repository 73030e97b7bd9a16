"""Inbound: HTTP, event consumer, jobs, command line."""
