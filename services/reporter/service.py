"""reporter: folds every event into its verification's state, decides, reports.

State lives in a KV bucket, so any replica can answer any query. A fold is
saved with the revision it read; if another handler wrote first, the event is
folded again into the newer state.

When the last target finishes, several handlers may decide at once (events
are handled concurrently, by several replicas). Each stores its reports under
names of its own; the state saved with compare-and-set records which names
count, and a handler that loses deletes its copies. Only then is
``completed`` published — again whenever the deciding event is redelivered,
which the stream's de-duplication absorbs. So a verification gets one report
and one ``completed``, whatever crashes in between.
"""

from __future__ import annotations

import logging
import uuid
from typing import TypeVar

from google.protobuf.message import Message
from pydantic import ValidationError

from otv.authz import Authorizer
from otv.bus import Bus, Conflict, ConsumerSpec, Delivery, Objects, Records
from otv.bus.api import ApiError, ApiRequest, Endpoint
from otv.bus.events import follow
from otv.bus.subjects import (
    CONTEXT_OBJECTS_BUCKET,
    EVENTS_WILDCARD,
    REPORTS_BUCKET,
    VERIFICATIONS_BUCKET,
    ApiSubject,
    event_id,
)
from otv.context_details import fetch
from otv.errors import SystemFailure
from otv.outcomes import VERDICT_TO_PB
from otv.permissions import Permission
from otv.queries import Phase, ReportQuery, StatusQuery, TargetProgress, VerificationStatus
from otv.runtime import Worker
from otv.settings import Settings
from otv.v1 import events_pb2 as pb
from services.reporter.markdown import render_markdown
from services.reporter.report import build_report, completed, ready_to_complete, verdict_of
from services.reporter.state import VerificationState, fold

log = logging.getLogger(__name__)

EVENTS = ConsumerSpec(
    durable="reporter-events",
    filter_subjects=(EVENTS_WILDCARD,),
    description="reporter: fold every event into its verification's state",
)

_SAVE_ATTEMPTS = 20
REPORT_FILES = {"json": "report.json", "markdown": "report.md"}


