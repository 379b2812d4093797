"""The gRPC API's cost: a status asked over gRPC (client → auth's gRPC edge → NATS →
reporter) next to the same status asked over NATS, and a bare NATS round trip, in
the same run on the embedded stack.

Usage: python bench/grpc_latency.py [--queries N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import tempfile
from importlib.metadata import version
from pathlib import Path

import grpc
from measure import ECHO_SUBJECT, percentiles, start_echo, timed

from otv.bus import Bus
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import api_pb2 as api
from otv.v1 import api_pb2_grpc as api_grpc
from otv.v1 import events_pb2 as pb

RESULTS = Path(__file__).parent / "results"


async def measure(queries: int, work: Path) -> dict[str, object]:
    settings = Settings.from_env({}, cache_dir=work / "cache")
    async with EmbeddedStack(settings, store_dir=work / "store", grpc_port=0) as stack:
        echo = await start_echo(stack.operator_url)
        bus = await Bus.connect(stack.url, Telemetry.for_service("bench"))
        # The echo answers only the operator: clients may not publish outside otv's API.
        floor = await Bus.connect(stack.operator_url, Telemetry.for_service("bench"))
        try:
            client = VerificationClient(bus, stack.admin_key)
            repo = work / "repo"
            request = pb.VerificationRequest(repository=str(repo), head="main", targets=["main"])
            await client.verify(request, "grpc-bench", "c", 60)
            metadata = (("authorization", f"Bearer {stack.admin_key}"),)
            async with grpc.aio.insecure_channel(stack.grpc_address) as channel:
                stub = api_grpc.VerificationServiceStub(channel)
                get = api.GetRequest(verification_id="grpc-bench")
                await stub.Get(get, metadata=metadata)  # warm: channel, authorization cache
                await client.status("grpc-bench")
                over_grpc = await timed(queries, lambda: stub.Get(get, metadata=metadata))
                over_nats = await timed(queries, lambda: client.status("grpc-bench"))
                bare = await timed(queries, lambda: floor.request(ECHO_SUBJECT, b"x"))
        finally:
            await bus.close()
            await floor.close()
            echo.terminate()
            await echo.wait()
    return {
        "conditions": {
            "machine": platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "grpcio": version("grpcio"),
            "nats-py": version("nats-py"),
            "queries": queries,
            "stack": "embedded: nats-server and the four services in one process",
        },
        "grpc_get": percentiles(over_grpc),
        "nats_status": percentiles(over_nats),
        "bare_nats": percentiles(bare),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=2000)
    work = Path(tempfile.mkdtemp(prefix="otv-bench-grpc-"))
    repo = work / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@b",
         "commit", "-q", "--allow-empty", "-m", "x"],
        check=True,
    )  # fmt: skip
    result = asyncio.run(measure(parser.parse_args().queries, work))
    print("status over gRPC, over NATS, and a bare NATS round trip")
    for key, value in result["conditions"].items():  # type: ignore[attr-defined]
        print(f"  {key:<10} {value}")
    for name in ("grpc_get", "nats_status", "bare_nats"):
        figures = result[name]
        print(f"  {name:<12} p50 {figures['p50_ms']} ms  p95 {figures['p95_ms']} ms  "  # type: ignore[index]
              f"p99 {figures['p99_ms']} ms")  # type: ignore[index]  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "grpc_latency.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
