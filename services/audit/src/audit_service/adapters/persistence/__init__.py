"""Taskhive audit service."""
