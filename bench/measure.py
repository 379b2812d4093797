"""What the latency benchmarks share: timing calls, percentiles, a bare echo responder."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

ECHO_SUBJECT = "bench.echo"
_ECHO = f"""
import asyncio, sys, nats
async def main():
    nc = await nats.connect(sys.argv[1])
    async def reply(msg):
        await msg.respond(b'{{"ok": true}}')
    await nc.subscribe("{ECHO_SUBJECT}", cb=reply)
    await nc.flush()
    print("ready", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


async def start_echo(url: str) -> asyncio.subprocess.Process:
    """A process answering every request on ``bench.echo`` at once: the floor to compare with."""
    echo = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _ECHO, url, stdout=asyncio.subprocess.PIPE
    )
    assert echo.stdout is not None
    await echo.stdout.readline()
    return echo


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 3)

    return {
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


async def timed(calls: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples
