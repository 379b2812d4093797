"""Counting every verification through a fault, on the local cluster.

A run submits verifications (each with an id of its own), lets a fault happen
meanwhile, and reads the event stream — the system's own record — for how each
ended: ``sent`` were published and acknowledged by JetStream, ``completed`` ended
with exactly one terminal event and a report, ``duplicated`` ended more than once,
``lost`` never ended. ``longest delay`` is from publishing to the terminal event.
Results go to ``build/chaos/results.json`` for ``make chaos``'s table.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import nats
from nats.aio.msg import Msg

from otv import nats_accounts
from otv.bus import Bus
from otv.bus.events import new_verification_id
from otv.bus.parser import ids_from_headers
from otv.bus.subjects import EVENTS_STREAM, TERMINAL_SUBJECTS, Subject
from otv.client import VerificationClient
from otv.cluster import ClusterState, LocalCluster
from otv.cluster.layout import ClusterLayout
from otv.errors import OtvError
from otv.report import Report
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb

RESULTS = Path(__file__).parents[2] / "build" / "chaos" / "results.json"
# A scenario long enough to be interrupted: a runner killed "in the middle". Each
# verification's command differs (NONCE), so none is answered from the scenario cache.
SLOW_PROFILES = """version: 1
profiles:
  chaos:
    scenarios:
      - {id: mergeable, type: merge, severity: warning}
      - {id: work, type: command, run: [sh, -c, "sleep SECONDS # NONCE"], timeout: 60}
