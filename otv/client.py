"""The client side of otv over NATS: submit a verification, wait for its end, ask about it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from opentelemetry.trace import SpanKind

from otv.bus import Bus
from otv.bus.api import ApiError
from otv.bus.events import meta
from otv.bus.parser import Decoded
from otv.bus.subjects import TERMINAL_SUBJECTS, ApiSubject, Header, Subject, event_id
from otv.errors import SystemFailure
from otv.outcomes import VERDICT_FROM_PB, Verdict
from otv.queries import (
    DEFAULT_AGENT_TOKENS,
    ListQuery,
    Phase,
    ReportFormat,
    ReportQuery,
    ReviewQuery,
    StatusQuery,
    VerificationList,
    VerificationStatus,
    WatchAllUpdate,
    WatchQuery,
    WatchUpdate,
)
from otv.report import Report
from otv.v1 import events_pb2 as pb

# How long a client tries to reach otv before it says otv is not there.
FIRST_CONNECT_S = 5.0
# Ask the status API this often while waiting, in case an event was missed.
_STATUS_POLL_S = 5.0
_FOLLOW_ATTEMPTS = 100
# Three missed heartbeats (the reporter sends one every 10 s): the watch is lost.
_SILENCE_S = 30.0
# An errored verification's report follows its errored event closely.
_ERRORED_REPORT_WAIT_S = 5.0


@dataclass(frozen=True)
class Conclusion:
    """How a verification ended."""

    verification_id: str
    phase: Phase  # completed, errored or rejected
    verdict: Verdict | None
    reason: str = ""
    reason_code: str = ""  # rejected: "401", "403", "400"; errored: its kind
    report: Report | None = None


class VerificationClient:
    def __init__(self, bus: Bus, api_key: str, name: str = "cli") -> None:
        self._bus = bus
        self._api_key = api_key
        self._name = name

    async def verify(
        self,
        request: pb.VerificationRequest,
        verification_id: str,
        correlation_id: str,
        timeout_s: float,
        progress: Callable[[WatchUpdate], None] | None = None,
    ) -> Conclusion:
        """Submit ``request`` and wait until the verification ends; ``progress`` hears
        each change meanwhile (at best: the conclusion never waits for it)."""
        tracer = self._bus.telemetry.tracer
        with tracer.start_as_current_span(
            "otv verify",
            kind=SpanKind.CLIENT,
            attributes={"otv.verification_id": verification_id},
        ):
            # Only how verifications end: never requested, which carries keys in flight.
            watch = await self._bus.watch(TERMINAL_SUBJECTS)
            following = None
            try:
                await self.submit(request, verification_id, correlation_id)
                if progress is not None:
                    following = asyncio.create_task(
                        self._follow(verification_id, timeout_s, progress)
                    )
                return await self._conclusion(watch.next, verification_id, timeout_s)
            finally:
                if following is not None:
                    following.cancel()
                await watch.close()

    async def _follow(
        self, verification_id: str, timeout_s: float, progress: Callable[[WatchUpdate], None]
    ) -> None:
        """Pass each change of the verification to ``progress``, from when the reporter
        knows it (a moment after it is submitted)."""
        for _ in range(_FOLLOW_ATTEMPTS):
            try:
                async for update in self.watch(verification_id, timeout_s):
                    progress(update)
                return
            except ApiError as exc:
                if exc.code != "404":
                    return
                await asyncio.sleep(0.05)
            except SystemFailure:
                return  # no progress to show; the conclusion still comes

    async def submit(
        self, request: pb.VerificationRequest, verification_id: str, correlation_id: str
    ) -> None:
        requested = pb.VerificationRequested(
            meta=meta(
                event_id(verification_id, "requested"), verification_id, correlation_id, self._name
            ),
            request=request,
        )
        await self._bus.producer.publish(
            requested, extra_headers={Header.AUTHORIZATION: f"Bearer {self._api_key}"}
        )

    async def status(self, verification_id: str) -> VerificationStatus:
        query = StatusQuery(verification_id=verification_id).model_dump_json().encode()
        reply = await self.request(ApiSubject.STATUS, query)
        return VerificationStatus.model_validate_json(reply)

    async def report(
        self,
        verification_id: str,
        fmt: ReportFormat = "json",
        max_tokens: int = DEFAULT_AGENT_TOKENS,
    ) -> bytes:
        query = ReportQuery(verification_id=verification_id, format=fmt, max_tokens=max_tokens)
        return await self.request(ApiSubject.REPORT, query.model_dump_json().encode())

    async def list(self, query: ListQuery) -> VerificationList:
        reply = await self.request(ApiSubject.LIST, query.model_dump_json().encode())
        return VerificationList.model_validate_json(reply)

    async def review(self, verification_id: str, waive: bool, reason: str) -> VerificationStatus:
        query = ReviewQuery(verification_id=verification_id, waive=waive, reason=reason)
        reply = await self.request(ApiSubject.REVIEW, query.model_dump_json().encode(), 15.0)
        return VerificationStatus.model_validate_json(reply)

    async def watch(
        self, verification_id: str, timeout_s: float = 3600.0
    ) -> AsyncIterator[WatchUpdate]:
        """The verification's progress: where it is now, then each change, until it ends."""
        deadline = time.monotonic() + timeout_s
        async with self._bus.inbox() as inbox:
            query = WatchQuery(verification_id=verification_id, deliver_to=inbox.subject)
            update = WatchUpdate.model_validate_json(
                await self.request(ApiSubject.WATCH, query.model_dump_json().encode())
            )
            yield update
            while not update.status.phase.terminal:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SystemFailure(
                        f"verification {verification_id} did not end within {timeout_s:g} s"
                    )
                body = await inbox.next(min(_STATUS_POLL_S, remaining))
                if body is None:
                    # Quiet for a while: make sure nothing ended unseen (a reporter restart).
                    status = await self.status(verification_id)
                    if status.phase.terminal:
                        yield WatchUpdate(status=status)
                        return
                    continue
                update = WatchUpdate.model_validate_json(body)
                yield update

    async def watch_all(self, timeout_s: float | None = None) -> AsyncIterator[WatchUpdate]:
        """Every verification's changes as they happen, for ``timeout_s`` (None: for ever).

        A watch is asked again when the reporter says its time is up, or when
        not even a heartbeat came for a while (the replica serving it is gone);
        each time on a new inbox, so an old stream cannot double the new one.
        """
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while deadline is None or time.monotonic() < deadline:
            async with self._bus.inbox() as inbox:
                query = WatchQuery(deliver_to=inbox.subject)
                await self.request(ApiSubject.WATCH, query.model_dump_json().encode())
                while True:
                    wait_s = _SILENCE_S
                    if deadline is not None:
                        wait_s = min(wait_s, deadline - time.monotonic())
                        if wait_s <= 0:
                            return
                    body = await inbox.next(wait_s)
                    if body is None:
                        break  # silence: ask again
                    sent = WatchAllUpdate.model_validate_json(body)
                    if sent.renew:
                        break
                    if sent.update is not None:
                        yield sent.update

    async def request(self, subject: str, body: bytes, timeout_s: float = 5.0) -> bytes:
        """An API request on ``subject``, presenting this client's key."""
        headers: dict[str, str] | None = None
        if self._api_key:
            headers = {Header.AUTHORIZATION: f"Bearer {self._api_key}"}
        return await self._bus.request(subject, body, headers, timeout_s)

    async def _conclusion(
        self,
        next_event: Callable[[float], Awaitable[Decoded | None]],
        verification_id: str,
        timeout_s: float,
    ) -> Conclusion:
        deadline = time.monotonic() + timeout_s
        while (remaining := deadline - time.monotonic()) > 0:
            event = await next_event(min(_STATUS_POLL_S, remaining))
            if event is None:
                status = await self._status_if_known(verification_id)
                if status is not None and status.phase.terminal:
                    return await self._from_status(status)
                continue
            if event.verification_id != verification_id:
                continue
            if conclusion := await self._from_event(event):
                return conclusion
        raise SystemFailure(
            f"verification {verification_id} did not end within {timeout_s:g} s; "
            f"ask again with: otv status {verification_id}"
        )

    async def _from_event(self, event: Decoded) -> Conclusion | None:
        vid = event.verification_id
        if event.subject is Subject.VERIFICATION_COMPLETED:
            assert isinstance(event.event, pb.VerificationCompleted)
            return Conclusion(
                vid,
                Phase.COMPLETED,
                VERDICT_FROM_PB.get(event.event.verdict, Verdict.ERRORED),
                report=Report.from_json(await self.report(vid)),
            )
        if event.subject is Subject.VERIFICATION_ERRORED:
            assert isinstance(event.event, pb.VerificationErrored)
            kind = (
                "configuration"
                if event.event.kind == pb.ERROR_KIND_CONFIGURATION
                else "infrastructure"
            )
            return Conclusion(
                vid,
                Phase.ERRORED,
                Verdict.ERRORED,
                reason=event.event.reason,
                reason_code=kind,
                report=await self._report_soon(vid),
            )
        if event.subject is Subject.VERIFICATION_REJECTED:
            assert isinstance(event.event, pb.VerificationRejected)
            return Conclusion(
                vid, Phase.REJECTED, None, reason=event.event.reason, reason_code=event.event.code
            )
        return None

    async def _from_status(self, status: VerificationStatus) -> Conclusion:
        vid = status.verification_id
        report = None
        if status.phase is not Phase.REJECTED:
            report = await self._report_soon(vid)
        return Conclusion(
            vid, status.phase, status.verdict, status.reason, status.reason_code, report
        )

    async def _status_if_known(self, verification_id: str) -> VerificationStatus | None:
        try:
            return await self.status(verification_id)
        except ApiError as exc:
            if exc.code in ("401", "403", "429"):
                raise  # waiting longer will not help
            return None  # not folded yet: keep waiting
        except SystemFailure:
            return None  # the reporter is restarting: keep waiting

    async def _report_soon(self, verification_id: str) -> Report | None:
        deadline = time.monotonic() + _ERRORED_REPORT_WAIT_S
        while True:
            try:
                return Report.from_json(await self.report(verification_id))
            except ApiError as exc:
                if exc.code != "404" or time.monotonic() > deadline:
                    return None
                await asyncio.sleep(0.1)
