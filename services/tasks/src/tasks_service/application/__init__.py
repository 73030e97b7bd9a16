"""Tasks' use cases, queries and the ports they need."""
