"""Event → dashboard visible (issue 14; goal p99 ≤ 2 s) under the tasks bench's write load.

On a throwaway `make stack` (bench.stack): a "load" user creates tasks through the gateway with
`wrk -t2 -c32` (the tasks bench's create case) for the whole run, while a "probe" user, one at a
time, creates a task (`POST /api/v1/tasks/` → 201) and polls `GET /api/v1/analytics/dashboard/`
every 10 ms until its `open` count includes it. The path measured: the tasks commit's NOTIFY →
the tasks relay → RabbitMQ `analytics.events-in` (shared with the load's events) → the
analytics consumer (inbox, task facts, counters) → the dashboard's counters.
Run: `flock /tmp/taskhive-stack.lock .venv/bin/python -m bench.analytics_latency_bench`.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from bench.auth_bench import percentile
from bench.seed import wait_for_replica
from bench.stack import running_stack
from bench.tasks_bench import register
from bench.wrk import WrkResult, run

TIMEOUT = 30
GIVE_UP_S = 60.0


def open_count(base: str, headers: dict[str, str]) -> int:
    answer = requests.get(f"{base}/api/v1/analytics/dashboard/", headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    count: int = answer.json()["open"]
    return count


def one_sample(base: str, headers: dict[str, str], expected: int) -> float:
    created = requests.post(
        f"{base}/api/v1/tasks/", json={"title": "Probe"}, headers=headers, timeout=TIMEOUT
    )
    assert created.status_code == 201, created.text
    committed = time.perf_counter()
    while open_count(base, headers) < expected:
        if time.perf_counter() - committed > GIVE_UP_S:
            raise SystemExit(f"the dashboard did not show the task after {GIVE_UP_S} s")
        time.sleep(0.01)
    return (time.perf_counter() - committed) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--load-seconds", type=int, default=120)
    parser.add_argument("--stack-log", type=Path, help="where the stack's output goes")
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()}")
    with running_stack(log_path=args.stack_log) as stack:
        base = stack.base_url
        probe = register(base, f"probe{uuid.uuid4().hex[:6]}")
        load = register(base, f"load{uuid.uuid4().hex[:6]}")
        wait_for_replica(stack.database_url, [probe["user"]["id"], load["user"]["id"]])
        headers = {"Authorization": f"Bearer {probe['access_token']}"}
        expected = open_count(base, headers)
        for _ in range(3):  # warm-up: connections, caches, the consumer's first event
            expected += 1
            one_sample(base, headers, expected)

        quiet = []
        for _ in range(min(20, args.samples)):
            expected += 1
            quiet.append(one_sample(base, headers, expected))

        loaded: list[float] = []
        result: dict[str, Any] = {}

        def write_load() -> None:
            result["wrk"] = run(
                f"{base}/api/v1/tasks/",
                token=load["access_token"],
                method="POST",
                body='{"title": "Bench task", "priority": "high"}',
                duration_s=args.load_seconds,
                warmup_s=1,
            )

        writer = threading.Thread(target=write_load)
        writer.start()
        time.sleep(3)  # the load's warm-up second and its first measured ones
        started = time.monotonic()
        while len(loaded) < args.samples and time.monotonic() - started < args.load_seconds - 5:
            expected += 1
            loaded.append(one_sample(base, headers, expected))
        writer.join()
    wrk: WrkResult = result["wrk"]
    print(f"load average at the end: {os.getloadavg()}; wrk non-2xx: {wrk.non_2xx} {wrk.errors}")
    print(
        "\n| load | n | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n"
        f"| none (one probe) | {len(quiet)} | {percentile(quiet, 0.5):.0f} | "
        f"{percentile(quiet, 0.99):.0f} | {max(quiet):.0f} |\n"
        f"| wrk -t2 -c32 creates, {wrk.requests_per_second:.0f} tasks/s | {len(loaded)} | "
        f"{percentile(loaded, 0.5):.0f} | {percentile(loaded, 0.99):.0f} | {max(loaded):.0f} |"
    )


if __name__ == "__main__":
    main()
