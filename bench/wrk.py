"""Run wrk (`wrk -t2 -c32 --latency`, as PERFORMANCE.md measured) and parse its report."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
_LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: str

    def row(self, name: str, target: str = "") -> str:
        return (
            f"| {name} | {self.requests_per_second:,.0f} | {self.p50_ms:.2f} | {self.p99_ms:.2f} "
            f"| {target} | {self.non_2xx} |"
        )


def parse(output: str) -> WrkResult:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    latencies = {q: float(v) * _UNITS_MS[u] for q, v, u in _LATENCY.findall(output)}
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return WrkResult(
        requests_per_second=float(rate.group(1)),
        p50_ms=latencies["50"],
        p99_ms=latencies["99"],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=errors.group(0) if errors else "",
    )


def run(
    url: str,
    *,
    token: str,
    method: str = "GET",
    body: str | None = None,
    duration_s: int = 15,
    warmup_s: int = 5,
    connections: int = 32,
    threads: int = 2,
) -> WrkResult:
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    script = f"""
wrk.method = "{method}"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
"""
    if body is not None:
        script += f"wrk.body = [[{body}]]\n"
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "request.lua"
        path.write_text(script)
        base = [binary, f"-t{threads}", f"-c{connections}", "-s", str(path)]
        subprocess.run([*base, f"-d{warmup_s}s", url], check=True, capture_output=True)
        completed = subprocess.run(
            [*base, "--latency", f"-d{duration_s}s", url],
            check=True,
            capture_output=True,
            text=True,
        )
    return parse(completed.stdout)
