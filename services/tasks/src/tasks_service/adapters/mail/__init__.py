"""Email of the tasks service: notification templates and their renderer."""
