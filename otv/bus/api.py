"""Request/reply endpoints (served with ``nats.micro``) and the client side of them.

An endpoint handler takes the request body and returns the reply body. It
raises ``ApiError`` to answer with an error code; any other failure answers
``500`` with a generic message (the details go to the log, never to the caller).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.micro import add_service
from nats.micro.request import Request
from nats.micro.service import EndpointConfig, Service, ServiceConfig

from otv.errors import OtvError, SystemFailure, UsageError
from otv.telemetry import Telemetry

log = logging.getLogger(__name__)

ERROR_HEADER = "Nats-Service-Error"
ERROR_CODE_HEADER = "Nats-Service-Error-Code"


class ApiError(OtvError):
    """An error reply: an HTTP-style code and a message for the caller."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        # 4xx are the caller's to fix; 5xx are ours.
        self.exit_code = UsageError.exit_code if code.startswith("4") else SystemFailure.exit_code


@dataclass(frozen=True)
class ApiRequest:
    data: bytes
    headers: Mapping[str, str]


EndpointHandler = Callable[[ApiRequest], Awaitable[bytes]]


@dataclass(frozen=True)
class Endpoint:
    name: str
    subject: str
    handler: EndpointHandler


def _guarded(telemetry: Telemetry, endpoint: Endpoint) -> Callable[[Request], Awaitable[None]]:
    service = f"otv-{telemetry.service}"
    metrics = telemetry.metrics
    duration = metrics.api_duration.labels(telemetry.service, endpoint.name)

    async def handle(request: Request) -> None:
        started = time.perf_counter()
        code = "200"
        try:
            reply = await endpoint.handler(ApiRequest(request.data, dict(request.headers or {})))
        except ApiError as exc:
            code = exc.code
            await request.respond_error(exc.code, exc.message)
        except UsageError as exc:
            code = "400"
            await request.respond_error(code, exc.message)
        except OtvError as exc:
            code = "503"
            await request.respond_error(code, exc.message)
        except Exception:
            code = "500"
            log.exception("%s: %s failed", service, endpoint.subject)
            await request.respond_error(code, f"internal error in {service}; see its log")
        else:
            await request.respond(reply)
        finally:
            duration.observe(time.perf_counter() - started)
            metrics.api_requests.labels(telemetry.service, endpoint.name, code).inc()

    return handle


async def serve(
    nc: Client, telemetry: Telemetry, version: str, description: str, endpoints: list[Endpoint]
) -> Service:
    """Serve ``endpoints`` in the queue group of the service (any replica answers)."""
    service = await add_service(
        nc,
        ServiceConfig(name=f"otv-{telemetry.service}", version=version, description=description),
    )
    for endpoint in endpoints:
        await service.add_endpoint(
            EndpointConfig(
                name=endpoint.name, subject=endpoint.subject, handler=_guarded(telemetry, endpoint)
            )
        )
    return service


async def request(
    nc: Client,
    subject: str,
    data: bytes,
    headers: Mapping[str, str] | None = None,
    timeout_s: float = 5.0,
) -> bytes:
    """Send a request and return the reply body, or raise ``ApiError`` / ``SystemFailure``."""
    try:
        reply = await nc.request(subject, data, timeout=timeout_s, headers=dict(headers or {}))
    except NoRespondersError:
        raise SystemFailure(f"no otv service answers {subject}: is otv running?") from None
    except NatsTimeoutError:
        raise SystemFailure(f"{subject} did not answer within {timeout_s:g} s") from None
    reply_headers = reply.headers or {}
    if ERROR_CODE_HEADER in reply_headers:
        raise ApiError(reply_headers[ERROR_CODE_HEADER], reply_headers.get(ERROR_HEADER, ""))
    return reply.data
