from __future__ import annotations

import io
from pathlib import Path

import pytest

from otv.cli import main
from services.auth.keys import KeyTable, load_auth_config


def test_a_new_key_and_its_entry_round_trip_through_auth_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["keys", "new", "--id", "ci", "--name", "CI's pipeline", "--role", "review"]) == 0
    out = capsys.readouterr().out.splitlines()
    key = out[0].removeprefix("key (shown only now): ")
    config = tmp_path / "auth.yaml"
    config.write_text("version: 1\nkeys:\n" + out[2] + "\n")
    [record] = load_auth_config(config)
    assert (record.id, record.name, record.role.label) == ("ci", "CI's pipeline", "review")
    assert key not in config.read_text()
    assert KeyTable([record]).authenticate(f"Bearer {key}").id == "ci"

    monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))
    assert main(["keys", "hash"]) == 0
    assert capsys.readouterr().out.strip() == record.hash


def test_hash_refuses_what_is_not_a_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hunter2\n"))
    assert main(["keys", "hash"]) == 2
    assert capsys.readouterr().err == "otv: error: expected an otv key (otv_...) on stdin\n"
