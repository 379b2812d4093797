import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_WARNING: _ClassVar[Severity]
    SEVERITY_BLOCKING: _ClassVar[Severity]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_PASSED: _ClassVar[Outcome]
    OUTCOME_FAILED: _ClassVar[Outcome]
    OUTCOME_SKIPPED: _ClassVar[Outcome]
    OUTCOME_ERRORED: _ClassVar[Outcome]

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    VERDICT_PASSED: _ClassVar[Verdict]
    VERDICT_WARNED: _ClassVar[Verdict]
    VERDICT_FAILED: _ClassVar[Verdict]
    VERDICT_ERRORED: _ClassVar[Verdict]

class ErrorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_KIND_UNSPECIFIED: _ClassVar[ErrorKind]
    ERROR_KIND_CONFIGURATION: _ClassVar[ErrorKind]
    ERROR_KIND_INFRASTRUCTURE: _ClassVar[ErrorKind]
SEVERITY_UNSPECIFIED: Severity
SEVERITY_WARNING: Severity
SEVERITY_BLOCKING: Severity
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_PASSED: Outcome
OUTCOME_FAILED: Outcome
OUTCOME_SKIPPED: Outcome
OUTCOME_ERRORED: Outcome
VERDICT_UNSPECIFIED: Verdict
VERDICT_PASSED: Verdict
VERDICT_WARNED: Verdict
VERDICT_FAILED: Verdict
VERDICT_ERRORED: Verdict
ERROR_KIND_UNSPECIFIED: ErrorKind
ERROR_KIND_CONFIGURATION: ErrorKind
ERROR_KIND_INFRASTRUCTURE: ErrorKind

class EventMeta(_message.Message):
    __slots__ = ("event_id", "verification_id", "correlation_id", "producer", "time", "schema_version")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    verification_id: str
    correlation_id: str
    producer: str
    time: _timestamp_pb2.Timestamp
    schema_version: int
    def __init__(self, event_id: _Optional[str] = ..., verification_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., producer: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., schema_version: _Optional[int] = ...) -> None: ...

class VerificationRequest(_message.Message):
    __slots__ = ("repository", "head", "targets", "profile", "profiles_document", "profiles_document_name", "client", "environment", "change_number")
    REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    PROFILES_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    PROFILES_DOCUMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    repository: str
    head: str
    targets: _containers.RepeatedScalarFieldContainer[str]
    profile: str
    profiles_document: bytes
    profiles_document_name: str
    client: str
    environment: ClientEnvironment
    change_number: int
    def __init__(self, repository: _Optional[str] = ..., head: _Optional[str] = ..., targets: _Optional[_Iterable[str]] = ..., profile: _Optional[str] = ..., profiles_document: _Optional[bytes] = ..., profiles_document_name: _Optional[str] = ..., client: _Optional[str] = ..., environment: _Optional[_Union[ClientEnvironment, _Mapping]] = ..., change_number: _Optional[int] = ...) -> None: ...

class ClientEnvironment(_message.Message):
    __slots__ = ("variable_names", "variables", "tools", "os")
    class VariablesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ToolsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VARIABLE_NAMES_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    OS_FIELD_NUMBER: _ClassVar[int]
    variable_names: _containers.RepeatedScalarFieldContainer[str]
    variables: _containers.ScalarMap[str, str]
    tools: _containers.ScalarMap[str, str]
    os: str
    def __init__(self, variable_names: _Optional[_Iterable[str]] = ..., variables: _Optional[_Mapping[str, str]] = ..., tools: _Optional[_Mapping[str, str]] = ..., os: _Optional[str] = ...) -> None: ...

class VerificationRequested(_message.Message):
    __slots__ = ("meta", "request")
    META_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    request: VerificationRequest
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., request: _Optional[_Union[VerificationRequest, _Mapping]] = ...) -> None: ...

