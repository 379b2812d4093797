"""The names on the bus: subjects, the event stream, buckets, headers.

One table maps each event subject to its protobuf type, so a consumer can
refuse a body that does not belong on the subject it came from.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from google.protobuf.message import Message

from otv.v1 import events_pb2 as pb

EVENTS_STREAM: Final = "OTV_EVENTS"
EVENTS_WILDCARD: Final = "otv.v1.evt.>"
VERIFICATIONS_BUCKET: Final = "otv_verifications"
# One small summary per verification, so listing does not read whole states.
VERIFICATION_INDEX_BUCKET: Final = "otv_verification_index"
REPORTS_BUCKET: Final = "otv_reports"
# Collected contexts, reused for the same repository, head, target and profile.
CONTEXT_CACHE_BUCKET: Final = "otv_context_cache"
# Context details too large for an event.
CONTEXT_OBJECTS_BUCKET: Final = "otv_context_details"


class Subject(StrEnum):
    VERIFICATION_REQUESTED = "otv.v1.evt.verification.requested"
    VERIFICATION_AUTHORIZED = "otv.v1.evt.verification.authorized"
    VERIFICATION_REJECTED = "otv.v1.evt.verification.rejected"
    CONTEXT_COLLECTING = "otv.v1.evt.context.collecting"
    CONTEXT_COLLECTED = "otv.v1.evt.context.collected"
    TARGET_JOB = "otv.v1.evt.target.job"
    SCENARIO_FINISHED = "otv.v1.evt.scenario.finished"
    TARGET_FINISHED = "otv.v1.evt.target.finished"
    VERIFICATION_COMPLETED = "otv.v1.evt.verification.completed"
    VERIFICATION_ERRORED = "otv.v1.evt.verification.errored"
    VERIFICATION_REVIEWED = "otv.v1.evt.verification.reviewed"
    VERIFICATION_PUBLISHED = "otv.v1.evt.verification.published"


class ApiSubject(StrEnum):
    STATUS = "otv.v1.api.status"
    REPORT = "otv.v1.api.report"
    LIST = "otv.v1.api.list"
    WATCH = "otv.v1.api.watch"
    REVIEW = "otv.v1.api.review"
    AUTHORIZE = "otv.v1.api.authorize"
    KEYS_CREATE = "otv.v1.api.keys.create"
    KEYS_LIST = "otv.v1.api.keys.list"
    KEYS_REVOKE = "otv.v1.api.keys.revoke"
    KEYS_ROTATE = "otv.v1.api.keys.rotate"
    AUDIT_VERIFY = "otv.v1.api.audit.verify"


# A core broadcast (not stored) of the id of a key that was revoked, rotated or
# changed: whoever caches authorization decisions drops that key's.
KEYS_CHANGED: Final = "otv.v1.keys.changed"


EVENT_TYPES: Final[dict[Subject, type[Message]]] = {
    Subject.VERIFICATION_REQUESTED: pb.VerificationRequested,
    Subject.VERIFICATION_AUTHORIZED: pb.VerificationAuthorized,
    Subject.VERIFICATION_REJECTED: pb.VerificationRejected,
    Subject.CONTEXT_COLLECTING: pb.ContextCollecting,
    Subject.CONTEXT_COLLECTED: pb.ContextCollected,
    Subject.TARGET_JOB: pb.TargetJob,
    Subject.SCENARIO_FINISHED: pb.ScenarioFinished,
    Subject.TARGET_FINISHED: pb.TargetFinished,
    Subject.VERIFICATION_COMPLETED: pb.VerificationCompleted,
    Subject.VERIFICATION_ERRORED: pb.VerificationErrored,
    Subject.VERIFICATION_REVIEWED: pb.VerificationReviewed,
    Subject.VERIFICATION_PUBLISHED: pb.VerificationPublished,
}

SUBJECT_OF: Final[dict[type[Message], Subject]] = {t: s for s, t in EVENT_TYPES.items()}

# Terminal events: a verification ends with exactly one of them.
TERMINAL_SUBJECTS: Final = (
    Subject.VERIFICATION_COMPLETED,
    Subject.VERIFICATION_ERRORED,
    Subject.VERIFICATION_REJECTED,
)


class Header(StrEnum):
    MSG_ID = "Nats-Msg-Id"
    CORRELATION_ID = "Otv-Correlation-Id"
    VERIFICATION_ID = "Otv-Verification-Id"
    EVENT_TYPE = "Otv-Event-Type"
    AUTHORIZATION = "Authorization"
    TRACEPARENT = "traceparent"


def event_type_name(message_type: type[Message]) -> str:
    """The value of the ``Otv-Event-Type`` header: the full protobuf name."""
    return str(message_type.DESCRIPTOR.full_name)


def event_id(verification_id: str, kind: str, *parts: str) -> str:
    """The deterministic id of an event, also its ``Nats-Msg-Id``.

    The same step of the same verification always gets the same id, so a
    re-published event is dropped by the stream and ignored by the reporter.
    """
    return ".".join((verification_id, kind, *parts))
