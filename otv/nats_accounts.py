"""NATS users and their subject permissions: who may publish and hear what.

One user per service and one for clients. A client may only publish
``verification.requested`` events and ``otv.v1.api.>`` requests, and hear how
verifications end; only auth may publish ``authorized`` and ``rejected``.
Each service may use only its own consumers, buckets and streams, and has an
inbox prefix of its own, so nobody else can hear what is delivered to it.

``render`` writes the ``nats-server`` configuration the embedded stack and the
local cluster run with; ``otv.deployment`` puts the same table in the Helm
values of a Kubernetes deployment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from otv.bus.audit_stream import AUDIT_STREAM
from otv.bus.subjects import (
    CONTEXT_CACHE_BUCKET,
    CONTEXT_OBJECTS_BUCKET,
    EVENTS_STREAM,
    KEYS_CHANGED,
    REPORTS_BUCKET,
    VERIFICATION_INDEX_BUCKET,
    VERIFICATIONS_BUCKET,
    ApiSubject,
    Subject,
)

ACCOUNT: Final = "OTV"
CLIENT: Final = "client"
# For people operating otv (inspection, backups): no restriction.
OPERATOR: Final = "operator"
SERVICES: Final = ("auth", "collector", "runner", "reporter")
PASSWORD_USERS: Final = (*SERVICES, OPERATOR)
KEYS_BUCKET: Final = "otv_keys"
SCENARIO_CACHE_BUCKET: Final = "otv_scenario_cache"
WEBHOOK_DELIVERIES_BUCKET: Final = "otv_webhook_deliveries"

# The durable consumers each service reads the event stream with.
DURABLES: Final[dict[str, tuple[str, ...]]] = {
    "auth": ("auth-requests",),
    "collector": ("collector-authorized",),
    "runner": ("runner-contexts", "runner-jobs"),
    "reporter": ("reporter-events", "reporter-publishing"),
}


def inbox_prefix(user: str) -> str:
    """Where replies to ``user`` are delivered: its own, for services."""
    return "_INBOX" if user == CLIENT else f"_INBOX_{user}"


@dataclass(frozen=True)
class Permissions:
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


def _stream(name: str) -> list[str]:
    """Manage and read a stream of one's own."""
    return [
        f"$JS.API.STREAM.*.{name}",
        f"$JS.API.STREAM.*.*.{name}",
        f"$JS.API.DIRECT.GET.{name}",
        f"$JS.API.DIRECT.GET.{name}.>",
        f"$JS.API.CONSUMER.*.{name}",
        f"$JS.API.CONSUMER.*.{name}.>",
        f"$JS.API.CONSUMER.*.*.{name}.>",
        f"$JS.FC.{name}.>",
    ]


def _durable(name: str) -> list[str]:
    """Create, read and acknowledge one durable consumer of the event stream."""
    return [
        f"$JS.API.CONSUMER.*.{EVENTS_STREAM}.{name}",
        f"$JS.API.CONSUMER.*.*.{EVENTS_STREAM}.{name}",
        f"$JS.ACK.{EVENTS_STREAM}.{name}.>",
    ]


_EVENT_STREAM_SETUP = [
    "$JS.API.INFO",
    "$JS.API.STREAM.NAMES",
    f"$JS.API.STREAM.CREATE.{EVENTS_STREAM}",
    f"$JS.API.STREAM.UPDATE.{EVENTS_STREAM}",
    f"$JS.API.STREAM.INFO.{EVENTS_STREAM}",
]

