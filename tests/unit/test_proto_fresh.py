"""The committed protobuf code and stubs must be what `make proto` generates now."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from otv.v1 import events_pb2

ROOT = Path(__file__).parents[2]


def test_generated_code_matches_the_proto_files(tmp_path: Path) -> None:
    protos = sorted((ROOT / "proto").rglob("*.proto"))
    assert protos, "no .proto files found"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{ROOT / 'proto'}",
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            *map(str, protos),
        ],
        check=True,
    )
    services = [p for p in protos if re.search(r"^service ", p.read_text(), re.MULTILINE)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{ROOT / 'proto'}",
            f"--grpc_python_out={tmp_path}",
            *map(str, services),
        ],
        check=True,
    )
    assert services, "the gRPC API's proto is missing"
    for proto in services:
        relative = proto.relative_to(ROOT / "proto").with_suffix("")
        generated = (tmp_path / f"{relative}_pb2_grpc.py").read_text()
        committed = (ROOT / f"{relative}_pb2_grpc.py").read_text()
        assert generated == committed, f"{relative}_pb2_grpc.py is stale: run `make proto`"
    for proto in protos:
        relative = proto.relative_to(ROOT / "proto").with_suffix("")
        for suffix in ("_pb2.py", "_pb2.pyi"):
            generated = (tmp_path / f"{relative}{suffix}").read_text()
            committed = (ROOT / f"{relative}{suffix}").read_text()
            assert generated == committed, f"{relative}{suffix} is stale: run `make proto`"
    # And the module in use is the committed one, not a stray copy.
    assert Path(events_pb2.__file__).resolve() == (ROOT / "otv/v1/events_pb2.py").resolve()
