"""The gRPC services: each call goes to the NATS API with the caller's own key.

So a gRPC caller gets exactly the permissions, answers and errors of a NATS
caller; this module only translates. ``Submit`` checks the key first (the
NATS flow admits a request asynchronously, a gRPC caller wants the answer).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import NoReturn, TypeVar

import grpc
from pydantic import BaseModel, ValidationError

from otv.auth_messages import CreatedKey, CreateKey, KeyId, KeyInfo, KeyList, RotateKey
from otv.authz import Authorizer
from otv.bus import Bus
from otv.bus.api import ApiError
from otv.bus.events import check_id, new_verification_id
from otv.bus.subjects import ApiSubject, Header
from otv.client import VerificationClient
from otv.errors import OtvError, UsageError
from otv.permissions import Permission
from otv.queries import REPORT_MEDIA_TYPES
from otv.v1 import api_pb2 as api
from otv.v1 import api_pb2_grpc as api_grpc
from services.auth import grpc_convert as convert
from services.auth.requests import request_problem

# The NATS API's HTTP-style codes, as gRPC status codes.
STATUS_OF_CODE = {
    "400": grpc.StatusCode.INVALID_ARGUMENT,
    "401": grpc.StatusCode.UNAUTHENTICATED,
    "403": grpc.StatusCode.PERMISSION_DENIED,
    "404": grpc.StatusCode.NOT_FOUND,
    "409": grpc.StatusCode.FAILED_PRECONDITION,
    "429": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "503": grpc.StatusCode.UNAVAILABLE,
}
_WATCH_DEFAULT_S = 3600.0

Context = grpc.aio.ServicerContext[object, object]
RequestT = TypeVar("RequestT")
ReplyT = TypeVar("ReplyT")
ServicerT = TypeVar("ServicerT")


class _Refused(Exception):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code = code
        self.details = details


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Turn what the NATS API raised into a gRPC status (as ``_Refused``)."""
    try:
        yield
    except ApiError as exc:
        raise _Refused(
            STATUS_OF_CODE.get(exc.code, grpc.StatusCode.INTERNAL), exc.message
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "request"
        raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, f"{where}: {first['msg']}") from None
    except UsageError as exc:
        raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, exc.message) from None
    except OtvError as exc:
        raise _Refused(grpc.StatusCode.UNAVAILABLE, exc.message) from None


async def _abort(context: Context, refused: _Refused) -> NoReturn:
    await context.abort(refused.code, refused.details)
    raise AssertionError("abort returns by raising")  # pragma: no cover


def api_key(context: Context) -> str:
    """The key in the ``authorization: Bearer`` metadata."""
    for name, value in context.invocation_metadata() or ():
        if name == "authorization" and isinstance(value, str):
            scheme, _, key = value.partition(" ")
            if scheme.lower() == "bearer" and key.strip():
                return key.strip()
    raise _Refused(
        grpc.StatusCode.UNAUTHENTICATED, "no API key: send `authorization: Bearer <key>` metadata"
    )


def _remaining_s(context: Context, default_s: float) -> float:
    remaining = context.time_remaining()
    return default_s if remaining is None else max(0.1, min(default_s, remaining))


def _answered(
    method: Callable[[ServicerT, RequestT, Context], Awaitable[ReplyT]],
) -> Callable[[ServicerT, RequestT, Context], Awaitable[ReplyT]]:
    """A unary RPC whose NATS API errors become gRPC status codes."""

    @functools.wraps(method)
    async def answer(servicer: ServicerT, request: RequestT, context: Context) -> ReplyT:
        try:
            with _translated():
                return await method(servicer, request, context)
        except _Refused as refused:
            await _abort(context, refused)

    return answer


