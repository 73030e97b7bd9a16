"""The analytics HTTP API."""
