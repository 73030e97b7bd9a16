"""Notifications outward: the delivery log, rendering, the Celery dispatcher."""
