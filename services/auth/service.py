"""auth: the edge. Admits or rejects each requested verification.

A ``requested`` event carries the client's key in its Authorization header.
auth checks the key and its role, then publishes ``authorized`` (the request
without any credential, plus who made it) or ``rejected`` with the reason —
and erases the ``requested`` event from the stream, so the stored log never
keeps a credential.
"""

from __future__ import annotations

import logging

from otv.bus import Bus, ConsumerSpec, Delivery
from otv.bus.consumer import EventConsumer
from otv.bus.events import follow
from otv.bus.subjects import Header, Subject, event_id
from otv.permissions import Permission, Role, allows
from otv.v1 import events_pb2 as pb
from services.auth.keys import KeyTable, Unauthenticated

log = logging.getLogger(__name__)

REQUESTS = ConsumerSpec(
    durable="auth-requests",
    filter_subjects=(Subject.VERIFICATION_REQUESTED,),
    description="auth: admit or reject requested verifications",
)

MAX_TARGETS = 32


class AuthService:
    name = "auth"

    def __init__(self, keys: KeyTable) -> None:
        self._keys = keys

    async def start(self, bus: Bus) -> list[EventConsumer]:
        if not len(self._keys):
            log.warning("no API keys are configured: every verification will be rejected")
        await bus.ensure_consumer(REQUESTS)

        async def handle(delivery: Delivery) -> None:
            await self._admit(bus, delivery)

        return [bus.consumer(REQUESTS, handle, concurrency=16)]

    async def _admit(self, bus: Bus, delivery: Delivery) -> None:
        requested = delivery.event_as(pb.VerificationRequested)
        decision = self.decide(requested, delivery.headers.get(Header.AUTHORIZATION))
        await bus.producer.publish(decision)
        await bus.erase_event(delivery.stream_sequence)

    def decide(
        self, requested: pb.VerificationRequested, authorization: str | None
    ) -> pb.VerificationAuthorized | pb.VerificationRejected:
        vid = requested.meta.verification_id

        def reject(code: str, reason: str) -> pb.VerificationRejected:
            log.info("rejected verification: %s", reason)
            return pb.VerificationRejected(
                meta=follow(requested.meta, event_id(vid, "rejected"), self.name),
                request=requested.request,
                code=code,
                reason=reason,
            )

        try:
            key = self._keys.authenticate(authorization)
        except Unauthenticated as exc:
            return reject("401", str(exc))
        if not allows(key.role, Permission.SUBMIT):
            needed = Role.RUN.label
            return reject(
                "403", f"key {key.id!r} has role {key.role.label}; submitting needs {needed}"
            )
        if problem := _request_problem(requested.request):
            return reject("400", problem)
        log.info("authorized verification for key %s", key.id)
        return pb.VerificationAuthorized(
            meta=follow(requested.meta, event_id(vid, "authorized"), self.name),
            request=requested.request,
            principal=pb.Principal(key_id=key.id, key_name=key.name, role=key.role.label),
        )


def _request_problem(request: pb.VerificationRequest) -> str:
    """What is wrong with the shape of a request, or an empty string."""
    if not request.repository:
        return "no repository given"
    if not request.targets:
        return "no target branch given"
    if len(request.targets) > MAX_TARGETS:
        return f"{len(request.targets)} target branches given; at most {MAX_TARGETS} are allowed"
    return ""
