"""Infrastructure probes: TCP, HTTP(S), DNS and Kubernetes objects, each timed and bounded.

A probe's fields may name ``{target}``; it is replaced by the target's name, so
a probe can check each branch's own environment. Probes that come out the same
for several targets run once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path

from otv.context import ProbeResult
from otv.probing import check_dns, check_http, check_tcp
from otv.profiles.model import DnsProbe, HttpProbe, KubernetesProbe, Probe, TcpProbe
from otv.redaction import redact


def for_target(probe: Probe, target: str) -> Probe:
    """``probe`` with ``{target}`` replaced in its text fields."""
    fields = {
        name: value.replace("{target}", target)
        for name, value in probe.model_dump().items()
        if isinstance(value, str) and "{target}" in value
    }
    return probe.model_copy(update=fields) if fields else probe


class Prober:
    def __init__(self, kubeconfig: Path | None = None) -> None:
        self._kubeconfig = kubeconfig
        self._runs: dict[str, asyncio.Task[ProbeResult]] = {}

    async def run(self, probes: Sequence[Probe], target: str) -> tuple[ProbeResult, ...]:
        """The results of ``probes`` for ``target``; identical probes are run once."""
        tasks = []
        for probe in probes:
            resolved = for_target(probe, target)
            key = resolved.model_dump_json()
            if key not in self._runs:
                self._runs[key] = asyncio.create_task(self._timed(resolved))
            tasks.append(self._runs[key])
        return tuple(await asyncio.gather(*tasks))

    async def _timed(self, probe: Probe) -> ProbeResult:
        started = time.perf_counter()
        description = _describe(probe)
        try:
            ok, detail = await asyncio.wait_for(self._check(probe), probe.timeout)
            error = ""
        except TimeoutError:
            ok, detail, error = False, "", f"no answer within {probe.timeout:g} s"
        except OSError as exc:
            ok, detail, error = False, "", redact(exc.strerror or str(exc))
        latency_ms = round((time.perf_counter() - started) * 1000, 3)
        return ProbeResult(probe.id, probe.type, description, ok, latency_ms, detail, error)

    def _check(self, probe: Probe) -> Awaitable[tuple[bool, str]]:
        if isinstance(probe, TcpProbe):
            return check_tcp(probe.host, probe.port)
        if isinstance(probe, HttpProbe):
            return asyncio.to_thread(
                check_http, probe.url, probe.method, probe.timeout, probe.expect_status
            )
        if isinstance(probe, DnsProbe):
            return check_dns(probe.name)
        return self._kubernetes(probe)

    async def _kubernetes(self, probe: KubernetesProbe) -> tuple[bool, str]:
        # The Kubernetes client takes a second to import: only when a profile asks for it.
        from otv.probing_kubernetes import check  # noqa: PLC0415

        return await asyncio.to_thread(check, probe, self._kubeconfig)


def _describe(probe: Probe) -> str:
    if isinstance(probe, TcpProbe):
        return f"{probe.host}:{probe.port}"
    if isinstance(probe, HttpProbe):
        return redact(f"{probe.method} {probe.url}")
    if isinstance(probe, DnsProbe):
        return probe.name
    return f"{probe.kind} {probe.namespace}/{probe.name}"
