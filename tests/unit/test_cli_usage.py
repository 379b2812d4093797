"""Usage and configuration errors: one line on stderr, exit 2, before any stack starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import two_target_repository

from otv.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_missing_repository_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "verify", str(tmp_path / "nowhere"), "--target", "main")
    assert code == 2
    assert out == ""
    assert err == f"otv: error: repository not found: {tmp_path / 'nowhere'} does not exist\n"


def test_a_directory_that_is_not_a_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "verify", str(tmp_path), "--target", "main")
    assert (code, err) == (2, f"otv: error: not a git repository: {tmp_path}\n")


def test_an_invalid_profiles_file_is_named_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        "version: 1\nprofiles:\n  default:\n    scenarios:\n      - {id: x, type: shell}\n"
    )
    code, _, err = run(capsys, "verify", str(repo.path), "-t", "main", "--profiles", str(profiles))
    assert code == 2
    assert err.startswith(
        f"otv: error: {profiles}:5: unknown scenario type 'shell' (known: command, "
    )
    assert err.count("\n") == 1


def test_an_unknown_profile_in_a_profiles_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text("version: 1\nprofiles:\n  default: {}\n")
    code, _, err = run(
        capsys, "verify", str(repo.path), "-t", "main", "--profiles", str(profiles), "-p", "nightly"
    )
    assert (code, err) == (2, f"otv: error: {profiles}: no profile 'nightly' (profiles: default)\n")


def test_a_server_without_a_key_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    code, _, err = run(
        capsys, "verify", str(repo.path), "-t", "main", "--server", "nats://127.0.0.1:1"
    )
    assert code == 2
    assert err == (
        "otv: error: no API key for --server: pass --api-key-file FILE (or --api-key) "
        "or set OTV_API_KEY\n"
    )


def test_an_unreachable_server_warns_and_passes_unless_verification_is_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    monkeypatch.setenv("OTV_API_KEY", "otv_" + "a" * 40)
    args = ["verify", str(repo.path), "-t", "main", "--server", "nats://127.0.0.1:1"]
    code, out, err = run(capsys, *args)
    assert (code, out) == (0, "")  # fail-safe: a merge is never blocked by otv being away
    assert err == (
        "otv: warning: the change was not verified: cannot reach NATS at nats://127.0.0.1:1: "
        "is otv (or nats-server) running there?; exit 0 because otv is fail-safe "
        "(--require-verification exits 3)\n"
    )
    code, _, err = run(capsys, *args, "--require-verification")
    assert code == 3
    assert err == (
        "otv: error: cannot reach NATS at nats://127.0.0.1:1: "
        "is otv (or nats-server) running there?\n"
    )
    monkeypatch.setenv("OTV_REQUIRE_VERIFICATION", "1")
    code, _, _ = run(capsys, *args)
    assert code == 3


def test_an_invalid_correlation_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = two_target_repository(tmp_path / "repo")
    code, _, err = run(capsys, "verify", str(repo.path), "-t", "main", "--correlation-id", "a b")
    assert code == 2
    assert err.startswith("otv: error: invalid correlation id 'a b'")


def test_status_needs_a_server(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTV_SERVER", raising=False)
    code, _, err = run(capsys, "status", "abc")
    assert code == 2
    assert err.startswith("otv: error: no otv server given")


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "verify" in out
    code, out, _ = run(capsys, "verify", "--help")
    assert code == 0
    assert "Examples:" in out
    code, out, _ = run(capsys, "--version")
    assert (code, out.startswith("otv, version ")) == (0, True)
