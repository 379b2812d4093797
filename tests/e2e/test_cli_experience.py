"""The command line as people meet it: live progress on a terminal and plain lines in a
pipe, `otv doctor` naming each fault, and help with an example for every command."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import click
import pexpect
import pytest
from support import GitRepo, profiles_yaml, two_target_repository

from otv.auth_messages import CreatedKey, CreateKey, KeyId
from otv.bus import Bus
from otv.bus.subjects import ApiSubject
from otv.cli import cli, main
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.keys import new_key, parse_key
from otv.settings import Settings
from otv.telemetry import Telemetry

SLOW_CHECK = ["sh", "-c", "sleep 1; grep -q feature app.txt"]


def verify_args(repo: GitRepo, profiles: Path) -> list[str]:
    return [
        "-m", "otv", "verify", str(repo.path), "--head", "feature",
        "--target", "main", "--target", "release/1.0", "--profiles", str(profiles),
    ]  # fmt: skip


@pytest.fixture
def repo_and_profiles(tmp_path: Path) -> tuple[GitRepo, Path]:
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(profiles_yaml(run=SLOW_CHECK))
    return repo, profiles


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("NO_COLOR", "FORCE_COLOR", "OTV_SERVER", "OTV_API_KEY")
    }
    return {**env, "OTV_CACHE_DIR": str(tmp_path / "cache"), "TERM": "xterm-256color", **extra}


def on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    child = pexpect.spawn(
        sys.executable, args, env=env, dimensions=(40, 140), encoding="utf-8", timeout=90
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before)


def test_a_terminal_sees_live_progress_and_a_pipe_plain_lines(
    repo_and_profiles: tuple[GitRepo, Path], tmp_path: Path
) -> None:
    repo, profiles = repo_and_profiles
    live = on_a_terminal(verify_args(repo, profiles), clean_env(tmp_path))
    # The table of targets is drawn, then redrawn in place (cursor up, erase line),
    # with each target's elapsed time; each result scrolls above it.
    assert "scenarios done" in live and "elapsed" in live
    assert "\x1b[1A\x1b[2K" in live
    assert re.search(r"main +running +\d +\d+\.\ds", live)  # main's check takes a second
    assert "main · check:" in live
    assert "verdict" not in live or "warned" in live
    piped = subprocess.run(
        [sys.executable, *verify_args(repo, profiles)],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    for stream in (piped.stdout, piped.stderr):
        assert "\x1b[" not in stream  # no colours, no cursor movement
    lines = piped.stderr.splitlines()
    assert "scenarios done" not in piped.stderr
    # Which phases show depends on timing (a loaded machine may see only the end); that
    # phase and count come as plain lines does not.
    phase_line = r"^\[ *\d+\.\ds\] (requested|authorized|collecting|running|completed) · \d/2 targets finished$"
    assert any(re.search(phase_line, line) for line in lines), lines
    assert "  main · check: ✓ passed" in piped.stderr
    assert "release/1.0 · mergeable: ✗ failed" in piped.stderr
    # stdout keeps the outcome only.
    assert piped.stdout.startswith("otv verification ")


def test_no_color_on_a_terminal_gets_plain_lines(
    repo_and_profiles: tuple[GitRepo, Path], tmp_path: Path
) -> None:
    repo, profiles = repo_and_profiles
    plain = on_a_terminal(verify_args(repo, profiles), clean_env(tmp_path, NO_COLOR="1"))
    assert "scenarios done" not in plain
    assert "\x1b[1A" not in plain
    assert re.search(r"\] \w+ · \d/2 targets finished", plain), plain


@pytest.fixture
async def stack(settings: Settings, tmp_path: Path) -> AsyncIterator[EmbeddedStack]:
    async with EmbeddedStack(settings, store_dir=tmp_path / "store") as stack:
        yield stack


async def doctor(tmp_path: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "otv",
        "doctor",
        *args,
        env={**clean_env(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "no-config")},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def new_key_with(stack: EmbeddedStack, role: str) -> str:
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    try:
        admin = VerificationClient(bus, stack.admin_key)
        query = CreateKey(name=f"{role}-key", role=role).model_dump_json().encode()
        return CreatedKey.model_validate_json(
            await admin.request(ApiSubject.KEYS_CREATE, query)
        ).key
    finally:
        await bus.close()


async def test_doctor_names_each_fault_and_what_to_do(stack: EmbeddedStack, tmp_path: Path) -> None:
    key_file = tmp_path / "admin.key"
    key_file.write_text(stack.admin_key + "\n")
    key_file.chmod(0o600)
    code, out = await doctor(tmp_path, "--server", stack.url, "--api-key-file", str(key_file))
    assert code == 0, out
    assert "✓ server" in out and f"from {key_file}" in out and "may run verifications" in out
    assert stack.admin_key not in out

    code, out = await doctor(tmp_path, "--server", "nats://127.0.0.1:1", "--api-key", "x")
    assert code == 1
    assert "✗ server        cannot reach nats://127.0.0.1:1 (from --server)" in out
    assert "fix: start one with `otv up`" in out

    code, out = await doctor(tmp_path, "--server", stack.url, "--api-key", new_key())
    assert code == 1 and "✗ key           unknown API key" in out
    assert "fix: check the key" in out

    reader = await new_key_with(stack, "read")
    code, out = await doctor(tmp_path, "--server", stack.url, "--api-key", reader)
    assert code == 1
    assert "✓ key" in out
    assert "✗ role          read: may look at verifications but not run them" in out
    assert "fix: ask an admin for a key with the run role" in out

    runner = await new_key_with(stack, "run")
    bus = await Bus.connect(stack.url, Telemetry.for_service("cli"))
    try:
        body = KeyId(id=parse_key(runner).id).model_dump_json().encode()
        await VerificationClient(bus, stack.admin_key).request(ApiSubject.KEYS_REVOKE, body)
    finally:
        await bus.close()
    code, out = await doctor(tmp_path, "--server", stack.url, "--api-key", runner)
    assert code == 1 and "✗ key           revoked API key" in out
    assert "fix: ask an admin for a new key (otv keys create); this one was revoked" in out
    assert runner not in out


async def test_doctor_refuses_a_key_file_others_can_read(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(new_key())
    key_file.chmod(0o644)
    code, out = await doctor(
        tmp_path, "--server", "nats://127.0.0.1:1", "--api-key-file", str(key_file)
    )
    assert code == 1
    assert f"✗ configuration the API key file {key_file} is readable by others" in out
    assert key_file.read_text() not in out


def every_command() -> Iterator[list[str]]:
    def walk(command: click.Command, path: list[str]) -> Iterator[list[str]]:
        yield path
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])

    yield from walk(cli, [])


@pytest.mark.parametrize("path", list(every_command()), ids=lambda p: " ".join(p) or "otv")
def test_every_command_has_help_with_an_example(
    path: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: otv")
    assert "Example" in out
    assert "otv " in out.split("Example", 1)[1]  # a real command line follows


def test_version_and_completion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "otv, version 0.1.0"
    for shell in ("bash", "zsh", "fish"):
        assert main(["completion", shell]) == 0
        assert "_OTV_COMPLETE" in capsys.readouterr().out
    completed = subprocess.run(
        [sys.executable, "-m", "otv"],
        env={**os.environ, "_OTV_COMPLETE": "bash_complete", "COMP_WORDS": "otv ver",
             "COMP_CWORD": "1"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.stdout.strip() == "plain,verify"


def test_inside_github_actions_verify_takes_head_target_and_run_from_the_ci(
    repo_and_profiles: tuple[GitRepo, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, profiles = repo_and_profiles
    feature = repo.rev("feature")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_SHA", feature)
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    monkeypatch.setenv("GITHUB_RUN_ID", "314159")
    monkeypatch.setenv("GITHUB_RUN_ATTEMPT", "1")
    code = main(["verify", str(repo.path), "--profiles", str(profiles), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["head"]["sha"] == feature
    assert [target["name"] for target in report["targets"]] == ["main"]
    assert report["correlation_id"] == "gh-314159-1"
