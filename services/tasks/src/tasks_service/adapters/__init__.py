"""Outbound adapters of the tasks service."""
