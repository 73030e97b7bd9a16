"""`/livez` (no I/O: the process answers) and `/readyz` (its dependencies answer)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from flask import Blueprint, Response, jsonify

logger = logging.getLogger(__name__)

ReadinessCheck = Callable[[], None]
"""Raises when the dependency it checks is not usable."""


def health_blueprint(checks: Mapping[str, ReadinessCheck]) -> Blueprint:
    blueprint = Blueprint("health", __name__)

    @blueprint.get("/livez")
    def livez() -> Response:
        return jsonify(status="ok")

    @blueprint.get("/readyz")
    def readyz() -> tuple[Response, int]:
        results: dict[str, str] = {}
        ready = True
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:  # a failing dependency must never crash the probe
                logger.warning("readiness check failed", extra={"check": name, "error": str(exc)})
                results[name] = "unavailable"
                ready = False
        return jsonify(status="ok" if ready else "unavailable", checks=results), (
            200 if ready else 503
        )

    return blueprint
