"""An open-loop HTTP load generator at a fixed arrival rate (issue 19; wrk2 is not installable).

Request i is due at `start + i / rate` whatever happened to the ones before it, and its latency
runs from that scheduled time to the last byte of the answer: a stall of the server (or of this
generator) shows up in the latency instead of quietly lowering the rate, so there is no
coordinated omission. A request that finds no idle keep-alive connection opens a new one (up to
`max_connections`, then it waits for one, and the wait counts too).

The client is plain HTTP/1.1 on asyncio streams with every request pre-built as bytes: the venv
has no asyncio HTTP client, and a pre-built request keeps the generator's own CPU (reported,
since it shares the machine's cores with the platform) small. Run it in a process of its own
(`generator_process`): nothing else then competes for its event loop.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context


@dataclass(frozen=True)
class RequestKind:
    """One kind of request in the mix: its share and the ready-made requests to cycle through."""

    name: str
    weight: float
    requests: tuple[bytes, ...]


@dataclass(frozen=True)
class Plan:
    host: str
    port: int
    kinds: tuple[RequestKind, ...]
    rate: float
    duration_s: float
    seed: int = 19
    timeout_s: float = 10.0
    max_connections: int = 256


@dataclass
class KindResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies (nan when none)."""
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass
class StepResult:
    rate: float
    sent: int
    seconds: float
    generator_cpu_s: float
    max_send_delay_ms: float
    connections: int
    kinds: dict[str, KindResult]

    @property
    def all(self) -> KindResult:
        merged = KindResult()
        for result in self.kinds.values():
            merged.latencies_ms += result.latencies_ms
            for reason, count in result.errors.items():
                merged.errors[reason] = merged.errors.get(reason, 0) + count
        return merged


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, request: bytes) -> tuple[int, bool]:
        """Send one request, read the whole answer: (status, whether the connection stays open)."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        if headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length := int(headers.get("content-length", "0")):
            await self.reader.readexactly(length)
        return status, headers.get("connection") != "close"

    def close(self) -> None:
        self.writer.close()


class _Generator:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.idle: list[_Connection] = []
        self.opened = 0
        self.slots = asyncio.Semaphore(plan.max_connections)
        self.results: dict[str, KindResult] = defaultdict(KindResult)

    async def _one(self, kind: str, request: bytes, due: float) -> None:
        loop = asyncio.get_running_loop()
        result = self.results[kind]
        async with self.slots:
            connection = self.idle.pop() if self.idle else None
            try:
                async with asyncio.timeout(self.plan.timeout_s):
                    if connection is None:
                        connection = _Connection(
                            *await asyncio.open_connection(self.plan.host, self.plan.port)
                        )
                        self.opened += 1
                    status, keep = await connection.exchange(request)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                result.errors["connection"] = result.errors.get("connection", 0) + 1
                if connection is not None:
                    connection.close()
                return
            except TimeoutError:
                result.errors["timeout"] = result.errors.get("timeout", 0) + 1
                if connection is not None:
                    connection.close()
                return
            if keep:
                self.idle.append(connection)
            else:
                connection.close()
        if 200 <= status < 300:
            result.latencies_ms.append((loop.time() - due) * 1000)
        else:
            result.errors[str(status)] = result.errors.get(str(status), 0) + 1

    async def run(self) -> StepResult:
        plan = self.plan
        chooser = random.Random(plan.seed)
        count = int(plan.rate * plan.duration_s)
        names = chooser.choices(
            [k.name for k in plan.kinds], weights=[k.weight for k in plan.kinds], k=count
        )
        pools = {k.name: k.requests for k in plan.kinds}
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[None]] = set()
        cpu_before = time.process_time()
        start = loop.time() + 0.05
        max_delay = 0.0
        for i, name in enumerate(names):
            due = start + i / plan.rate
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            max_delay = max(max_delay, loop.time() - due)
            pool = pools[name]
            task = asyncio.create_task(self._one(name, pool[chooser.randrange(len(pool))], due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks)
        seconds = loop.time() - start
        for connection in self.idle:
            connection.close()
        return StepResult(
            rate=plan.rate,
            sent=count,
            seconds=seconds,
            generator_cpu_s=time.process_time() - cpu_before,
            max_send_delay_ms=max_delay * 1000,
            connections=self.opened,
            kinds=dict(self.results),
        )


def run_plan(plan: Plan) -> StepResult:
    """One step at `plan.rate` (blocking; meant for a process of its own)."""
    return asyncio.run(_Generator(plan).run())


@contextmanager
def generator_process() -> Iterator[ProcessPoolExecutor]:
    """A spawned process for the steps (`executor.submit(run_plan, plan)`): the caller's
    samplers and the generator's event loop then do not share a GIL."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as executor:
        yield executor


def build_request(
    method: str, path: str, *, host: str, token: str, body: bytes | None = None
) -> bytes:
    """A complete HTTP/1.1 keep-alive request with a bearer token (and a JSON body)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Authorization: Bearer {token}"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
