"""Inbound adapters: the Flask app serving the pages."""
