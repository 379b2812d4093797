"""auth: the edge. Admits or rejects each requested verification, and answers who may do what.

A ``requested`` event carries the client's key in its Authorization header.
auth checks the key and its role, then publishes ``authorized`` (the request
without any credential, plus who made it) or ``rejected`` with the reason —
and erases the ``requested`` event from the stream, so the stored log never
keeps a credential. Every decision goes to the audit trail.
"""

from __future__ import annotations

import logging
from pathlib import Path

from otv import nats_accounts
from otv.bus import Bus, ConsumerSpec, Delivery
from otv.bus.events import follow
from otv.bus.subjects import KEYS_CHANGED, Header, Subject, event_id
from otv.environment import sanitize
from otv.errors import UsageError
from otv.keys import MalformedKey, parse_key, read_pepper
from otv.metrics import auth_decisions
from otv.permissions import Permission
from otv.repositories import RepositoriesFile
from otv.runtime import BackgroundTask, Worker
from otv.settings import Settings
from otv.v1 import events_pb2 as pb
from services.auth.audit import AuditTrail
from services.auth.authenticate import Authenticator, Denied
from services.auth.config import ConfiguredKey, load_auth_config
from services.auth.endpoints import AuthEndpoints
from services.auth.gate import Gate
from services.auth.grpc_server import GrpcServer
from services.auth.key_admin import KeyAdmin
from services.auth.requests import request_problem
from services.auth.store import KEYS_BUCKET, KeyStore
from services.auth.throttle import Throttle
from services.auth.webhook_server import DELIVERY_TTL_S, WebhookServer, webhook_counter

log = logging.getLogger(__name__)

REQUESTS = ConsumerSpec(
    durable="auth-requests",
    filter_subjects=(Subject.VERIFICATION_REQUESTED,),
    description="auth: admit or reject requested verifications",
)


class AuthService:
    name = "auth"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pepper = read_pepper(
            settings.pepper.get_secret_value() if settings.pepper else None, settings.pepper_file
        )
        self._configured: list[ConfiguredKey] = (
            load_auth_config(settings.auth_config) if settings.auth_config else []
        )
        self._bootstrap = _bootstrap_key(settings)
        self._throttle = Throttle()
        # The gRPC API, when OTV_GRPC_PORT asks for it; its address once it listens.
        self.grpc: GrpcServer | None = None
        self.webhooks: WebhookServer | None = None
        self._gate: Gate | None = None

    async def start(self, bus: Bus) -> list[Worker]:
        replicas = self._settings.stream_replicas
        store = KeyStore(await bus.records(KEYS_BUCKET, replicas))
        await store.load()
        audit_stream = bus.audit_stream()
        await audit_stream.ensure(replicas)
        audit = AuditTrail(audit_stream, self.name)
        admin = KeyAdmin(store, self._pepper)
        for key_id in await admin.seed(self._configured, self._bootstrap):
            await bus.broadcast(KEYS_CHANGED, key_id.encode())
        if not store.all():
            log.warning("no API keys are configured: every request will be refused")
        gate = Gate(
            Authenticator(store, self._pepper, self._throttle),
            audit,
            auth_decisions(bus.telemetry.metrics.registry),
        )
        self._gate = gate
        endpoints = AuthEndpoints(bus, gate, admin, audit_stream, self._throttle.delay_s)
        await bus.serve("otv auth: authorization, API keys, audit", endpoints.all())
        await bus.ensure_consumer(REQUESTS)

        async def admit(delivery: Delivery) -> None:
            requested = delivery.event_as(pb.VerificationRequested)
            await bus.producer.publish(
                self.decide(requested, delivery.headers.get(Header.AUTHORIZATION))
            )
            await bus.erase_event(delivery.stream_sequence)

        workers: list[Worker] = [
            bus.consumer(REQUESTS, admit, concurrency=16),
            BackgroundTask(audit.run),
            BackgroundTask(store.follow),
            BackgroundTask(store.keep_usage),
        ]
        settings = self._settings
        if settings.grpc_port is not None:
            tls = None
            if settings.grpc_tls_cert_file and settings.grpc_tls_key_file:
                tls = (settings.grpc_tls_cert_file, settings.grpc_tls_key_file)
            self.grpc = GrpcServer(bus, settings.grpc_host, settings.grpc_port, tls)
            workers.append(self.grpc)
        if settings.webhook_port is not None:
            deliveries = await bus.records(
                nats_accounts.WEBHOOK_DELIVERIES_BUCKET, replicas, DELIVERY_TTL_S
            )
            self.webhooks = WebhookServer(
                bus,
                deliveries,
                RepositoriesFile.load(settings.repositories_file),
                settings.webhook_api_key_file,
                settings.webhook_host,
                settings.webhook_port,
                webhook_counter(bus.telemetry.metrics.registry),
            )
            workers.append(self.webhooks)
        return workers

    def decide(
        self, requested: pb.VerificationRequested, authorization: str | None
    ) -> pb.VerificationAuthorized | pb.VerificationRejected:
        assert self._gate is not None, "decide() before start()"
        vid = requested.meta.verification_id

        def reject(code: str, reason: str) -> pb.VerificationRejected:
            request = pb.VerificationRequest()
            request.CopyFrom(requested.request)
            request.ClearField("environment")  # not needed to say why it was refused
            return pb.VerificationRejected(
                meta=follow(requested.meta, event_id(vid, "rejected"), self.name),
                request=request,
                code=code,
                reason=reason,
            )

        try:
            decision = self._gate.check(
                authorization,
                Permission.SUBMIT,
                Subject.VERIFICATION_REQUESTED,
                requested.meta.correlation_id,
            )
        except Denied as denied:
            return reject(denied.code, denied.reason)
        if problem := request_problem(requested.request):
            return reject("400", problem)
        principal = decision.principal
        request = pb.VerificationRequest()
        request.CopyFrom(requested.request)
        # Whatever the client sent, nothing secret-looking goes on into the log.
        request.environment.CopyFrom(sanitize(requested.request.environment))
        return pb.VerificationAuthorized(
            meta=follow(requested.meta, event_id(vid, "authorized"), self.name),
            request=request,
            principal=pb.Principal(
                key_id=principal.key_id, key_name=principal.key_name, role=principal.role
            ),
        )


def _bootstrap_key(settings: Settings) -> str | None:
    if settings.bootstrap_admin_key is not None:
        key = settings.bootstrap_admin_key.get_secret_value()
        source = "OTV_BOOTSTRAP_ADMIN_KEY"
    elif settings.bootstrap_admin_key_file is not None:
        key = _read_secret(settings.bootstrap_admin_key_file)
        source = str(settings.bootstrap_admin_key_file)
    else:
        return None
    try:
        return parse_key(key).text
    except MalformedKey as exc:
        raise UsageError(f"the bootstrap admin key from {source} is not usable: {exc}") from None


def _read_secret(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
