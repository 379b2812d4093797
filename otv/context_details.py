"""Context details travel inline when small, else through the object store by digest."""

from __future__ import annotations

import hashlib

from otv.bus import Objects
from otv.errors import SystemFailure
from otv.v1 import events_pb2 as pb


async def keep(
    objects: Objects, verification_id: str, details: pb.ContextDetails, inline_max_bytes: int
) -> tuple[pb.ContextDetails | None, pb.ContextRef | None]:
    """``details`` to send inline, or the reference to where they were stored."""
    data = details.SerializeToString()
    if len(data) <= inline_max_bytes:
        return details, None
    digest = hashlib.sha256(data).hexdigest()
    name = f"{verification_id}/{digest[:16]}"
    await objects.put(name, data)
    return None, pb.ContextRef(object=name, sha256=digest, size=len(data))


async def fetch(objects: Objects, ref: pb.ContextRef) -> pb.ContextDetails:
    """The details ``ref`` points to, checked against its digest."""
    data = await objects.get(ref.object)
    if data is None:
        raise SystemFailure(f"context details {ref.object} are missing from the object store")
    if hashlib.sha256(data).hexdigest() != ref.sha256:
        raise SystemFailure(f"context details {ref.object} do not match their digest")
    return pb.ContextDetails.FromString(data)
