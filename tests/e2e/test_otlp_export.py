"""Spans really leave otv over OTLP/HTTP: a local receiver decodes what the services send."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from support import profiles_yaml, two_target_repository

from otv.bus import Bus
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.errors import UsageError
from otv.queries import Phase
from otv.settings import Settings
from otv.telemetry import Telemetry, otlp_exporter
from otv.v1 import events_pb2 as pb


class Receiver:
    """An OTLP/HTTP endpoint that keeps every span it is sent, by service name."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.spans: list[tuple[str, str, str]] = []  # (service, span name, trace id)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.paths.append(self.path)
                request = ExportTraceServiceRequest.FromString(body)
                for resource_spans in request.resource_spans:
                    attributes = {
                        a.key: a.value.string_value for a in resource_spans.resource.attributes
                    }
                    for scope in resource_spans.scope_spans:
                        for span in scope.spans:
                            receiver.spans.append(
                                (attributes["service.name"], span.name, span.trace_id.hex())
                            )
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", found.url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    try:
        yield found
    finally:
        found.server.shutdown()


async def test_a_verification_is_exported_as_one_trace_from_every_service(
    receiver: Receiver, settings: Settings, tmp_path: Path
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    request = pb.VerificationRequest(
        repository=str(repo.path),
        head="feature",
        targets=["main"],
        profile="default",
        profiles_document=profiles_yaml().encode(),
        profiles_document_name="p.yaml",
    )
    async with EmbeddedStack(settings, store_dir=tmp_path / "store") as stack:
        telemetry = Telemetry.for_service("cli")
        bus = await Bus.connect(stack.url, telemetry)
        try:
            done = await VerificationClient(bus, stack.admin_key).verify(request, "t1", "c", 60)
        finally:
            await bus.close()
            telemetry.shutdown()  # flushes the batch to the receiver
    assert done.phase is Phase.COMPLETED
    assert set(receiver.paths) == {"/v1/traces"}
    root = [trace for service, name, trace in receiver.spans if name == "otv verify"]
    assert len(root) == 1 and root[0]
    services = {service for service, _, trace in receiver.spans if trace == root[0]}
    assert services >= {"otv-cli", "otv-auth", "otv-collector", "otv-runner", "otv-reporter"}


def test_no_endpoint_exports_nothing_and_an_unknown_protocol_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert otlp_exporter({}) is None
    grpc = otlp_exporter(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        }
    )
    assert type(grpc).__module__.startswith("opentelemetry.exporter.otlp.proto.grpc")
    with pytest.raises(UsageError) as refused:
        otlp_exporter(
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"}
        )
    assert "http/protobuf or grpc" in refused.value.message


def test_otel_service_name_names_a_service_alone_in_its_process_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "ci-runner-7")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging")
    alone = Telemetry.for_service("runner", alone=True).provider.resource.attributes
    assert alone["service.name"] == "ci-runner-7"
    assert alone["deployment.environment"] == "staging"
    # In the embedded stack four services share the process: each keeps its own name.
    shared = Telemetry.for_service("runner").provider.resource.attributes
    assert shared["service.name"] == "otv-runner"
    assert shared["deployment.environment"] == "staging"
