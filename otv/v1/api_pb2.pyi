from otv.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitRequest(_message.Message):
    __slots__ = ("request", "correlation_id", "verification_id")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    request: _events_pb2.VerificationRequest
    correlation_id: str
    verification_id: str
    def __init__(self, request: _Optional[_Union[_events_pb2.VerificationRequest, _Mapping]] = ..., correlation_id: _Optional[str] = ..., verification_id: _Optional[str] = ...) -> None: ...

class SubmitResponse(_message.Message):
    __slots__ = ("verification_id", "correlation_id")
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    verification_id: str
    correlation_id: str
    def __init__(self, verification_id: _Optional[str] = ..., correlation_id: _Optional[str] = ...) -> None: ...

class GetRequest(_message.Message):
    __slots__ = ("verification_id",)
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    verification_id: str
    def __init__(self, verification_id: _Optional[str] = ...) -> None: ...

class TargetProgress(_message.Message):
    __slots__ = ("name", "finished", "verdict", "scenarios_finished")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FINISHED_FIELD_NUMBER: _ClassVar[int]
    name: str
    finished: bool
    verdict: str
    scenarios_finished: int
    def __init__(self, name: _Optional[str] = ..., finished: _Optional[bool] = ..., verdict: _Optional[str] = ..., scenarios_finished: _Optional[int] = ...) -> None: ...

class VerificationStatus(_message.Message):
    __slots__ = ("verification_id", "correlation_id", "phase", "verdict", "reason", "reason_code", "repository", "head", "profile", "targets", "started_at", "updated_at", "reviewed_by", "waived")
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_BY_FIELD_NUMBER: _ClassVar[int]
    WAIVED_FIELD_NUMBER: _ClassVar[int]
    verification_id: str
    correlation_id: str
    phase: str
    verdict: str
    reason: str
    reason_code: str
    repository: str
    head: str
    profile: str
    targets: _containers.RepeatedCompositeFieldContainer[TargetProgress]
    started_at: str
    updated_at: str
    reviewed_by: str
    waived: bool
    def __init__(self, verification_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., phase: _Optional[str] = ..., verdict: _Optional[str] = ..., reason: _Optional[str] = ..., reason_code: _Optional[str] = ..., repository: _Optional[str] = ..., head: _Optional[str] = ..., profile: _Optional[str] = ..., targets: _Optional[_Iterable[_Union[TargetProgress, _Mapping]]] = ..., started_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., reviewed_by: _Optional[str] = ..., waived: _Optional[bool] = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ("verification_id",)
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    verification_id: str
    def __init__(self, verification_id: _Optional[str] = ...) -> None: ...

class ScenarioProgress(_message.Message):
    __slots__ = ("target", "scenario", "outcome", "duration_s", "message")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    target: str
    scenario: str
    outcome: str
    duration_s: float
    message: str
    def __init__(self, target: _Optional[str] = ..., scenario: _Optional[str] = ..., outcome: _Optional[str] = ..., duration_s: _Optional[float] = ..., message: _Optional[str] = ...) -> None: ...

class WatchUpdate(_message.Message):
    __slots__ = ("status", "finished")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    status: VerificationStatus
    finished: _containers.RepeatedCompositeFieldContainer[ScenarioProgress]
    def __init__(self, status: _Optional[_Union[VerificationStatus, _Mapping]] = ..., finished: _Optional[_Iterable[_Union[ScenarioProgress, _Mapping]]] = ...) -> None: ...

class ListRequest(_message.Message):
    __slots__ = ("verdict", "repository", "since", "limit")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    verdict: str
    repository: str
    since: str
    limit: int
    def __init__(self, verdict: _Optional[str] = ..., repository: _Optional[str] = ..., since: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class VerificationSummary(_message.Message):
    __slots__ = ("verification_id", "phase", "verdict", "repository", "head", "profile", "targets", "started_at", "finished_at")
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    verification_id: str
    phase: str
    verdict: str
    repository: str
    head: str
    profile: str
    targets: _containers.RepeatedScalarFieldContainer[str]
    started_at: str
    finished_at: str
    def __init__(self, verification_id: _Optional[str] = ..., phase: _Optional[str] = ..., verdict: _Optional[str] = ..., repository: _Optional[str] = ..., head: _Optional[str] = ..., profile: _Optional[str] = ..., targets: _Optional[_Iterable[str]] = ..., started_at: _Optional[str] = ..., finished_at: _Optional[str] = ...) -> None: ...

class ListResponse(_message.Message):
    __slots__ = ("verifications", "total")
    VERIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    verifications: _containers.RepeatedCompositeFieldContainer[VerificationSummary]
    total: int
    def __init__(self, verifications: _Optional[_Iterable[_Union[VerificationSummary, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class GetReportRequest(_message.Message):
    __slots__ = ("verification_id", "format", "max_tokens")
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    verification_id: str
    format: str
    max_tokens: int
    def __init__(self, verification_id: _Optional[str] = ..., format: _Optional[str] = ..., max_tokens: _Optional[int] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("format", "media_type", "content")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    format: str
    media_type: str
    content: bytes
    def __init__(self, format: _Optional[str] = ..., media_type: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class ReviewRequest(_message.Message):
    __slots__ = ("verification_id", "waive", "reason")
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    WAIVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    verification_id: str
    waive: bool
    reason: str
    def __init__(self, verification_id: _Optional[str] = ..., waive: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class KeyInfo(_message.Message):
    __slots__ = ("id", "name", "role", "state", "source", "created_at", "expires_at", "revoked_at", "last_used_at", "replaced_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    REPLACED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    role: str
    state: str
    source: str
    created_at: str
    expires_at: str
    revoked_at: str
    last_used_at: str
    replaced_by: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[str] = ..., state: _Optional[str] = ..., source: _Optional[str] = ..., created_at: _Optional[str] = ..., expires_at: _Optional[str] = ..., revoked_at: _Optional[str] = ..., last_used_at: _Optional[str] = ..., replaced_by: _Optional[str] = ...) -> None: ...

class CreateKeyRequest(_message.Message):
    __slots__ = ("name", "role", "expires_in_s")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_S_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: str
    expires_in_s: float
    def __init__(self, name: _Optional[str] = ..., role: _Optional[str] = ..., expires_in_s: _Optional[float] = ...) -> None: ...

class CreatedKey(_message.Message):
    __slots__ = ("key", "info")
    KEY_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    key: str
    info: KeyInfo
    def __init__(self, key: _Optional[str] = ..., info: _Optional[_Union[KeyInfo, _Mapping]] = ...) -> None: ...

class ListKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[KeyInfo]
    def __init__(self, keys: _Optional[_Iterable[_Union[KeyInfo, _Mapping]]] = ...) -> None: ...

class RevokeKeyRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RotateKeyRequest(_message.Message):
    __slots__ = ("id", "grace_s")
    ID_FIELD_NUMBER: _ClassVar[int]
    GRACE_S_FIELD_NUMBER: _ClassVar[int]
    id: str
    grace_s: float
    def __init__(self, id: _Optional[str] = ..., grace_s: _Optional[float] = ...) -> None: ...