class Principal(_message.Message):
    __slots__ = ("key_id", "key_name", "role")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_name: str
    role: str
    def __init__(self, key_id: _Optional[str] = ..., key_name: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class VerificationAuthorized(_message.Message):
    __slots__ = ("meta", "request", "principal")
    META_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    request: VerificationRequest
    principal: Principal
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., request: _Optional[_Union[VerificationRequest, _Mapping]] = ..., principal: _Optional[_Union[Principal, _Mapping]] = ...) -> None: ...

class VerificationRejected(_message.Message):
    __slots__ = ("meta", "request", "code", "reason")
    META_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    request: VerificationRequest
    code: str
    reason: str
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., request: _Optional[_Union[VerificationRequest, _Mapping]] = ..., code: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CommitRef(_message.Message):
    __slots__ = ("ref", "sha")
    REF_FIELD_NUMBER: _ClassVar[int]
    SHA_FIELD_NUMBER: _ClassVar[int]
    ref: str
    sha: str
    def __init__(self, ref: _Optional[str] = ..., sha: _Optional[str] = ...) -> None: ...

class ChangedFile(_message.Message):
    __slots__ = ("path", "status", "old_path")
    PATH_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OLD_PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    status: str
    old_path: str
    def __init__(self, path: _Optional[str] = ..., status: _Optional[str] = ..., old_path: _Optional[str] = ...) -> None: ...

class TargetContext(_message.Message):
    __slots__ = ("name", "sha", "merge_base", "mergeable", "conflicts", "tree", "changed_files", "ahead", "behind")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHA_FIELD_NUMBER: _ClassVar[int]
    MERGE_BASE_FIELD_NUMBER: _ClassVar[int]
    MERGEABLE_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    TREE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FILES_FIELD_NUMBER: _ClassVar[int]
    AHEAD_FIELD_NUMBER: _ClassVar[int]
    BEHIND_FIELD_NUMBER: _ClassVar[int]
    name: str
    sha: str
    merge_base: str
    mergeable: bool
    conflicts: _containers.RepeatedScalarFieldContainer[str]
    tree: str
    changed_files: _containers.RepeatedCompositeFieldContainer[ChangedFile]
    ahead: int
    behind: int
    def __init__(self, name: _Optional[str] = ..., sha: _Optional[str] = ..., merge_base: _Optional[str] = ..., mergeable: _Optional[bool] = ..., conflicts: _Optional[_Iterable[str]] = ..., tree: _Optional[str] = ..., changed_files: _Optional[_Iterable[_Union[ChangedFile, _Mapping]]] = ..., ahead: _Optional[int] = ..., behind: _Optional[int] = ...) -> None: ...

class Dependency(_message.Message):
    __slots__ = ("ecosystem", "name", "version", "specifier", "source", "direct")
    ECOSYSTEM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SPECIFIER_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DIRECT_FIELD_NUMBER: _ClassVar[int]
    ecosystem: str
    name: str
    version: str
    specifier: str
    source: str
    direct: bool
    def __init__(self, ecosystem: _Optional[str] = ..., name: _Optional[str] = ..., version: _Optional[str] = ..., specifier: _Optional[str] = ..., source: _Optional[str] = ..., direct: _Optional[bool] = ...) -> None: ...

class DependencyChange(_message.Message):
    __slots__ = ("ecosystem", "name", "change", "head_version", "target_version", "direction")
    ECOSYSTEM_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    HEAD_VERSION_FIELD_NUMBER: _ClassVar[int]
    TARGET_VERSION_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    ecosystem: str
    name: str
    change: str
    head_version: str
    target_version: str
    direction: str
    def __init__(self, ecosystem: _Optional[str] = ..., name: _Optional[str] = ..., change: _Optional[str] = ..., head_version: _Optional[str] = ..., target_version: _Optional[str] = ..., direction: _Optional[str] = ...) -> None: ...

