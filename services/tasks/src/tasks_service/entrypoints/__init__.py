"""Inbound adapters: HTTP, event consumer, command line."""
