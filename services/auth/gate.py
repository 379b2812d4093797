"""One place where auth decides: check a key for a permission, and audit the decision."""

from __future__ import annotations

from prometheus_client import Counter

from otv.metrics import AUTH_OUTCOMES
from otv.permissions import Permission
from services.auth.audit import AuditTrail
from services.auth.authenticate import Authenticator, Decision, Denied


class Gate:
    def __init__(
        self, authenticator: Authenticator, audit: AuditTrail, decisions: Counter | None = None
    ) -> None:
        self._authenticator = authenticator
        self._audit = audit
        self._decisions = decisions

    def check(
        self,
        authorization: str | None,
        permission: Permission,
        subject: str,
        correlation_id: str,
    ) -> Decision:
        """The decision for ``authorization``; ``Denied`` if refused. Both are audited."""
        try:
            decision = self._authenticator.authorize(authorization, permission)
        except Denied as denied:
            self._count(denied.code)
            self._audit.record(
                allowed=False,
                code=denied.code,
                key_id=denied.key_id,
                permission=permission,
                subject=subject,
                correlation_id=correlation_id,
                reason=denied.reason,
            )
            raise
        self._count("200")
        self._audit.record(
            allowed=True,
            code="200",
            key_id=decision.principal.key_id,
            permission=permission,
            subject=subject,
            correlation_id=correlation_id,
        )
        return decision

    def _count(self, code: str) -> None:
        if self._decisions is not None:
            self._decisions.labels(AUTH_OUTCOMES.get(code, "other")).inc()
