"""auth's request/reply API: authorize, key management, audit verification.

Every endpoint decides through the gate, so every decision is audited; the
key management endpoints need the admin role.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from otv import __version__
from otv.auth_messages import (
    AuthorizeAnswer,
    AuthorizeQuery,
    CreatedKey,
    CreateKey,
    KeyId,
    KeyList,
    RotateKey,
)
from otv.bus import Bus
from otv.bus.api import ApiError, ApiRequest, Endpoint
from otv.bus.audit_stream import AuditStream
from otv.bus.subjects import KEYS_CHANGED, ApiSubject, Header
from otv.permissions import Permission, Role
from services.auth.audit import verify_chain
from services.auth.authenticate import Denied
from services.auth.gate import Gate
from services.auth.key_admin import KeyAdmin, UnknownKey, key_info

MessageT = TypeVar("MessageT", bound=BaseModel)


def parse(model: type[MessageT], request: ApiRequest) -> MessageT:
    try:
        return model.model_validate_json(request.data or b"{}")
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        raise ApiError("400", f"bad request: {field}: {error['msg']}") from None


class AuthEndpoints:
    def __init__(
        self, bus: Bus, gate: Gate, admin: KeyAdmin, audit_stream: AuditStream, delay_s: float
    ) -> None:
        self._bus = bus
        self._gate = gate
        self._admin = admin
        self._audit_stream = audit_stream
        self._delay_s = delay_s

    def all(self) -> list[Endpoint]:
        return [
            Endpoint("authorize", ApiSubject.AUTHORIZE, self.authorize),
            Endpoint("keys-create", ApiSubject.KEYS_CREATE, self.create),
            Endpoint("keys-list", ApiSubject.KEYS_LIST, self.list),
            Endpoint("keys-revoke", ApiSubject.KEYS_REVOKE, self.revoke),
            Endpoint("keys-rotate", ApiSubject.KEYS_ROTATE, self.rotate),
            Endpoint("audit-verify", ApiSubject.AUDIT_VERIFY, self.verify_audit),
        ]

    async def _check(
        self, request: ApiRequest, permission: Permission, subject: str, correlation_id: str = ""
    ) -> AuthorizeAnswer:
        try:
            decision = self._gate.check(
                request.headers.get(Header.AUTHORIZATION),
                permission,
                subject,
                correlation_id or request.headers.get(Header.CORRELATION_ID, ""),
            )
        except Denied as denied:
            if denied.throttled:
                await asyncio.sleep(self._delay_s)  # slow the guesser down
            raise ApiError(denied.code, denied.reason) from None
        return AuthorizeAnswer(
            principal=decision.principal, valid_for_s=decision.valid_for_s, version=__version__
        )

    async def authorize(self, request: ApiRequest) -> bytes:
        query = parse(AuthorizeQuery, request)
        answer = await self._check(request, query.permission, query.subject, query.correlation_id)
        return answer.model_dump_json().encode()

    async def create(self, request: ApiRequest) -> bytes:
        await self._check(request, Permission.MANAGE_KEYS, ApiSubject.KEYS_CREATE)
        query = parse(CreateKey, request)
        try:
            role = Role.parse(query.role)
        except ValueError as exc:
            raise ApiError("400", str(exc)) from None
        key, record = await self._admin.create(query.name, role, query.expires_in_s)
        info = key_info(record, record.created_at)
        return CreatedKey(key=key, info=info).model_dump_json().encode()

    async def list(self, request: ApiRequest) -> bytes:
        await self._check(request, Permission.MANAGE_KEYS, ApiSubject.KEYS_LIST)
        return KeyList(keys=self._admin.infos()).model_dump_json().encode()

    async def revoke(self, request: ApiRequest) -> bytes:
        await self._check(request, Permission.MANAGE_KEYS, ApiSubject.KEYS_REVOKE)
        query = parse(KeyId, request)
        try:
            record = await self._admin.revoke(query.id)
        except UnknownKey:
            raise ApiError("404", f"no key {query.id}") from None
        await self._bus.broadcast(KEYS_CHANGED, record.id.encode())
        info = key_info(record, record.revoked_at or record.created_at)
        return info.model_dump_json().encode()

    async def rotate(self, request: ApiRequest) -> bytes:
        await self._check(request, Permission.MANAGE_KEYS, ApiSubject.KEYS_ROTATE)
        query = parse(RotateKey, request)
        try:
            key, record = await self._admin.rotate(query.id, query.grace_s)
        except UnknownKey:
            raise ApiError("404", f"no key {query.id}") from None
        await self._bus.broadcast(KEYS_CHANGED, query.id.encode())
        info = key_info(record, record.created_at)
        return CreatedKey(key=key, info=info).model_dump_json().encode()

    async def verify_audit(self, request: ApiRequest) -> bytes:
        await self._check(request, Permission.AUDIT, ApiSubject.AUDIT_VERIFY)
        first, entries = await self._audit_stream.entries()
        return verify_chain(first, entries).model_dump_json().encode()
