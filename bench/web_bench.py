"""`make bench-web`: page render time of the web UI's task list through the gateway, under load.

A throwaway stack (bench.stack) with 10,000 seeded tasks, a member signed in through the web
pages (a real session cookie), then wrk on the pages with that cookie, and on the API list the
page is built from, for the ratio. Results: docs/performance.md ("Web UI").
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import requests

from bench.stack import running_stack
from bench.tasks_bench import TIMEOUT, register, seed, wait_for_replica
from bench.wrk import WrkResult, parse
from bench.wrk import run as run_api

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(base: str, username: str, password: str) -> str:
    """The session cookie of a member signed in through the pages."""
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=TIMEOUT)
    token = CSRF.search(page.text)
    assert token is not None, page.text
    response = http.post(
        f"{base}/login",
        data={"username": username, "password": password, "csrf_token": token[1]},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, response.text
    return str(http.cookies["taskhive_session"])


def run_page(
    url: str, cookie: str, duration_s: int, warmup_s: int = 5, connections: int = 32
) -> WrkResult:
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is not installed (make wrk)")
    with tempfile.TemporaryDirectory() as directory:
        script = Path(directory) / "page.lua"
        script.write_text(f'wrk.headers["Cookie"] = "taskhive_session={cookie}"\n')
        threads = min(2, connections)
        base = [binary, f"-t{threads}", f"-c{connections}", "-s", str(script)]
        subprocess.run([*base, f"-d{warmup_s}s", url], check=True, capture_output=True)
        completed = subprocess.run(
            [*base, "--latency", f"-d{duration_s}s", url],
            check=True,
            capture_output=True,
            text=True,
        )
    return parse(completed.stdout)


def bench(count: int, duration: int, workers: int, app_server: str) -> list[str]:
    settings = {"TASKHIVE_API_WORKERS": str(workers), "TASKHIVE_APP_SERVER": app_server}
    # Ports of its own: another benchmark's stack may be running on the defaults.
    with running_stack(port=18580, port_offset=10500, **settings) as stack:
        base = stack.base_url
        name = f"member{uuid.uuid4().hex[:6]}"
        member = register(base, name)
        other = register(base, f"manager{uuid.uuid4().hex[:6]}")
        wait_for_replica(stack.database_url, [member["user"]["id"], other["user"]["id"]])
        seconds = seed(stack.database_url, count, member["user"]["id"], other["user"]["id"])
        cookie = sign_in(base, name, f"{name}-secret-pw")
        page = requests.get(f"{base}/tasks", cookies={"taskhive_session": cookie}, timeout=TIMEOUT)
        assert page.status_code == 200, page.text[:500]
        assert "task-title" in page.text, page.text[:500]
        task_id = re.search(r'href="/tasks/([0-9a-f-]{36})"', page.text)
        assert task_id is not None
        rows = [
            f"{count:,} tasks (seeded in {seconds:.0f} s), {app_server}, {workers} workers per "
            "service, wrk -t2 -c32, one signed-in member's session cookie:",
            "",
            "| page (through the gateway) | req/s | p50 ms | p99 ms | non-2xx |",
            "|---|---|---|---|---|",
        ]
        cases = [
            ("task list page (`/tasks`)", f"{base}/tasks"),
            (
                "task list page, filtered + searched",
                f"{base}/tasks?status=todo&priority=high&q=escalation",
            ),
            ("task detail page", f"{base}/tasks/{task_id[1]}"),
        ]
        # One connection: the render time of a page when nothing queues.
        alone = run_page(f"{base}/tasks", cookie, duration, connections=1)
        rows.append(
            f"| task list page, one client at a time (c=1) | {alone.requests_per_second:,.0f} "
            f"| {alone.p50_ms:.1f} | {alone.p99_ms:.1f} | {alone.non_2xx} |"
        )
        for label, url in cases:
            result = run_page(url, cookie, duration)
            rows.append(
                f"| {label} | {result.requests_per_second:,.0f} | {result.p50_ms:.1f} "
                f"| {result.p99_ms:.1f} | {result.non_2xx} |"
            )
        api = run_api(
            f"{base}/api/v1/tasks/?limit=20&sort=-created_at",
            token=member["access_token"],
            duration_s=duration,
        )
        rows.append(
            f"| (the API call behind the list: `/api/v1/tasks/?limit=20`) "
            f"| {api.requests_per_second:,.0f} | {api.p50_ms:.1f} | {api.p99_ms:.1f} "
            f"| {api.non_2xx} |"
        )
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--app-server", default="gunicorn", choices=["gunicorn", "granian"])
    args = parser.parse_args()
    print("\n".join(bench(args.tasks, args.duration, args.workers, args.app_server)))


if __name__ == "__main__":
    main()
