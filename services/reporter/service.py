"""reporter: folds every event into its verification's state, decides, reports.

State lives in a KV bucket, so any replica can answer any query. A fold is
saved with the revision it read; if another replica wrote first, the event is
folded again into the newer state. When the last target finishes, the reports
are stored first, ``completed`` is published next, and the state is saved
last: a crash anywhere in between redoes the same steps with the same names
and the same event id, so a verification still gets one report.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from pydantic import ValidationError

from otv.authz import Authorizer
from otv.bus import Bus, Conflict, ConsumerSpec, Delivery, Objects, Records
from otv.bus.api import ApiError, ApiRequest, Endpoint
from otv.bus.events import follow
from otv.bus.subjects import (
    EVENTS_WILDCARD,
    REPORTS_BUCKET,
    VERIFICATIONS_BUCKET,
    ApiSubject,
    event_id,
)
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


def report_object(verification_id: str, fmt: str) -> str:
    return f"{verification_id}/{REPORT_FILES[fmt]}"


class ReporterService:
    name = "reporter"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def start(self, bus: Bus) -> list[Worker]:
        replicas = self._settings.stream_replicas
        records = await bus.records(VERIFICATIONS_BUCKET, replicas)
        objects = await bus.objects(REPORTS_BUCKET, replicas)
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
            data = await objects.get(report_object(query.verification_id, query.format))
            if data is not None:
                return data
            state = await _load(records, query.verification_id)
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
            await self._apply(bus, records, objects, delivery)

        return [bus.consumer(EVENTS, handle, concurrency=8)]

    async def _apply(
        self, bus: Bus, records: Records, objects: Objects, delivery: Delivery
    ) -> None:
        key = delivery.verification_id
        for _ in range(_SAVE_ATTEMPTS):
            record = await records.get(key)
            before = VerificationState.model_validate_json(record.value) if record else None
            state = fold(before, delivery.event)
            if ready_to_complete(state):
                state = completed(state)
                await _store_reports(objects, state)
                await bus.producer.publish(self._completed_event(delivery, state))
                log.info("verification completed: %s", state.verdict)
            elif state.phase is Phase.ERRORED and (before is None or not before.phase.terminal):
                await _store_reports(objects, state)
            if state == before:
                return
            try:
                await records.save(
                    key, state.model_dump_json().encode(), record.revision if record else 0
                )
                return
            except Conflict:
                continue  # another replica wrote first: fold into its state
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
            reports={fmt: report_object(vid, fmt) for fmt in REPORT_FILES},
        )


async def _store_reports(objects: Objects, state: VerificationState) -> None:
    report = build_report(state)
    await objects.put(report_object(state.verification_id, "json"), report.to_json().encode())
    await objects.put(
        report_object(state.verification_id, "markdown"), render_markdown(report).encode()
    )


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
