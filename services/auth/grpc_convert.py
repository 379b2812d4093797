"""Between the gRPC messages (``otv/v1/api.proto``) and the NATS API's models.

The gRPC API is a typed face of the NATS API: the same queries go to the same
endpoints, so both check the same things. Incoming messages become the NATS
API's pydantic queries, whose validation is the one that counts.
"""

from __future__ import annotations

from datetime import datetime

from otv.auth_messages import CreatedKey, KeyInfo
from otv.queries import (
    DEFAULT_AGENT_TOKENS,
    ListQuery,
    ReportQuery,
    VerificationList,
    VerificationStatus,
    WatchUpdate,
)
from otv.v1 import api_pb2 as api


def status_message(status: VerificationStatus) -> api.VerificationStatus:
    return api.VerificationStatus(
        verification_id=status.verification_id,
        correlation_id=status.correlation_id,
        phase=status.phase.value,
        verdict=status.verdict.value if status.verdict else "",
        reason=status.reason,
        reason_code=status.reason_code,
        repository=status.repository,
        head=status.head,
        profile=status.profile,
        targets=[
            api.TargetProgress(
                name=target.name,
                finished=target.finished,
                verdict=target.verdict.value if target.verdict else "",
                scenarios_finished=target.scenarios_finished,
            )
            for target in status.targets
        ],
        started_at=status.started_at,
        updated_at=status.updated_at,
        reviewed_by=status.reviewed_by,
        waived=status.waived,
    )


def update_message(update: WatchUpdate) -> api.WatchUpdate:
    return api.WatchUpdate(
        status=status_message(update.status),
        finished=[
            api.ScenarioProgress(
                target=found.target,
                scenario=found.scenario,
                outcome=found.outcome.value,
                duration_s=found.duration_s,
                message=found.message,
            )
            for found in update.finished
        ],
    )


def list_query(request: api.ListRequest) -> ListQuery:
    return ListQuery.model_validate(
        {
            "verdict": request.verdict or None,
            "repository": request.repository or None,
            "since": request.since or None,
            "limit": request.limit or 50,
        }
    )


def list_message(found: VerificationList) -> api.ListResponse:
    return api.ListResponse(
        verifications=[
            api.VerificationSummary(
                verification_id=summary.verification_id,
                phase=summary.phase.value,
                verdict=summary.verdict.value if summary.verdict else "",
                repository=summary.repository,
                head=summary.head,
                profile=summary.profile,
                targets=summary.targets,
                started_at=summary.started_at,
                finished_at=summary.finished_at,
            )
            for summary in found.verifications
        ],
        total=found.total,
    )


def report_query(request: api.GetReportRequest) -> ReportQuery:
    return ReportQuery.model_validate(
        {
            "verification_id": request.verification_id,
            "format": request.format or "json",
            "max_tokens": request.max_tokens or DEFAULT_AGENT_TOKENS,
        }
    )


def _time(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def key_message(info: KeyInfo) -> api.KeyInfo:
    return api.KeyInfo(
        id=info.id,
        name=info.name,
        role=info.role,
        state=info.state,
        source=info.source,
        created_at=_time(info.created_at),
        expires_at=_time(info.expires_at),
        revoked_at=_time(info.revoked_at),
        last_used_at=_time(info.last_used_at),
        replaced_by=info.replaced_by,
    )


def created_message(created: CreatedKey) -> api.CreatedKey:
    return api.CreatedKey(key=created.key, info=key_message(created.info))
