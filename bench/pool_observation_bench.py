"""What observing the pool costs a checkout (issue 18): `with engine.connect(): pass` against
the local PostgreSQL, best of 5 rounds of 5,000, a plain QueuePool against create_db_engine's
ObservedQueuePool, with in-process metric values and then in multiprocess mode (files).

    .venv/bin/python -m bench.pool_observation_bench [postgresql://…]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine

from taskhive_shared.db.engine import create_db_engine, normalise_url
from taskhive_shared.observability.metrics import enable_multiprocess

ROUNDS, CHECKOUTS = 5, 5000


def per_checkout_us(engine: Engine) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(CHECKOUTS):
            with engine.connect():
                pass
        best = min(best, time.perf_counter() - started)
    return best / CHECKOUTS * 1e6


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/postgres"
    plain = create_engine(normalise_url(url), pool_size=2, pool_pre_ping=False)
    observed = create_db_engine(url, pool_size=2, liveness="none", pool_name="bench")
    print(f"load average {os.getloadavg()}")
    print(f"plain QueuePool          {per_checkout_us(plain):6.1f} µs per checkout")
    print(f"ObservedQueuePool        {per_checkout_us(observed):6.1f} µs per checkout")
    enable_multiprocess(Path(tempfile.mkdtemp()))
    multi = create_db_engine(url, pool_size=2, liveness="none", pool_name="bench-mp")
    print(f"ObservedQueuePool, files {per_checkout_us(multi):6.1f} µs per checkout")
    print(f"plain QueuePool again    {per_checkout_us(plain):6.1f} µs per checkout")


if __name__ == "__main__":
    main()
