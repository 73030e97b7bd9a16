"""Registration → profile visible: the latency of the event path, through HAProxy.

POST /api/v1/auth/register commits the account and its outbox row; the auth relay publishes
`auth.user.registered.v1`; the users consumer creates the profile; GET /api/v1/users/me turns
from 404 to 200. Measured from the 201 to the first 200 (polling every 2 ms), on `make stack`
with RabbitMQ. Run: `.venv/bin/python -m bench.event_latency_bench`.
"""

from __future__ import annotations

import argparse
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.auth_bench import percentile
from bench.stack import running_stack

TIMEOUT = 30


def one_registration(base: str) -> float:
    session = requests.Session()
    name = f"lat{uuid.uuid4().hex[:12]}"
    response = session.post(
        f"{base}/api/v1/auth/register",
        json={"email": f"{name}@bench.local", "username": name, "password": f"{name}-secret"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    registered = time.perf_counter()
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    while True:
        me = session.get(f"{base}/api/v1/users/me", headers=headers, timeout=TIMEOUT)
        if me.status_code == 200:
            return (time.perf_counter() - registered) * 1000
        assert me.status_code == 404, me.text
        if time.perf_counter() - registered > 10:
            raise SystemExit("profile not visible after 10 s")
        time.sleep(0.002)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    # Cheap hashing: this measures the event path, not argon2 (measured in auth_bench).
    with running_stack(AUTH_ARGON2_MEMORY_KIB="1024", AUTH_ARGON2_TIME_COST="1") as stack:
        base = stack.base_url
        one_registration(base)  # warm-up: connections, caches
        rows = ["| load | n | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|"]
        for clients in (1, args.concurrency):
            with ThreadPoolExecutor(clients) as pool:
                samples = list(
                    pool.map(lambda _: one_registration(base), range(args.registrations))
                )
            rows.append(
                f"| {clients} registering client(s) | {len(samples)} | "
                f"{percentile(samples, 0.5):.1f} | {percentile(samples, 0.99):.1f} | "
                f"{max(samples):.1f} |"
            )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
