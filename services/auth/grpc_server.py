"""The gRPC server at the edge: otv's API, the standard health service, reflection.

It runs inside the auth service as one of its workers. OpenTelemetry's
interceptor continues the caller's trace (from ``traceparent`` metadata), so
a verification submitted over gRPC is still one trace. With
``OTV_GRPC_TLS_CERT_FILE`` and ``OTV_GRPC_TLS_KEY_FILE`` it serves TLS;
without, plain text — for loopback, or behind a mesh that terminates TLS.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import aio_server_interceptor

from otv.authz import Authorizer
from otv.bus import Bus
from otv.errors import SystemFailure
from otv.v1 import api_pb2, api_pb2_grpc
from services.auth.grpc_api import KeyApi, VerificationApi

log = logging.getLogger(__name__)

# A profiles document travels in Submit; reports (HTML above all) in GetReport.
MAX_RECEIVE_BYTES = 4 * 1024 * 1024
MAX_SEND_BYTES = 16 * 1024 * 1024
_GRACE_S = 5.0
SERVICE_NAMES = tuple(
    api_pb2.DESCRIPTOR.services_by_name[name].full_name
    for name in ("VerificationService", "KeyService")
)


class GrpcServer:
    """A worker: serves until the service stops, then lets calls finish for a moment."""

    def __init__(
        self,
        bus: Bus,
        host: str,
        port: int,
        tls_files: tuple[Path, Path] | None = None,
        listening: Callable[[str], None] | None = None,
    ) -> None:
        self._bus = bus
        self._host = host
        self._port = port
        self._tls_files = tls_files
        self._listening = listening
        self.ready = asyncio.Event()
        self.address = ""

    async def run(self, stop: asyncio.Event) -> None:
        server = grpc.aio.server(
            interceptors=[
                aio_server_interceptor(  # type: ignore[no-untyped-call]
                    tracer_provider=self._bus.telemetry.provider
                )
            ],
            options=[
                ("grpc.max_receive_message_length", MAX_RECEIVE_BYTES),
                ("grpc.max_send_message_length", MAX_SEND_BYTES),
            ],
        )
        authorizer = Authorizer(self._bus)
        await authorizer.start()
        # The generated registration functions carry no annotations.
        api_pb2_grpc.add_VerificationServiceServicer_to_server(  # type: ignore[no-untyped-call]
            VerificationApi(self._bus, authorizer), server
        )
        api_pb2_grpc.add_KeyServiceServicer_to_server(  # type: ignore[no-untyped-call]
            KeyApi(self._bus), server
        )
        checks = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(checks, server)
        reflection.enable_server_reflection(
            (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
        port = self._bind(server)
        await server.start()
        for name in ("", *SERVICE_NAMES):
            await checks.set(name, health_pb2.HealthCheckResponse.SERVING)
        self.address = f"{self._host}:{port}"
        log.info("gRPC API on %s (%s)", self.address, "TLS" if self._tls_files else "plain text")
        if self._listening is not None:
            self._listening(self.address)
        self.ready.set()
        try:
            await stop.wait()
        finally:
            await checks.enter_graceful_shutdown()
            await server.stop(_GRACE_S)

    def _bind(self, server: grpc.aio.Server) -> int:
        address = f"{self._host}:{self._port}"
        try:
            if self._tls_files is None:
                port = server.add_insecure_port(address)
            else:
                cert, key = (path.read_bytes() for path in self._tls_files)
                credentials = grpc.ssl_server_credentials([(key, cert)])
                port = server.add_secure_port(address, credentials)
        except (RuntimeError, OSError) as exc:
            raise SystemFailure(
                f"cannot serve gRPC on {address} ({exc}); choose another with OTV_GRPC_PORT"
            ) from None
        if port == 0:
            raise SystemFailure(f"cannot serve gRPC on {address}: is the port in use?")
        return port
