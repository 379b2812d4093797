"""reporter: folds every event into its verification's state, decides, reports.

State lives in a KV bucket, so any replica can answer any query. A fold is
saved with the revision it read; if another handler wrote first, the event is
folded again into the newer state.

When the last target finishes (or a review arrives), several handlers may
render the report at once: events are handled concurrently, by several
replicas. Each stores its report under a name of its own; the state saved
with compare-and-set records which name counts, and a handler that loses
deletes its copy. Only then is ``completed`` published — again whenever the
deciding event is redelivered, which the stream's de-duplication absorbs. So
a verification gets one report and one ``completed``, whatever crashes in
between.

If the state bucket is missing when a reporter starts (lost, or removed by
an operator to rebuild it), its consumer is recreated from the start of the
event stream, and every verification still in the stream is folded again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from google.protobuf.message import Message

from otv.authz import Authorizer
from otv.bus import Bus, Conflict, ConsumerSpec, Delivery
from otv.bus.events import follow
from otv.bus.subjects import (
    CONTEXT_OBJECTS_BUCKET,
    EVENTS_WILDCARD,
    REPORTS_BUCKET,
    VERIFICATION_INDEX_BUCKET,
    VERIFICATIONS_BUCKET,
    event_id,
)
from otv.bus.topology import DUPLICATE_WINDOW_S
from otv.context_details import fetch
from otv.errors import SystemFailure
from otv.metrics import VerificationMetrics
from otv.outcomes import VERDICT_TO_PB
from otv.publishing import PublisherRegistry
from otv.queries import Phase
from otv.repositories import RepositoriesFile
from otv.runtime import Worker
from otv.settings import Settings
from otv.v1 import events_pb2 as pb
from services.reporter.api import ReporterApi
from services.reporter.publishing import PUBLISHING, GitHostPublishing, publish_counter
from services.reporter.retention import Retention
from services.reporter.state import VerificationState, fold
from services.reporter.store import VerificationStore
from services.reporter.views import summary
from services.reporter.watches import Watches

log = logging.getLogger(__name__)

EVENTS = ConsumerSpec(
    durable="reporter-events",
    filter_subjects=(EVENTS_WILDCARD,),
    description="reporter: fold every event into its verification's state",
)

_SAVE_ATTEMPTS = 20


class ReporterService:
    name = "reporter"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._metrics: VerificationMetrics | None = None

    async def start(self, bus: Bus) -> list[Worker]:
        settings = self._settings
        self._metrics = VerificationMetrics.register(bus.telemetry.metrics.registry)
        replicas = settings.stream_replicas
        rebuild = not await bus.has_records(VERIFICATIONS_BUCKET)
        store = VerificationStore(
            states=await bus.records(VERIFICATIONS_BUCKET, replicas),
            index=await bus.records(VERIFICATION_INDEX_BUCKET, replicas),
            reports=await bus.objects(REPORTS_BUCKET, replicas),
        )
        context_objects = await bus.objects(CONTEXT_OBJECTS_BUCKET, replicas)
        if rebuild:
            log.info("no verification states: folding the event stream again from its start")
            await bus.replay_consumer(EVENTS)
        else:
            await bus.ensure_consumer(EVENTS)
        authorizer = Authorizer(bus)
        await authorizer.start()
        watches = Watches(bus, store, settings.watch_max_s)
        api = ReporterApi(bus, store, authorizer, watches)
        await bus.serve("otv reporter: verification status, reports and reviews", api.endpoints())
        retention = Retention(store, settings.report_retention_s, settings.retention_check_s)
        publishing = GitHostPublishing(
            bus,
            store,
            RepositoriesFile.load(settings.repositories_file),
            PublisherRegistry.from_entry_points(),
            publish_counter(bus.telemetry.metrics.registry),
            settings.details_url,
        )
        await bus.ensure_consumer(PUBLISHING)

        async def handle(delivery: Delivery) -> None:
            event = delivery.event
            if isinstance(event, pb.ContextCollected) and event.HasField("details_ref"):
                # The fold is pure: give it the details, fetched from where they were kept.
                inlined = pb.ContextCollected()
                inlined.CopyFrom(event)
                inlined.details.CopyFrom(await fetch(context_objects, event.details_ref))
                event = inlined
            await self._apply(bus, store, retention, delivery, event)

        return [
            bus.consumer(EVENTS, handle, concurrency=8),
            bus.consumer(PUBLISHING, publishing.handle, concurrency=4),
            watches,
            retention,
        ]

    async def _apply(
        self,
        bus: Bus,
        store: VerificationStore,
        retention: Retention,
        delivery: Delivery,
        event: Message,
    ) -> None:
        key = delivery.verification_id
        sent = _time(event)
        now = datetime.now(UTC)
        for _ in range(_SAVE_ATTEMPTS):
            found = await store.find(key)
            before, revision = found if found else (None, 0)
            if before is None and retention.too_old(sent, now):
                return  # replayed from before the retention age: it stays removed
            state = fold(before, event)
            if state == before:
                # Redelivered after a crash, perhaps before the summary or completed went out.
                await store.index_entry(state)
                await self._announce(bus, delivery, state, sent, now)
                return
            stored: dict[str, str] = {}
            replaced: dict[str, str] = {}
            if state.needs_reports():
                stored = await store.store_report(state)
                replaced = state.reports
                state.reports = stored
                state.reports_phase = state.phase
                state.reports_publishing = len(state.publishing)
            try:
                await store.save(state, revision)
            except Conflict:
                for name in stored.values():
                    await store.reports.delete(name)  # another handler's report counts
                continue
            for name in replaced.values():
                await store.reports.delete(name)  # superseded: the review is in the new one
            if (now - sent).total_seconds() <= DUPLICATE_WINDOW_S:  # not a replay of long ago
                self._count_end(before, state)
            if before is None or summary(before) != summary(state):
                await store.index_entry(state)
            if stored:
                await self._announce(bus, delivery, state, sent, now)
                log.info("verification %s: %s", state.phase, state.verdict)
            return
        raise SystemFailure(f"state of {key} kept changing under {_SAVE_ATTEMPTS} attempts")

    def _count_end(self, before: VerificationState | None, state: VerificationState) -> None:
        """Count a verification once, when the save that ends it wins."""
        if self._metrics is None or not state.phase.terminal:
            return
        if before is not None and before.phase.terminal:
            return  # a review, or a late event: it was counted when it ended
        verdict = state.verdict.value if state.verdict else state.phase.value
        # Only a profile that resolved names a label: a request's own text could make any number.
        profile = state.profile if state.collected and state.profile else "unresolved"
        self._metrics.ended.labels(profile, verdict).inc()
        if state.phase is Phase.COMPLETED and state.started_at and state.finished_at:
            elapsed = datetime.fromisoformat(state.finished_at) - datetime.fromisoformat(
                state.started_at
            )
            self._metrics.duration.labels(profile).observe(max(elapsed.total_seconds(), 0.0))

    async def _announce(
        self,
        bus: Bus,
        delivery: Delivery,
        state: VerificationState,
        sent: datetime,
        now: datetime,
    ) -> None:
        """Publish ``completed`` — unless this is a replay of long ago, when it went out then."""
        if state.phase is not Phase.COMPLETED or not state.reports:
            return
        if (now - sent).total_seconds() > DUPLICATE_WINDOW_S:
            return
        vid = state.verification_id
        assert state.verdict is not None
        await bus.producer.publish(
            pb.VerificationCompleted(
                meta=follow(
                    delivery.event.meta,  # type: ignore[attr-defined]
                    event_id(vid, "completed"),
                    self.name,
                ),
                verdict=VERDICT_TO_PB[state.verdict],
                reports=state.reports,
            )
        )


def _time(event: Message) -> datetime:
    meta: pb.EventMeta = event.meta  # type: ignore[attr-defined]
    return meta.time.ToDatetime(tzinfo=UTC)