class ConfigFile(_message.Message):
    __slots__ = ("path", "format", "valid", "sha256", "error", "line", "column", "schema", "schema_errors")
    PATH_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_ERRORS_FIELD_NUMBER: _ClassVar[int]
    path: str
    format: str
    valid: bool
    sha256: str
    error: str
    line: int
    column: int
    schema: str
    schema_errors: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, path: _Optional[str] = ..., format: _Optional[str] = ..., valid: _Optional[bool] = ..., sha256: _Optional[str] = ..., error: _Optional[str] = ..., line: _Optional[int] = ..., column: _Optional[int] = ..., schema: _Optional[str] = ..., schema_errors: _Optional[_Iterable[str]] = ...) -> None: ...

class ProbeResult(_message.Message):
    __slots__ = ("id", "type", "target", "ok", "latency_ms", "detail", "error")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    target: str
    ok: bool
    latency_ms: float
    detail: str
    error: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., target: _Optional[str] = ..., ok: _Optional[bool] = ..., latency_ms: _Optional[float] = ..., detail: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("path", "kind", "message")
    PATH_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    path: str
    kind: str
    message: str
    def __init__(self, path: _Optional[str] = ..., kind: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class TargetDetails(_message.Message):
    __slots__ = ("name", "dependencies", "drift", "config_files", "probes", "findings")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    DRIFT_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FILES_FIELD_NUMBER: _ClassVar[int]
    PROBES_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    name: str
    dependencies: _containers.RepeatedCompositeFieldContainer[Dependency]
    drift: _containers.RepeatedCompositeFieldContainer[DependencyChange]
    config_files: _containers.RepeatedCompositeFieldContainer[ConfigFile]
    probes: _containers.RepeatedCompositeFieldContainer[ProbeResult]
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    def __init__(self, name: _Optional[str] = ..., dependencies: _Optional[_Iterable[_Union[Dependency, _Mapping]]] = ..., drift: _Optional[_Iterable[_Union[DependencyChange, _Mapping]]] = ..., config_files: _Optional[_Iterable[_Union[ConfigFile, _Mapping]]] = ..., probes: _Optional[_Iterable[_Union[ProbeResult, _Mapping]]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ...) -> None: ...

class ContextDetails(_message.Message):
    __slots__ = ("head_dependencies", "targets", "environment", "findings")
    HEAD_DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    head_dependencies: _containers.RepeatedCompositeFieldContainer[Dependency]
    targets: _containers.RepeatedCompositeFieldContainer[TargetDetails]
    environment: ClientEnvironment
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    def __init__(self, head_dependencies: _Optional[_Iterable[_Union[Dependency, _Mapping]]] = ..., targets: _Optional[_Iterable[_Union[TargetDetails, _Mapping]]] = ..., environment: _Optional[_Union[ClientEnvironment, _Mapping]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ...) -> None: ...

class ContextRef(_message.Message):
    __slots__ = ("object", "sha256", "size")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    object: str
    sha256: str
    size: int
    def __init__(self, object: _Optional[str] = ..., sha256: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class ResolvedProfile(_message.Message):
    __slots__ = ("name", "source", "scenarios", "parallelism", "fail_on")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    PARALLELISM_FIELD_NUMBER: _ClassVar[int]
    FAIL_ON_FIELD_NUMBER: _ClassVar[int]
    name: str
    source: str
    scenarios: _containers.RepeatedCompositeFieldContainer[ScenarioSpec]
    parallelism: int
    fail_on: str
    def __init__(self, name: _Optional[str] = ..., source: _Optional[str] = ..., scenarios: _Optional[_Iterable[_Union[ScenarioSpec, _Mapping]]] = ..., parallelism: _Optional[int] = ..., fail_on: _Optional[str] = ...) -> None: ...

class ContextCollecting(_message.Message):
    __slots__ = ("meta",)
    META_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ...) -> None: ...

class ContextCollected(_message.Message):
    __slots__ = ("meta", "request", "head", "targets", "repository_profiles", "profile", "details", "details_ref")
    META_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_PROFILES_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    DETAILS_REF_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    request: VerificationRequest
    head: CommitRef
    targets: _containers.RepeatedCompositeFieldContainer[TargetContext]
    repository_profiles: bytes
    profile: ResolvedProfile
    details: ContextDetails
    details_ref: ContextRef
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., request: _Optional[_Union[VerificationRequest, _Mapping]] = ..., head: _Optional[_Union[CommitRef, _Mapping]] = ..., targets: _Optional[_Iterable[_Union[TargetContext, _Mapping]]] = ..., repository_profiles: _Optional[bytes] = ..., profile: _Optional[_Union[ResolvedProfile, _Mapping]] = ..., details: _Optional[_Union[ContextDetails, _Mapping]] = ..., details_ref: _Optional[_Union[ContextRef, _Mapping]] = ...) -> None: ...

class CollectedTarget(_message.Message):
    __slots__ = ("target", "details")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    target: TargetContext
    details: TargetDetails
    def __init__(self, target: _Optional[_Union[TargetContext, _Mapping]] = ..., details: _Optional[_Union[TargetDetails, _Mapping]] = ...) -> None: ...

class ScenarioSpec(_message.Message):
    __slots__ = ("id", "type", "severity", "timeout_s", "retries", "config_json", "when_targets", "when_changed", "needs", "isolated", "cache", "defined_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    WHEN_TARGETS_FIELD_NUMBER: _ClassVar[int]
    WHEN_CHANGED_FIELD_NUMBER: _ClassVar[int]
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    ISOLATED_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    DEFINED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    severity: Severity
    timeout_s: float
    retries: int
    config_json: str
    when_targets: _containers.RepeatedScalarFieldContainer[str]
    when_changed: _containers.RepeatedScalarFieldContainer[str]
    needs: _containers.RepeatedScalarFieldContainer[str]
    isolated: bool
    cache: bool
    defined_at: Location
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., timeout_s: _Optional[float] = ..., retries: _Optional[int] = ..., config_json: _Optional[str] = ..., when_targets: _Optional[_Iterable[str]] = ..., when_changed: _Optional[_Iterable[str]] = ..., needs: _Optional[_Iterable[str]] = ..., isolated: _Optional[bool] = ..., cache: _Optional[bool] = ..., defined_at: _Optional[_Union[Location, _Mapping]] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("path", "line", "column")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    path: str
    line: int
    column: int
    def __init__(self, path: _Optional[str] = ..., line: _Optional[int] = ..., column: _Optional[int] = ...) -> None: ...

class Diagnosis(_message.Message):
    __slots__ = ("kind", "exit_code", "output", "expected", "locations")
    KIND_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIELD_NUMBER: _ClassVar[int]
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    exit_code: int
    output: str
    expected: str
    locations: _containers.RepeatedCompositeFieldContainer[Location]
    def __init__(self, kind: _Optional[str] = ..., exit_code: _Optional[int] = ..., output: _Optional[str] = ..., expected: _Optional[str] = ..., locations: _Optional[_Iterable[_Union[Location, _Mapping]]] = ...) -> None: ...

class TargetJob(_message.Message):
    __slots__ = ("meta", "repository", "head", "target", "profile", "scenarios", "profile_source", "details", "details_ref", "environment", "parallelism", "head_dependencies")
    META_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    PROFILE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    DETAILS_REF_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    PARALLELISM_FIELD_NUMBER: _ClassVar[int]
    HEAD_DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    repository: str
    head: CommitRef
    target: TargetContext
    profile: str
    scenarios: _containers.RepeatedCompositeFieldContainer[ScenarioSpec]
    profile_source: str
    details: TargetDetails
    details_ref: ContextRef
    environment: ClientEnvironment
    parallelism: int
    head_dependencies: _containers.RepeatedCompositeFieldContainer[Dependency]
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., repository: _Optional[str] = ..., head: _Optional[_Union[CommitRef, _Mapping]] = ..., target: _Optional[_Union[TargetContext, _Mapping]] = ..., profile: _Optional[str] = ..., scenarios: _Optional[_Iterable[_Union[ScenarioSpec, _Mapping]]] = ..., profile_source: _Optional[str] = ..., details: _Optional[_Union[TargetDetails, _Mapping]] = ..., details_ref: _Optional[_Union[ContextRef, _Mapping]] = ..., environment: _Optional[_Union[ClientEnvironment, _Mapping]] = ..., parallelism: _Optional[int] = ..., head_dependencies: _Optional[_Iterable[_Union[Dependency, _Mapping]]] = ...) -> None: ...

class ScenarioResult(_message.Message):
    __slots__ = ("id", "type", "severity", "outcome", "duration_s", "message", "cached", "attempts", "flaky", "diagnosis")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CACHED_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    FLAKY_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    severity: Severity
    outcome: Outcome
    duration_s: float
    message: str
    cached: bool
    attempts: int
    flaky: bool
    diagnosis: Diagnosis
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., duration_s: _Optional[float] = ..., message: _Optional[str] = ..., cached: _Optional[bool] = ..., attempts: _Optional[int] = ..., flaky: _Optional[bool] = ..., diagnosis: _Optional[_Union[Diagnosis, _Mapping]] = ...) -> None: ...

class ScenarioFinished(_message.Message):
    __slots__ = ("meta", "target", "result")
    META_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    target: str
    result: ScenarioResult
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., target: _Optional[str] = ..., result: _Optional[_Union[ScenarioResult, _Mapping]] = ...) -> None: ...

