"""Tracing for one service: its tracer provider and the context carried in headers.

Each service gets its own provider (not the global one), so services sharing a
process — the embedded stack — still report their own ``service.name``
(``otv-auth``...). A process running one service (``otv serve``, the command
line) takes ``OTEL_SERVICE_NAME`` instead when it is set; ``OTEL_RESOURCE_ATTRIBUTES``
is always added. The trace context travels through the global propagator, which
honours ``OTEL_PROPAGATORS``. The service's Prometheus metrics ride along.

Spans are exported with OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, over HTTP (``http/protobuf``,
the default) or gRPC (``OTEL_EXPORTER_OTLP_PROTOCOL=grpc``); the exporters
read the other standard ``OTEL_EXPORTER_OTLP_*`` variables themselves. With no
endpoint, nothing is exported.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind

from otv import __version__
from otv.errors import UsageError
from otv.metrics import ServiceMetrics


@dataclass(frozen=True)
class Telemetry:
    service: str
    provider: TracerProvider
    metrics: ServiceMetrics

    @classmethod
    def for_service(
        cls,
        service: str,
        processors: tuple[SpanProcessor, ...] = (),
        alone: bool = False,
    ) -> Telemetry:
        """Tracing and metrics for ``service``; ``alone``: the only one in this process,
        so ``OTEL_SERVICE_NAME`` names it."""
        attributes = {"service.version": __version__, "otv.service": service}
        if not (alone and os.environ.get("OTEL_SERVICE_NAME")):
            attributes["service.name"] = f"otv-{service}"
        provider = TracerProvider(resource=Resource.create(attributes))
        for processor in processors:
            provider.add_span_processor(processor)
        if (exporter := otlp_exporter(os.environ)) is not None:
            provider.add_span_processor(BatchSpanProcessor(exporter))
        return cls(service=service, provider=provider, metrics=ServiceMetrics(service))

    @property
    def tracer(self) -> trace.Tracer:
        return self.provider.get_tracer("otv", __version__)

    def shutdown(self) -> None:
        self.provider.shutdown()


def otlp_exporter(env: Mapping[str, str]) -> SpanExporter | None:
    """The OTLP span exporter the standard variables ask for; None when they name no endpoint."""
    if not (
        env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    ):
        return None
    protocol = (
        env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    )
    # Imported only when asked for: the exporters (gRPC's above all) are slow to import.
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter as GrpcSpanExporter,
        )

        return GrpcSpanExporter()
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter as HttpSpanExporter,
        )

        return HttpSpanExporter()
    raise UsageError(
        f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r} is not supported (use http/protobuf or grpc)"
    )


def with_trace_context(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with the current trace context added (``traceparent``...)."""
    carrier = dict(headers)
    propagate.inject(carrier)
    return carrier


@contextlib.contextmanager
def continued_span(
    tracer: trace.Tracer,
    name: str,
    headers: Mapping[str, str],
    kind: SpanKind,
    attributes: Mapping[str, str | int],
) -> Iterator[Span]:
    """A span whose parent is the trace context found in ``headers``."""
    parent = propagate.extract(dict(headers))
    token = otel_context.attach(parent)
    try:
        with tracer.start_as_current_span(name, kind=kind, attributes=dict(attributes)) as span:
            yield span
    finally:
        otel_context.detach(token)
