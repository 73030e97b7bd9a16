"""Operability every process gets from the skeleton (ADR 0025): Prometheus metrics, OpenTelemetry
traces carried across HTTP, the outbox, the broker and jobs, and the probe listener of the
processes that serve no HTTP (relays, consumers, workers, beats)."""