class VerificationApi(api_grpc.VerificationServiceServicer):
    def __init__(self, bus: Bus, authorizer: Authorizer) -> None:
        self._bus = bus
        self._authorizer = authorizer

    def _client(self, context: Context) -> VerificationClient:
        return VerificationClient(self._bus, api_key(context), name="grpc")

    @_answered
    async def Submit(self, request: api.SubmitRequest, context: Context) -> api.SubmitResponse:
        key = api_key(context)
        if problem := request_problem(request.request):
            raise UsageError(f"request: {problem}")
        vid = check_id("verification_id", request.verification_id or new_verification_id())
        correlation = check_id("correlation_id", request.correlation_id or vid)
        await self._authorizer.require(
            {Header.AUTHORIZATION: f"Bearer {key}"}, Permission.SUBMIT, "grpc Submit", correlation
        )
        await VerificationClient(self._bus, key, name="grpc").submit(
            request.request, vid, correlation
        )
        return api.SubmitResponse(verification_id=vid, correlation_id=correlation)

    @_answered
    async def Get(self, request: api.GetRequest, context: Context) -> api.VerificationStatus:
        status = await self._client(context).status(request.verification_id)
        return convert.status_message(status)

    async def Watch(
        self, request: api.WatchRequest, context: Context
    ) -> AsyncIterator[api.WatchUpdate]:
        try:
            client = self._client(context)
            with _translated():
                if request.verification_id:
                    timeout_s = _remaining_s(context, _WATCH_DEFAULT_S)
                    updates = client.watch(request.verification_id, timeout_s)
                else:
                    updates = client.watch_all(context.time_remaining())
                async for update in updates:
                    yield convert.update_message(update)
        except _Refused as refused:
            await _abort(context, refused)

    @_answered
    async def List(self, request: api.ListRequest, context: Context) -> api.ListResponse:
        found = await self._client(context).list(convert.list_query(request))
        return convert.list_message(found)

    @_answered
    async def GetReport(self, request: api.GetReportRequest, context: Context) -> api.Report:
        query = convert.report_query(request)
        content = await self._client(context).report(
            query.verification_id, query.format, query.max_tokens
        )
        return api.Report(
            format=query.format, media_type=REPORT_MEDIA_TYPES[query.format], content=content
        )

    @_answered
    async def Review(self, request: api.ReviewRequest, context: Context) -> api.VerificationStatus:
        status = await self._client(context).review(
            request.verification_id, request.waive, request.reason
        )
        return convert.status_message(status)


class KeyApi(api_grpc.KeyServiceServicer):
    def __init__(self, bus: Bus) -> None:
        self._bus = bus

    async def _ask(self, context: Context, subject: ApiSubject, query: BaseModel) -> bytes:
        client = VerificationClient(self._bus, api_key(context), name="grpc")
        return await client.request(subject, query.model_dump_json().encode())

    @_answered
    async def Create(self, request: api.CreateKeyRequest, context: Context) -> api.CreatedKey:
        query = CreateKey(
            name=request.name, role=request.role, expires_in_s=request.expires_in_s or None
        )
        reply = await self._ask(context, ApiSubject.KEYS_CREATE, query)
        return convert.created_message(CreatedKey.model_validate_json(reply))

    @_answered
    async def List(self, request: api.ListKeysRequest, context: Context) -> api.ListKeysResponse:
        keys = KeyList.model_validate_json(await self._ask(context, ApiSubject.KEYS_LIST, _Empty()))
        return api.ListKeysResponse(keys=[convert.key_message(info) for info in keys.keys])

    @_answered
    async def Revoke(self, request: api.RevokeKeyRequest, context: Context) -> api.KeyInfo:
        reply = await self._ask(context, ApiSubject.KEYS_REVOKE, KeyId(id=request.id))
        return convert.key_message(KeyInfo.model_validate_json(reply))

    @_answered
    async def Rotate(self, request: api.RotateKeyRequest, context: Context) -> api.CreatedKey:
        query = RotateKey(id=request.id, grace_s=request.grace_s)
        reply = await self._ask(context, ApiSubject.KEYS_ROTATE, query)
        return convert.created_message(CreatedKey.model_validate_json(reply))


class _Empty(BaseModel):
    pass
