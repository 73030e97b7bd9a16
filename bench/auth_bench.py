"""Auth benchmarks: argon2 cost, token verification per request, register/login through HAProxy.

Run with `make bench` (or `.venv/bin/python bench/auth_bench.py`). It starts its own stack
(`taskhive-stack`: gunicorn + HAProxy) on spare ports against a throwaway database, with the
production argon2 parameters, and prints a Markdown table for docs/performance.md.
Not part of `make test`: numbers are recorded, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.stack import running_stack

TIMEOUT = 30
UNUSED_DB = "postgresql://unused@127.0.0.1:1/none"

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(name: str, samples_ms: list[float], wall_s: float | None = None) -> str:
    rate = f"{len(samples_ms) / wall_s:,.0f}" if wall_s else "—"
    return (
        f"| {name} | {len(samples_ms)} | {statistics.median(samples_ms):.2f} | "
        f"{percentile(samples_ms, 0.99):.2f} | {rate} |"
    )


def time_calls(call: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def bench_argon2(rows: list[str]) -> None:
    from auth_service.bootstrap import build_password_hasher
    from auth_service.config import AuthSettings

    hasher = build_password_hasher(AuthSettings(database_url=UNUSED_DB))
    stored = hasher.hash("correct horse battery staple")
    rows.append(
        summarise(
            "argon2id hash (t=3, m=64 MiB, p=4)",
            time_calls(lambda: hasher.hash("correct horse battery staple"), 30),
        )
    )
    rows.append(
        summarise(
            "argon2id verify",
            time_calls(lambda: hasher.verify(stored, "correct horse battery staple"), 30),
        )
    )


def bench_verification(rows: list[str], redis_url: str) -> None:
    from auth_service.bootstrap import build_access_token_issuer, ephemeral_keys, sign_access_token
    from auth_service.config import AuthSettings
    from taskhive_shared.security.denylist import InMemoryTokenDenylist, RedisTokenDenylist
    from taskhive_shared.security.tokens import AccessTokenVerifier, LocalKeyResolver

    keys = ephemeral_keys()
    settings = AuthSettings(database_url=UNUSED_DB)
    issuer = build_access_token_issuer(settings, keys)
    token = sign_access_token(issuer, uuid.uuid4()).token
    for label, denylist in (
        ("in-process denylist", InMemoryTokenDenylist()),
        ("Redis denylist", RedisTokenDenylist.from_url(redis_url)),
    ):
        verifier = AccessTokenVerifier(
            LocalKeyResolver(keys.jwks),
            denylist,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        verifier.verify(token)
        samples = time_calls(lambda v=verifier: v.verify(token), 5000)
        rows.append(summarise(f"verify RS256 access token ({label})", samples))
    rows.append(
        summarise(
            "issue (sign) RS256 access token",
            time_calls(lambda: sign_access_token(issuer, uuid.uuid4()), 500),
        )
    )


def bench_http(rows: list[str], base: str, concurrency: int, count: int) -> None:
    def register() -> float:
        name = f"b{uuid.uuid4().hex[:12]}"
        start = time.perf_counter()
        response = requests.post(
            f"{base}/api/v1/auth/register",
            timeout=TIMEOUT,
            json={"email": f"{name}@bench.local", "username": name, "password": f"{name}-secret"},
        )
        assert response.status_code == 201, response.text
        return (time.perf_counter() - start) * 1000

    name = f"b{uuid.uuid4().hex[:12]}"
    requests.post(
        f"{base}/api/v1/auth/register",
        timeout=TIMEOUT,
        json={"email": f"{name}@bench.local", "username": name, "password": f"{name}-secret"},
    )

    def login() -> float:
        start = time.perf_counter()
        response = requests.post(
            f"{base}/api/v1/auth/login",
            timeout=TIMEOUT,
            json={"username": name, "password": f"{name}-secret"},
        )
        assert response.status_code == 200, response.text
        return (time.perf_counter() - start) * 1000

    for label, call in (("register", register), ("login", login)):
        sequential = [call() for _ in range(count // 2)]
        rows.append(summarise(f"{label} through HAProxy, 1 client", sequential))
        start = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            samples = list(pool.map(lambda _, c=call: c(), range(count)))
        rows.append(
            summarise(
                f"{label} through HAProxy, {concurrency} clients",
                samples,
                time.perf_counter() - start,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    rows = ["| measurement | n | p50 ms | p99 ms | req/s |", "|---|---|---|---|---|"]
    bench_argon2(rows)
    bench_verification(rows, args.redis_url)
    with running_stack() as stack:
        base = stack.base_url
        bench_http(rows, base, args.concurrency, args.requests)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
