"""Background jobs: one Celery app per service, its worker, its single beat, the operator CLI."""
