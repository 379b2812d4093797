"""The reporter's request/reply API: status, report, list, watch and review.

Every endpoint asks auth (through the shared caller cache) whether the key
may do what it asks, and reads only the shared KV state and object store, so
any replica answers any query.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from otv.authz import Authorizer
from otv.bus import Bus
from otv.bus.api import ApiError, ApiRequest, Endpoint
from otv.bus.events import meta
from otv.bus.subjects import ApiSubject, event_id
from otv.outcomes import Verdict
from otv.permissions import Permission
from otv.queries import (
    ListQuery,
    Phase,
    ReportQuery,
    ReviewQuery,
    StatusQuery,
    VerificationList,
    VerificationSummary,
    WatchQuery,
)
from otv.redaction import redact
from otv.report import Report
from otv.runtime import instance_name
from otv.v1 import events_pb2 as pb
from services.reporter.renderers import render
from services.reporter.state import VerificationState
from services.reporter.store import VerificationStore
from services.reporter.views import reason, status
from services.reporter.watches import Watches

# How long a review waits to see itself folded before it answers.
_REVIEW_SETTLE_S = 10.0

QueryT = TypeVar("QueryT", bound=BaseModel)


class ReporterApi:
    def __init__(
        self, bus: Bus, store: VerificationStore, authorizer: Authorizer, watches: Watches
    ) -> None:
        self._bus = bus
        self._store = store
        self._authorizer = authorizer
        self._watches = watches
        self._producer_name = instance_name("reporter")

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("status", ApiSubject.STATUS, self.status),
            Endpoint("report", ApiSubject.REPORT, self.report),
            Endpoint("list", ApiSubject.LIST, self.list),
            Endpoint("watch", ApiSubject.WATCH, self.watch),
            Endpoint("review", ApiSubject.REVIEW, self.review),
        ]

    async def status(self, request: ApiRequest) -> bytes:
        await self._authorizer.require(request.headers, Permission.STATUS, ApiSubject.STATUS)
        query = _query(StatusQuery, request)
        state = await self._store.load(query.verification_id)
        return status(state).model_dump_json().encode()

    async def report(self, request: ApiRequest) -> bytes:
        await self._authorizer.require(request.headers, Permission.REPORT, ApiSubject.REPORT)
        query = _query(ReportQuery, request)
        state = await self._store.load(query.verification_id)
        data = await self._store.report_json(state)
        if data is None:
            why = reason(state)
            raise ApiError(
                "404",
                f"verification {query.verification_id} has no report "
                f"({state.phase}{': ' + why if why else ''})",
            )
        if query.format != "json":
            data = render(Report.from_json(data), query.format, query.max_tokens).encode()
        if len(data) > self._bus.max_payload:
            raise ApiError(
                "413",
                f"the {query.format} report is {len(data):,} bytes, more than this NATS server "
                f"carries in one message ({self._bus.max_payload:,}); ask for the json or "
                "markdown report, which are smaller",
            )
        return data

    async def list(self, request: ApiRequest) -> bytes:
        await self._authorizer.require(request.headers, Permission.LIST, ApiSubject.LIST)
        query = _query(ListQuery, request)
        since = _since(query.since)
        found = []
        for data in (await self._store.index.snapshot()).values():
            summary = VerificationSummary.model_validate_json(data)
            if _matches(summary, query, since):
                found.append(summary)
        found.sort(key=lambda s: (s.started_at, s.verification_id), reverse=True)
        answer = VerificationList(verifications=found[: query.limit], total=len(found))
        return answer.model_dump_json().encode()

    async def watch(self, request: ApiRequest) -> bytes:
        await self._authorizer.require(request.headers, Permission.WATCH, ApiSubject.WATCH)
        query = _query(WatchQuery, request)
        if query.verification_id is None:
            return self._watches.start_all(query.deliver_to).model_dump_json().encode()
        state = await self._store.load(query.verification_id)
        return self._watches.start(state, query.deliver_to).model_dump_json().encode()

    async def review(self, request: ApiRequest) -> bytes:
        principal = await self._authorizer.require(
            request.headers, Permission.REVIEW, ApiSubject.REVIEW
        )
        query = _query(ReviewQuery, request)
        vid = query.verification_id
        state = await self._store.load(vid)
        _check_reviewable(state, query)
        event = pb.VerificationReviewed(
            meta=meta(event_id(vid, "reviewed"), vid, state.correlation_id, self._producer_name),
            key_id=principal.key_id,
            key_name=principal.key_name,
            waived=query.waive,
            reason=redact(query.reason),
        )
        await self._bus.producer.publish(event)
        return status(await self._settled(vid, state)).model_dump_json().encode()

    async def _settled(self, vid: str, state: VerificationState) -> VerificationState:
        """The state once the review shows in it (or as it is, if that takes too long)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_REVIEW_SETTLE_S):
                async for record in self._store.states.follow(vid):
                    if record is not None:
                        state = VerificationState.model_validate_json(record.value)
                        if state.review is not None:
                            break
        return state


def _check_reviewable(state: VerificationState, query: ReviewQuery) -> None:
    vid = state.verification_id
    if state.review is not None:
        who = state.review.key_name or state.review.key_id
        raise ApiError(
            "409",
            f"verification {vid} was already reviewed, by {who} at {state.review.reviewed_at}",
        )
    if state.phase is not Phase.COMPLETED:
        raise ApiError(
            "409", f"verification {vid} is {state.phase}: only a completed one can be reviewed"
        )
    if query.waive and state.verdict is not Verdict.FAILED:
        raise ApiError(
            "409", f"verification {vid} is {state.verdict}: only a failed one can be waived"
        )


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        since = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError("400", f"bad request: since: not an ISO 8601 time: {text!r}") from None
    if since.tzinfo is None:
        raise ApiError("400", "bad request: since: give a time zone (for example Z or +00:00)")
    return since


def _matches(summary: VerificationSummary, query: ListQuery, since: datetime | None) -> bool:
    if query.verdict is not None and summary.verdict is not query.verdict:
        return False
    if query.repository is not None and summary.repository != query.repository:
        return False
    if since is not None:
        started = summary.started_at
        return bool(started) and datetime.fromisoformat(started) >= since
    return True


def _query(model: type[QueryT], request: ApiRequest) -> QueryT:
    try:
        return model.model_validate_json(request.data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        raise ApiError("400", f"bad request: {field}: {error['msg']}") from None
