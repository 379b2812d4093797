from __future__ import annotations

from pathlib import Path

import pytest

from otv.errors import UsageError
from otv.keys import key_hash, new_key, parse_key
from otv.permissions import Role
from services.auth.config import load_auth_config

PEPPER = b"p" * 32
KEY = new_key()


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "auth.yaml"
    path.write_text(content)
    return path


def test_the_auth_config_holds_ids_and_keyed_hashes(tmp_path: Path) -> None:
    key_id = parse_key(KEY).id
    path = write(
        tmp_path,
        "version: 1\nkeys:\n"
        f"  - {{id: {key_id}, name: CI, role: run, hash: '{key_hash(KEY, PEPPER)}'}}\n",
    )
    [entry] = load_auth_config(path)
    assert (entry.id, entry.name, entry.role, entry.hash) == (
        key_id,
        "CI",
        Role.RUN,
        key_hash(KEY, PEPPER),
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "version: 1\nkeys:\n  - {id: abcd1234, name: CI, role: boss, hash: 'hmac-sha256:"
            + "0" * 64
            + "'}\n",
            "keys.0.role: Value error, unknown role 'boss'",
        ),
        (
            "version: 1\nkeys:\n  - {id: abcd1234, name: CI, role: run, hash: " + KEY + "}\n",
            "keys.0.hash: String should match pattern",
        ),
        ("version: 1\nkeys: [\n", r"cannot read auth configuration .*auth.yaml:3: "),
        (
            "version: 1\nkeys:\n  - {id: ci, hash: " + KEY + " :: }}\n",
            r"cannot read auth configuration .*auth.yaml:3: ",
        ),
        (
            "version: 1\nkeys:\n  - {id: abcd1234, name: A, role: run, hash: 'hmac-sha256:"
            + "0" * 64
            + "'}\n"
            "  - {id: abcd1234, name: B, role: run, hash: 'hmac-sha256:" + "1" * 64 + "'}\n",
            "key id 'abcd1234' appears twice",
        ),
    ],
    ids=[
        "unknown role",
        "a key instead of a hash",
        "unclosed list",
        "a key on a broken line",
        "id twice",
    ],
)
def test_a_bad_auth_config_is_refused_clearly(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        load_auth_config(write(tmp_path, content))
    assert KEY not in caught.value.message  # a key pasted by mistake is not echoed


def test_the_shipped_auth_config_loads() -> None:
    assert load_auth_config(Path(__file__).parents[2] / "config" / "auth_config.yaml") == []
