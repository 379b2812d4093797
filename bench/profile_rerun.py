"""Where otv's own time goes: pyinstrument over cached re-runs on a warm embedded stack.

A cached re-run does no scenario work, so what is left is otv: events, consumers,
KV writes, folding. This is the profile that found what docs/performance.md lists.

Usage: python bench/profile_rerun.py [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import runner
from pyinstrument import Profiler

from otv.bus import Bus
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb


async def main(runs: int) -> str:
    with tempfile.TemporaryDirectory(prefix="otv-profile-") as temporary:
        work = Path(temporary)
        runner.repository(work / "repo")
        settings = Settings.from_env({}, cache_dir=work / "cache", runner_jobs=3)
        document = runner.profiles(1, cache=True)
        request = pb.VerificationRequest(
            repository=str(work / "repo"), head="feature", targets=list(runner.TARGETS),
            profile="default", profiles_document=document, profiles_document_name="bench.yaml",
        )  # fmt: skip
        async with EmbeddedStack(settings, store_dir=work / "stack") as stack:
            bus = await Bus.connect(stack.url, Telemetry.for_service("bench"))
            client = VerificationClient(bus, stack.admin_key)
            try:
                for index in range(4):  # the cold run fills the cache; the rest warm up
                    await client.verify(request, f"warm{index}", f"warm{index}", 600)
                profiler = Profiler(interval=0.0005)
                profiler.start()
                for index in range(runs):
                    await client.verify(request, f"rerun{index}", f"rerun{index}", 60)
                profiler.stop()
            finally:
                await bus.close()
    return str(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    print(asyncio.run(main(parser.parse_args().runs)))
