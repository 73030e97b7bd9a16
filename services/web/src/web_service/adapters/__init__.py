"""Outbound adapters: the API transport (HTTP or in-process WSGI), session stores."""