"""


@dataclass
class FaultResult:
    fault: str
    sent: int = 0
    completed: int = 0
    duplicated: int = 0
    lost: int = 0
    errored: int = 0
    longest_delay_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def record(self) -> None:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results[self.fault] = asdict(self)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")


@dataclass
class Ending:
    subject: str
    at: datetime
    reason: str = ""


class TerminalEvents:
    """How verifications ended, and when each scenario ran: read afresh from the event
    stream on every ``refresh`` (operator user), so a fault cannot blind the count."""

    def __init__(self) -> None:
        self.endings: dict[str, list[Ending]] = {}
        # (start, end) of every "work" scenario run (not cached), in seconds since the epoch.
        self.scenario_spans: list[tuple[float, float]] = []
        self._nc: nats.NATS | None = None

    async def start(self, servers: list[str], user: str, password: str) -> None:
        # Credentials as options, not in the URLs: a reconnection to a server learned
        # from the cluster (with no credentials in its URL) must present them too.
        self._nc = await nats.connect(
            servers=servers,
            user=user,
            password=password,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
        )

    async def refresh(self) -> bool:
        """Read the whole stream again; False if it could not be read now (NATS away)."""
        assert self._nc is not None
        endings: dict[str, list[Ending]] = {}
        spans: list[tuple[float, float]] = []
        try:
            js = self._nc.jetstream(timeout=10)
            last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
            subscription = await js.subscribe("otv.v1.evt.>", ordered_consumer=True)
            try:
                while last:
                    msg = await subscription.next_msg(timeout=10)
                    self._read(msg, endings, spans)
                    if msg.metadata.sequence.stream >= last:
                        break
            finally:
                await subscription.unsubscribe()
        except (nats.errors.Error, TimeoutError, OSError):
            return False
        self.endings, self.scenario_spans = endings, spans
        return True

    @staticmethod
    def _read(msg: Msg, endings: dict[str, list[Ending]], spans: list[tuple[float, float]]) -> None:
        if msg.subject == Subject.SCENARIO_FINISHED:
            finished = pb.ScenarioFinished.FromString(msg.data)
            if finished.result.id == "work" and not finished.result.cached:
                end = finished.meta.time.ToDatetime().timestamp()
                spans.append((end - finished.result.duration_s, end))
            return
        if msg.subject not in TERMINAL_SUBJECTS:
            return
        verification_id, _ = ids_from_headers(msg.headers)
        reason = ""
        if msg.subject == Subject.VERIFICATION_ERRORED:
            reason = pb.VerificationErrored.FromString(msg.data).reason
        endings.setdefault(verification_id, []).append(
            Ending(msg.subject, msg.metadata.timestamp, reason)
        )

    async def close(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()


class ChaosCluster:
    """The local cluster, a client with the admin key, and the stream's record of endings."""

    def __init__(self, directory: Path, repository: Path) -> None:
        self.cluster = LocalCluster(directory)
        self.repository = repository
        self.state: ClusterState | None = None
        self.client: VerificationClient | None = None
        self._bus: Bus | None = None
        self.endings = TerminalEvents()

    async def __aenter__(self) -> ChaosCluster:
        self.state = await asyncio.to_thread(self.cluster.up)
        layout = ClusterLayout(self.cluster.directory)
        operator = nats_accounts.OPERATOR
        await self.endings.start(self.state.nats_urls, operator, layout.passwords[operator])
        self._bus = await Bus.connect(
            self.state.server, Telemetry.for_service("chaos-client", alone=True), 10
        )
        key = self.state.admin_key_file.read_text().strip()
        self.client = VerificationClient(self._bus, key, name="chaos")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.endings.close()
        if self._bus is not None:
            await self._bus.close()
        await asyncio.to_thread(self.cluster.down)

    def request(self, seconds: float, nonce: str) -> pb.VerificationRequest:
        profiles = SLOW_PROFILES.replace("SECONDS", f"{seconds:g}").replace("NONCE", nonce)
        return pb.VerificationRequest(
            repository=str(self.repository),
            head="feature",
            targets=["main"],
            profile="chaos",
            client="chaos",
            profiles_document=profiles.encode(),
            profiles_document_name="chaos.yaml",
        )

    async def submit(self, seconds: float, attempts: int = 60) -> tuple[str, float] | None:
        """Publish one verification, retrying as a CI job would while NATS is away; its id
        and when JetStream acknowledged it, or None if it never was."""
        assert self.client is not None
        verification_id = new_verification_id()
        for _ in range(attempts):
            try:
                await self.client.submit(
                    self.request(seconds, verification_id), verification_id, verification_id
                )
            except OtvError:
                await asyncio.sleep(0.5)
                continue
            return verification_id, time.time()
        return None

    async def run(
        self,
        fault: str,
        count: int,
        seconds: float,
        chaos: Callable[[], Awaitable[None]],
        spacing_s: float = 0.1,
        deadline_s: float = 240.0,
    ) -> FaultResult:
        """Submit ``count`` verifications ``spacing_s`` apart while ``chaos`` runs; wait for
        each to end (at most ``deadline_s`` after the last was sent); count."""
        result = FaultResult(fault)
        sent: dict[str, float] = {}

        async def stream() -> None:
            for _ in range(count):
                submitted = await self.submit(seconds)
                if submitted is not None:
                    sent[submitted[0]] = submitted[1]
                await asyncio.sleep(spacing_s)

        await asyncio.gather(stream(), chaos())
        result.sent = len(sent)
        await self.wait_for(sent, deadline_s)
        await asyncio.sleep(2)  # a duplicate would arrive now, if at all
        await self.wait_for(sent, 30)
        for verification_id, at in sent.items():
            endings = self.endings.endings.get(verification_id, [])
            if not endings:
                result.lost += 1
                continue
            if len(endings) > 1:
                result.duplicated += 1
            if endings[0].subject == Subject.VERIFICATION_ERRORED:
                result.errored += 1
            delay = endings[0].at.timestamp() - at
            result.longest_delay_s = max(result.longest_delay_s, round(delay, 2))
            if await self.has_report(verification_id):
                result.completed += 1
            else:
                result.notes.append(f"{verification_id}: ended without a report")
        result.record()
        return result

    async def wait_for(self, verification_ids: Iterable[str], deadline_s: float) -> None:
        """Until each verification has ended, as the stream tells, or the deadline."""
        waiting_until = time.monotonic() + deadline_s
        wanted = set(verification_ids)
        while time.monotonic() < waiting_until:
            if await self.endings.refresh() and wanted <= set(self.endings.endings):
                return
            await asyncio.sleep(1)

    async def has_report(self, verification_id: str) -> bool:
        assert self.client is not None
        for _ in range(20):
            try:
                report = Report.model_validate_json(await self.client.report(verification_id))
            except OtvError:
                await asyncio.sleep(0.5)
                continue
            return report.verification_id == verification_id
        return False
