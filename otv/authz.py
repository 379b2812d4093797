"""Asking auth whether a request may do something, with a short-lived cache.

Every API endpoint outside auth calls ``Authorizer.require`` with the request's
headers. A decision to allow is reused for a few seconds, never past the
key's expiry, and dropped at once when auth announces that the key changed
(revoked, rotated) — or on a reconnection, when an announcement may have been
missed. Refusals are never cached: each goes to auth, which counts and
throttles them.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from otv.auth_messages import AuthorizeAnswer, AuthorizeQuery, Principal
from otv.bus import Bus
from otv.bus.subjects import KEYS_CHANGED, ApiSubject, Header
from otv.permissions import Permission

log = logging.getLogger(__name__)

DEFAULT_TTL_S = 10.0
_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    until: float


class Authorizer:
    def __init__(
        self,
        bus: Bus,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bus = bus
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[str, _Entry] = {}

    async def start(self) -> None:
        await self._bus.listen(
            KEYS_CHANGED, lambda data: self.forget(data.decode(errors="replace"))
        )
        self._bus.on_reconnect(self._cache.clear)

    def forget(self, key_id: str) -> None:
        """Drop every cached decision for ``key_id``."""
        stale = [k for k, entry in self._cache.items() if entry.principal.key_id == key_id]
        for cache_key in stale:
            del self._cache[cache_key]
        if stale:
            log.info("dropped %d cached decisions for key %s", len(stale), key_id)

    async def require(
        self,
        headers: Mapping[str, str],
        permission: Permission,
        subject: str,
        correlation_id: str = "",
    ) -> Principal:
        """The key in ``headers`` if it may ``permission``; ``ApiError`` 401/403/429 if not."""
        authorization = headers.get(Header.AUTHORIZATION, "")
        cache_key = hashlib.sha256(f"{permission}\0{authorization}".encode()).hexdigest()
        now = self._clock()
        entry = self._cache.get(cache_key)
        if entry is not None and entry.until > now:
            return entry.principal
        query = AuthorizeQuery(
            permission=permission, subject=subject, correlation_id=correlation_id
        )
        reply = await self._bus.request(
            ApiSubject.AUTHORIZE,
            query.model_dump_json().encode(),
            headers={Header.AUTHORIZATION: authorization} if authorization else None,
        )
        answer = AuthorizeAnswer.model_validate_json(reply)
        if len(self._cache) >= _MAX_ENTRIES:
            self._cache.clear()
        valid_for = min(self._ttl_s, answer.valid_for_s)
        self._cache[cache_key] = _Entry(answer.principal, now + valid_for)
        return answer.principal