_PUBLISHES: Final[dict[str, list[str]]] = {
    "auth": [
        Subject.VERIFICATION_AUTHORIZED,
        Subject.VERIFICATION_REJECTED,
        f"$JS.API.STREAM.MSG.DELETE.{EVENTS_STREAM}",  # erasing requested events
        *_stream(f"KV_{KEYS_BUCKET}"),
        f"$KV.{KEYS_BUCKET}.>",
        *_stream(AUDIT_STREAM),
        "otv.v1.audit.>",
        KEYS_CHANGED,
        # The gRPC API and the webhooks at the edge: requests and API calls on behalf
        # of their callers, and the webhook deliveries already received.
        Subject.VERIFICATION_REQUESTED,
        "otv.v1.api.>",
        *_stream(f"KV_{WEBHOOK_DELIVERIES_BUCKET}"),
        f"$KV.{WEBHOOK_DELIVERIES_BUCKET}.>",
    ],
    "collector": [
        Subject.CONTEXT_COLLECTING,
        Subject.CONTEXT_COLLECTED,
        *_stream(f"KV_{CONTEXT_CACHE_BUCKET}"),
        f"$KV.{CONTEXT_CACHE_BUCKET}.>",
        *_stream(f"OBJ_{CONTEXT_OBJECTS_BUCKET}"),
        f"$O.{CONTEXT_OBJECTS_BUCKET}.>",
    ],
    "runner": [
        Subject.TARGET_JOB,
        Subject.SCENARIO_FINISHED,
        Subject.TARGET_FINISHED,
        *_stream(f"OBJ_{CONTEXT_OBJECTS_BUCKET}"),  # to read context details
        *_stream(f"KV_{SCENARIO_CACHE_BUCKET}"),
        f"$KV.{SCENARIO_CACHE_BUCKET}.>",
    ],
    "reporter": [
        Subject.VERIFICATION_COMPLETED,
        Subject.VERIFICATION_REVIEWED,  # on behalf of a reviewer the review API authorized
        Subject.VERIFICATION_PUBLISHED,
        *_stream(f"KV_{VERIFICATIONS_BUCKET}"),
        f"$KV.{VERIFICATIONS_BUCKET}.>",
        *_stream(f"KV_{VERIFICATION_INDEX_BUCKET}"),
        f"$KV.{VERIFICATION_INDEX_BUCKET}.>",
        f"{inbox_prefix(CLIENT)}.>",  # a watch's progress, to the inbox the client named
        f"{inbox_prefix('auth')}.>",  # ... and to the gRPC edge, watching for its callers
        *_stream(f"OBJ_{REPORTS_BUCKET}"),
        f"$O.{REPORTS_BUCKET}.>",
        *_stream(f"OBJ_{CONTEXT_OBJECTS_BUCKET}"),  # to read context details
        ApiSubject.AUTHORIZE,
    ],
}

_SERVES: Final[dict[str, list[str]]] = {
    "auth": [
        ApiSubject.AUTHORIZE,
        "otv.v1.api.keys.>",
        "otv.v1.api.audit.>",
        KEYS_CHANGED,  # the gRPC edge caches decisions too
        "$SRV.>",
    ],
    "reporter": [
        ApiSubject.STATUS,
        ApiSubject.REPORT,
        ApiSubject.LIST,
        ApiSubject.WATCH,
        ApiSubject.REVIEW,
        KEYS_CHANGED,
        "$SRV.>",
    ],
}


def permissions(user: str) -> Permissions:
    if user == CLIENT:
        return Permissions(
            publish=(str(Subject.VERIFICATION_REQUESTED), "otv.v1.api.>"),
            subscribe=(
                f"{inbox_prefix(CLIENT)}.>",
                str(Subject.VERIFICATION_COMPLETED),
                str(Subject.VERIFICATION_ERRORED),
                str(Subject.VERIFICATION_REJECTED),
            ),
        )
    publish = [
        *_EVENT_STREAM_SETUP,
        *(subject for durable in DURABLES[user] for subject in _durable(durable)),
        Subject.VERIFICATION_ERRORED,  # any stage may end a verification it cannot carry
        *_PUBLISHES[user],
    ]
    subscribe = [f"{inbox_prefix(user)}.>", *_SERVES.get(user, [])]
    return Permissions(tuple(map(str, publish)), tuple(map(str, subscribe)))


def configuration(passwords: Mapping[str, str]) -> dict[str, object]:
    """The accounts part of a nats-server configuration: a user per service, an
    operator, and an anonymous client. ``passwords`` by user (values or references
    such as ``$VARIABLE`` that nats-server resolves)."""
    users: list[dict[str, object]] = [{"user": OPERATOR, "password": passwords[OPERATOR]}]
    for user in (*SERVICES, CLIENT):
        granted = permissions(user)
        entry: dict[str, object] = {
            "user": user,
            "permissions": {
                "publish": {"allow": list(granted.publish)},
                "subscribe": {"allow": list(granted.subscribe)},
                # Answering a request needs no publish permission of its own.
                "allow_responses": True,
            },
        }
        if user != CLIENT:
            entry["password"] = passwords[user]
        users.append(entry)
    return {
        "accounts": {ACCOUNT: {"jetstream": "enabled", "users": users}},
        # Connections without credentials are clients, with a client's permissions.
        "no_auth_user": CLIENT,
    }


def render(passwords: Mapping[str, str]) -> str:
    """A nats-server configuration file (NATS configuration accepts JSON)."""
    return json.dumps(configuration(passwords), indent=2) + "\n"
