"""Developer routes of `make run` only (never behind HAProxy): run a job now, read the mail.

`POST /dev/jobs/<service>/<job>` runs a job in-process and answers its result;
`GET /dev/mail` lists the emails the in-process SMTP server received (newest first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery import Celery
from flask import Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue

from taskhive_shared.jobs.app import service_jobs
from taskhive_shared.mail.local_server import LocalSmtpServer

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


def create_dev_app(jobs: Mapping[str, Celery], mail: LocalSmtpServer) -> Flask:
    app = Flask("taskhive-dev")

    @app.before_request
    def refuse_other_sites() -> ResponseReturnValue | None:
        # Unauthenticated routes on the developer's machine: a web page they visit must not be
        # able to use them through their browser, neither by a cross-site request (CSRF) nor
        # by a name of its own that resolves to 127.0.0.1 (DNS rebinding).
        if request.host.rsplit(":", 1)[0] not in LOOPBACK_NAMES:
            return jsonify({"detail": "only on a loopback address"}), 403
        if request.method == "POST" and request.headers.get("Sec-Fetch-Site", "none") not in (
            "same-origin",
            "none",
        ):
            return jsonify({"detail": "cross-site requests are refused"}), 403
        return None

    @app.get("/dev/jobs")
    def list_jobs() -> ResponseReturnValue:
        return jsonify({service: sorted(service_jobs(a, service)) for service, a in jobs.items()})

    @app.post("/dev/jobs/<service>/<name>")
    def run_job(service: str, name: str) -> ResponseReturnValue:
        known = service_jobs(jobs[service], service) if service in jobs else {}
        if name not in known:
            abort(404)
        kwargs: Any = request.get_json(silent=True) or {}
        if not isinstance(kwargs, dict):
            return jsonify({"detail": "the body must be a JSON object of job arguments"}), 400
        try:
            result = jobs[service].tasks[known[name]].apply(kwargs=kwargs, throw=True)
        except TypeError as exc:  # arguments the job does not take
            return jsonify({"detail": f"bad arguments: {exc}"}), 400
        return jsonify({"job": f"{service}.{name}", "result": result.result})

    @app.get("/dev/mail")
    def list_mail() -> ResponseReturnValue:
        return jsonify(
            [
                {
                    "to": str(message["To"]),
                    "subject": str(message["Subject"]),
                    "date": str(message["Date"]),
                    "message_id": str(message["Message-ID"]),
                }
                for message in reversed(mail.messages)
            ]
        )

    return app