class ReporterService:
    name = "reporter"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def start(self, bus: Bus) -> list[Worker]:
        replicas = self._settings.stream_replicas
        records = await bus.records(VERIFICATIONS_BUCKET, replicas)
        objects = await bus.objects(REPORTS_BUCKET, replicas)
        context_objects = await bus.objects(CONTEXT_OBJECTS_BUCKET, replicas)
        await bus.ensure_consumer(EVENTS)
        authorizer = Authorizer(bus)
        await authorizer.start()

        async def status(request: ApiRequest) -> bytes:
            await authorizer.require(request.headers, Permission.STATUS, ApiSubject.STATUS)
            query = _query(StatusQuery, request)
            return _status(await _load(records, query.verification_id)).model_dump_json().encode()

        async def report(request: ApiRequest) -> bytes:
            await authorizer.require(request.headers, Permission.REPORT, ApiSubject.REPORT)
            query = _query(ReportQuery, request)
            state = await _load(records, query.verification_id)
            name = state.reports.get(query.format)
            data = await objects.get(name) if name else None
            if data is not None:
                return data
            raise ApiError(
                "404",
                f"verification {query.verification_id} has no report "
                f"({state.phase}{': ' + _reason(state) if _reason(state) else ''})",
            )

        await bus.serve(
            "otv reporter: verification status and reports",
            [
                Endpoint("status", ApiSubject.STATUS, status),
                Endpoint("report", ApiSubject.REPORT, report),
            ],
        )

        async def handle(delivery: Delivery) -> None:
            event = delivery.event
            if isinstance(event, pb.ContextCollected) and event.HasField("details_ref"):
                # The fold is pure: give it the details, fetched from where they were kept.
                inlined = pb.ContextCollected()
                inlined.CopyFrom(event)
                inlined.details.CopyFrom(await fetch(context_objects, event.details_ref))
                event = inlined
            await self._apply(bus, records, objects, delivery, event)

        return [bus.consumer(EVENTS, handle, concurrency=8)]

    async def _apply(
        self, bus: Bus, records: Records, objects: Objects, delivery: Delivery, event: Message
    ) -> None:
        key = delivery.verification_id
        for _ in range(_SAVE_ATTEMPTS):
            record = await records.get(key)
            before = VerificationState.model_validate_json(record.value) if record else None
            state = fold(before, event)
            if state == before:
                if state.phase is Phase.COMPLETED:
                    # Redelivered after a crash, perhaps before completed went out.
                    await bus.producer.publish(self._completed_event(delivery, state))
                return
            stored: dict[str, str] = {}
            if ready_to_complete(state):
                state = completed(state)
            if state.phase.terminal and state.phase is not Phase.REJECTED and not state.reports:
                stored = await _store_reports(objects, state)
                state.reports = stored
            try:
                await records.save(
                    key, state.model_dump_json().encode(), record.revision if record else 0
                )
            except Conflict:
                for name in stored.values():
                    await objects.delete(name)  # another handler's reports count
                continue
            if state.phase is Phase.COMPLETED and stored:
                await bus.producer.publish(self._completed_event(delivery, state))
                log.info("verification completed: %s", state.verdict)
            return
        raise SystemFailure(f"state of {key} kept changing under {_SAVE_ATTEMPTS} attempts")

    def _completed_event(
        self, delivery: Delivery, state: VerificationState
    ) -> pb.VerificationCompleted:
        vid = state.verification_id
        assert state.verdict is not None
        return pb.VerificationCompleted(
            meta=follow(
                delivery.event.meta,  # type: ignore[attr-defined]
                event_id(vid, "completed"),
                self.name,
            ),
            verdict=VERDICT_TO_PB[state.verdict],
            reports=state.reports,
        )


async def _store_reports(objects: Objects, state: VerificationState) -> dict[str, str]:
    """Store the reports under names no other handler uses; their names by format."""
    report = build_report(state)
    rendered = {"json": report.to_json(), "markdown": render_markdown(report)}
    names = {}
    writer = uuid.uuid4().hex[:12]
    for fmt, text in rendered.items():
        names[fmt] = f"{state.verification_id}/{writer}/{REPORT_FILES[fmt]}"
        await objects.put(names[fmt], text.encode())
    return names


QueryT = TypeVar("QueryT", StatusQuery, ReportQuery)


def _query(model: type[QueryT], request: ApiRequest) -> QueryT:
    try:
        return model.model_validate_json(request.data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        raise ApiError("400", f"bad request: {field}: {error['msg']}") from None


async def _load(records: Records, verification_id: str) -> VerificationState:
    record = await records.get(verification_id)
    if record is None:
        raise ApiError("404", f"no verification {verification_id}")
    return VerificationState.model_validate_json(record.value)


def _reason(state: VerificationState) -> str:
    if state.phase is Phase.REJECTED:
        return state.rejection_reason
    return state.error.reason if state.error else ""


def _status(state: VerificationState) -> VerificationStatus:
    code = state.rejection_code if state.phase is Phase.REJECTED else ""
    if state.error is not None:
        code = state.error.kind
    return VerificationStatus(
        verification_id=state.verification_id,
        correlation_id=state.correlation_id,
        phase=state.phase,
        verdict=state.verdict,
        reason=_reason(state),
        reason_code=code,
        repository=state.repository,
        head=state.head_ref,
        profile=state.profile,
        targets=[
            TargetProgress(
                name=target.name,
                finished=target.finished,
                verdict=verdict_of(target) if target.finished else None,
                scenarios_finished=len(target.scenarios),
            )
            for target in (state.target(n) for n in dict.fromkeys(state.requested_targets))
        ],
        updated_at=state.updated_at,
    )
