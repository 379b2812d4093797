"""A canary key, used for everything a key is used for, is found nowhere afterwards."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from support import everything_stored, profiles_yaml, two_target_repository

from otv import logs
from otv.auth_messages import CreatedKey, CreateKey, KeyId
from otv.bus import Bus
from otv.bus.api import ApiError
from otv.bus.subjects import ApiSubject
from otv.cli import main
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb


async def test_a_canary_key_leaves_no_trace(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = io.StringIO()
    logs.configure("DEBUG", "json", log)
    repo = two_target_repository(tmp_path / "repo")
    async with EmbeddedStack(settings, store_dir=tmp_path / "store") as stack:
        bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
        try:
            admin = VerificationClient(bus, stack.admin_key)
            query = CreateKey(name="canary", role="run").model_dump_json().encode()
            created = CreatedKey.model_validate_json(
                await admin.request(ApiSubject.KEYS_CREATE, query)
            )
            canary = created.key
            client = VerificationClient(bus, canary)
            request = pb.VerificationRequest(
                repository=str(repo.path),
                head="feature",
                targets=["main", "release/1.0"],
                profile="default",
                profiles_document=profiles_yaml().encode(),
                profiles_document_name="p.yaml",
            )
            await client.verify(request, "canary1", "canary1", timeout_s=60)
            await client.status("canary1")
            await client.report("canary1", "markdown")
            refusals = []
            for call in (
                lambda: client.request(ApiSubject.KEYS_LIST, b"{}"),  # role too low
                lambda: VerificationClient(bus, canary[:-1] + "x").status("canary1"),  # mistyped
                lambda: VerificationClient(bus, canary + "x").status("canary1"),  # too long
            ):
                with pytest.raises(ApiError) as caught:
                    await call()
                refusals.append(caught.value.message)
            await admin.request(
                ApiSubject.KEYS_REVOKE, KeyId(id=created.info.id).model_dump_json().encode()
            )
            await asyncio.sleep(0.2)
            with pytest.raises(ApiError) as caught:
                await client.status("canary1")
            refusals.append(caught.value.message)
            rejected = await client.verify(request, "canary2", "canary2", timeout_s=60)
            refusals.append(rejected.reason)
            # And through the command line.
            for argv in (
                ["status", "canary1", "--server", stack.url, "--api-key", canary],
                ["keys", "list", "--server", stack.url, "--api-key", canary],
                [
                    "verify",
                    str(repo.path),
                    "-t",
                    "main",
                    "--server",
                    stack.url,
                    "--api-key",
                    canary,
                ],
            ):
                assert await asyncio.to_thread(main, argv) == 2
        finally:
            await bus.close()
        await asyncio.sleep(0.5)  # let the audit trail and the reporter catch up
        stored = await everything_stored(stack.operator_url)
        files = [
            p.read_bytes()
            for p in stack.store.rglob("*")
            if p.is_file() and "jetstream" not in p.parts
        ]
    printed = capsys.readouterr()
    secret = canary[13:]  # the part after the id
    places = {
        "log": log.getvalue(),
        "refusals": "\n".join(refusals),
        "stdout": printed.out,
        "stderr": printed.err,
        "stored": b"\n".join(stored).decode(errors="replace"),
        "store files": b"\n".join(files).decode(errors="replace"),
    }
    for place, text in places.items():
        assert secret not in text, place
    # The checks did look where the key was used: the key's id is there.
    assert created.info.id in places["stored"]
    assert created.info.id in places["log"]
    assert "revoked API key" in places["refusals"]
    assert len(stored) > 20
