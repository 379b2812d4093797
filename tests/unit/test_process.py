from __future__ import annotations

import time
from pathlib import Path

import pytest
from support import gone_soon

from otv.scenarios.process import CommandNotRunnable, minimal_environment, run_command


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return minimal_environment(tmp_path, {"OTV_TARGET": "main"})


async def test_exit_status_and_output_are_reported(tmp_path: Path, env: dict[str, str]) -> None:
    result = await run_command(
        ["sh", "-c", "echo out; echo err >&2; exit 3"], tmp_path, env, timeout_s=10
    )
    assert result.exit_code == 3
    assert not result.timed_out
    assert result.output.splitlines() == ["out", "err"]


async def test_a_timeout_kills_the_whole_process_group(tmp_path: Path, env: dict[str, str]) -> None:
    marker = tmp_path / "child.pid"
    started = time.monotonic()
    result = await run_command(
        ["sh", "-c", f"sleep 60 & echo $! > {marker}; wait"], tmp_path, env, timeout_s=0.5
    )
    assert result.timed_out and result.exit_code is None
    assert time.monotonic() - started < 10
    assert gone_soon(int(marker.read_text()))


async def test_background_children_do_not_outlive_a_finished_command(
    tmp_path: Path, env: dict[str, str]
) -> None:
    marker = tmp_path / "child.pid"
    result = await run_command(
        ["sh", "-c", f"sleep 60 & echo $! > {marker}; exit 0"], tmp_path, env, timeout_s=10
    )
    assert result.exit_code == 0
    assert gone_soon(int(marker.read_text()))


async def test_output_is_capped_keeping_the_end(tmp_path: Path, env: dict[str, str]) -> None:
    result = await run_command(
        ["sh", "-c", "seq 1 100000"], tmp_path, env, timeout_s=10, output_cap=1000
    )
    assert result.truncated
    assert len(result.output) <= 1000
    assert result.output.rstrip().endswith("100000")


async def test_the_command_gets_a_minimal_environment(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTV_TEST_DEPLOY_TOKEN", "canary-7c1f")
    result = await run_command(["env"], tmp_path, env, timeout_s=10)
    names = {line.split("=", 1)[0] for line in result.output.splitlines()}
    assert names == {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "OTV_TARGET"}
    assert "canary-7c1f" not in result.output


async def test_secrets_a_command_prints_are_redacted(tmp_path: Path, env: dict[str, str]) -> None:
    result = await run_command(
        ["sh", "-c", "echo GITHUB_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyz"],
        tmp_path,
        env,
        timeout_s=10,
    )
    assert "ghp_0123" not in result.output
    assert "[REDACTED]" in result.output


async def test_a_missing_program_is_a_clear_error(tmp_path: Path, env: dict[str, str]) -> None:
    with pytest.raises(CommandNotRunnable, match="command not found: no-such-tool-xyz"):
        await run_command(["no-such-tool-xyz"], tmp_path, env, timeout_s=10)
