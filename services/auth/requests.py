"""What auth checks in the shape of a verification request, before admitting it."""

from __future__ import annotations

from otv.v1 import events_pb2 as pb

MAX_TARGETS = 32


def request_problem(request: pb.VerificationRequest) -> str:
    """What is wrong with the shape of a request, or an empty string."""
    if not request.repository:
        return "no repository given"
    if len(request.targets) > MAX_TARGETS:
        return f"{len(request.targets)} target branches given; at most {MAX_TARGETS} are allowed"
    return ""
