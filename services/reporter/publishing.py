"""Publishing a verification's outcome to its git host(s), after its reports exist.

A durable consumer of ``completed``, ``errored`` and ``reviewed`` runs the
publishers the repositories file names for the verification's repository, in
threads (the host libraries are synchronous), and records what each gave in a
``published`` event: the fold adds it to the state, and the reports are
rendered again to show it. A publishing failure never changes a verdict; it is
in the report, in the log and in ``otv_git_host_publish_total``.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Counter

from otv.bus import Bus, ConsumerSpec, Delivery
from otv.bus.events import follow
from otv.bus.subjects import Subject, event_id
from otv.errors import OtvError
from otv.publishing import PublisherRegistry, PublishRequest, host_of
from otv.queries import Phase
from otv.report import Report
from otv.repositories import PublisherConfig, RepositoriesFile
from otv.v1 import events_pb2 as pb
from services.reporter.renderers import render
from services.reporter.state import VerificationState
from services.reporter.store import VerificationStore

log = logging.getLogger(__name__)

PUBLISHING = ConsumerSpec(
    durable="reporter-publishing",
    filter_subjects=(
        Subject.VERIFICATION_COMPLETED,
        Subject.VERIFICATION_ERRORED,
        Subject.VERIFICATION_REVIEWED,
    ),
    description="reporter: publish each outcome to the repository's git hosts",
    ack_wait_s=120.0,
    max_deliver=3,
    from_now=True,  # deployed on a stream with history: old outcomes are not published
)
# The phase whose reports an event's publishing waits for.
_ROUND_OF = {
    Subject.VERIFICATION_COMPLETED: Phase.COMPLETED,
    Subject.VERIFICATION_ERRORED: Phase.ERRORED,
    Subject.VERIFICATION_REVIEWED: Phase.REVIEWED,
}
_SETTLE_S = 15.0


def publish_counter(registry: object) -> Counter:
    """``otv_git_host_publish_total{host, publisher, outcome}``."""
    return Counter(
        "otv_git_host_publish",
        "Publishing to git hosts, by host, publisher and outcome (ok, failed)",
        ["host", "publisher", "outcome"],
        registry=registry,  # type: ignore[arg-type]
    )


class GitHostPublishing:
    def __init__(
        self,
        bus: Bus,
        store: VerificationStore,
        repositories: RepositoriesFile,
        publishers: PublisherRegistry,
        counted: Counter,
        details_url: str = "",
    ) -> None:
        self._bus = bus
        self._store = store
        self._repositories = repositories
        self._publishers = publishers
        self._counted = counted
        self._details_url = details_url

    async def handle(self, delivery: Delivery) -> None:
        wanted = _ROUND_OF[delivery.subject]
        state = await self._settled(delivery.verification_id, wanted)
        if state is None:
            return  # a review of one that never completed, say: nothing new to show
        round_name = wanted.value
        repository = self._repositories.by_url(state.repository)
        if repository is None or not repository.publishers or state.published_round(round_name):
            return
        data = await self._store.report_json(state)
        if data is None:
            return
        report = Report.from_json(data)
        request = PublishRequest(
            report=report,
            markdown=render(report, "markdown"),
            change_number=state.change_number,
            details_url=self._details_url.format(verification_id=report.verification_id)
            if self._details_url
            else "",
        )
        outcomes = await asyncio.gather(
            *(self._one(config, request) for config in repository.publishers)
        )
        vid = delivery.verification_id
        await self._bus.producer.publish(
            pb.VerificationPublished(
                meta=follow(
                    delivery.event.meta,  # type: ignore[attr-defined]
                    event_id(vid, "published", round_name),
                    "reporter",
                ),
                round=round_name,
                outcomes=outcomes,
            )
        )

    async def _settled(self, vid: str, wanted: Phase) -> VerificationState | None:
        """The state once its reports for ``wanted`` exist: the event that ends a
        verification can arrive here before the fold has rendered them."""
        try:
            async with asyncio.timeout(_SETTLE_S):
                async for record in self._store.states.follow(vid):
                    if record is None:
                        continue
                    state = VerificationState.model_validate_json(record.value)
                    if state.reports and state.reports_phase is wanted:
                        return state
                    if wanted is Phase.COMPLETED and state.phase is Phase.REVIEWED:
                        return None  # reviewed since: the review's own round publishes it
        except TimeoutError:
            # Not an error of the verification's: publishing is never its business.
            log.warning("not publishing %s: its %s reports did not appear", vid, wanted)
        return None

    async def _one(self, config: PublisherConfig, request: PublishRequest) -> pb.PublishOutcome:
        try:
            publisher, fields = self._publishers.resolve(config)
            published = await asyncio.to_thread(publisher.publish, fields, request)
        except Exception as exc:  # a publisher plugin's failure must never touch the verdict
            if isinstance(exc, OtvError):
                detail = exc.message
            else:
                log.error("publisher %s broke", config.type, exc_info=exc)
                detail = f"the {config.type} publisher broke ({type(exc).__name__}); see the log"
            log.warning("publishing to %s failed: %s", config.type, detail)
            where = str(config.fields().get("url") or config.fields().get("api_url") or "")
            host = host_of(where) if where else config.type
            self._counted.labels(host, config.type, "failed").inc()
            return pb.PublishOutcome(publisher=config.type, host=host, ok=False, detail=detail)
        self._counted.labels(published.host, config.type, "ok").inc()
        log.info("published to %s: %s", published.host, published.detail)
        return pb.PublishOutcome(
            publisher=config.type,
            host=published.host,
            ok=True,
            detail=published.detail,
            url=published.url,
        )