class TargetFinished(_message.Message):
    __slots__ = ("meta", "target", "sha", "results", "duration_s")
    META_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    SHA_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    target: str
    sha: str
    results: _containers.RepeatedCompositeFieldContainer[ScenarioResult]
    duration_s: float
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., target: _Optional[str] = ..., sha: _Optional[str] = ..., results: _Optional[_Iterable[_Union[ScenarioResult, _Mapping]]] = ..., duration_s: _Optional[float] = ...) -> None: ...

class VerificationCompleted(_message.Message):
    __slots__ = ("meta", "verdict", "reports")
    class ReportsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    META_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    verdict: Verdict
    reports: _containers.ScalarMap[str, str]
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., reports: _Optional[_Mapping[str, str]] = ...) -> None: ...

class VerificationReviewed(_message.Message):
    __slots__ = ("meta", "key_id", "key_name", "waived", "reason")
    META_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIVED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    key_id: str
    key_name: str
    waived: bool
    reason: str
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., key_id: _Optional[str] = ..., key_name: _Optional[str] = ..., waived: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class VerificationPublished(_message.Message):
    __slots__ = ("meta", "round", "outcomes")
    META_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    round: str
    outcomes: _containers.RepeatedCompositeFieldContainer[PublishOutcome]
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., round: _Optional[str] = ..., outcomes: _Optional[_Iterable[_Union[PublishOutcome, _Mapping]]] = ...) -> None: ...

class PublishOutcome(_message.Message):
    __slots__ = ("publisher", "host", "ok", "detail", "url")
    PUBLISHER_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    publisher: str
    host: str
    ok: bool
    detail: str
    url: str
    def __init__(self, publisher: _Optional[str] = ..., host: _Optional[str] = ..., ok: _Optional[bool] = ..., detail: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class VerificationErrored(_message.Message):
    __slots__ = ("meta", "kind", "stage", "reason")
    META_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    meta: EventMeta
    kind: ErrorKind
    stage: str
    reason: str
    def __init__(self, meta: _Optional[_Union[EventMeta, _Mapping]] = ..., kind: _Optional[_Union[ErrorKind, str]] = ..., stage: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
