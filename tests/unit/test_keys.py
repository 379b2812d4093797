from __future__ import annotations

import re
from pathlib import Path

import pytest

from otv.errors import UsageError
from otv.keys import MalformedKey, key_hash, new_key, parse_key, read_pepper

PEPPER = b"p" * 32


def test_new_keys_have_the_documented_shape_and_are_distinct() -> None:
    keys = {new_key() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert re.fullmatch(r"otv_[0-9A-Za-z]{8}_[0-9A-Za-z]{38}", key)
        assert parse_key(key).id == key[4:12]


def test_a_single_mistyped_character_fails_the_checksum() -> None:
    key = new_key()
    for position in range(13, len(key)):  # every character of the secret and checksum
        replacement = "a" if key[position] != "a" else "b"
        mistyped = key[:position] + replacement + key[position + 1 :]
        with pytest.raises(MalformedKey, match="checksum does not match"):
            parse_key(mistyped)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no API key presented"),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "otv keys start with 'otv_'"),
        ("otv_abc", "wrong length or characters"),
        ("otv_" + "a" * 8 + "_" + "b" * 37, "wrong length or characters"),
        ("otv_" + "a" * 8 + "-" + "b" * 38, "wrong length or characters"),
        ("otv_" + "x" * 300, "not an otv key"),
        ("otv_ключ_" + "b" * 38, "not an otv key"),
    ],
)
def test_malformed_keys_are_refused_without_echoing_them(text: str, reason: str) -> None:
    with pytest.raises(MalformedKey) as caught:
        parse_key(text)
    assert reason in str(caught.value)
    if text:
        assert text not in str(caught.value)


def test_the_hash_is_keyed_by_the_pepper() -> None:
    key = new_key()
    assert key_hash(key, PEPPER).startswith("hmac-sha256:")
    assert key_hash(key, PEPPER) == key_hash(key, PEPPER)
    assert key_hash(key, PEPPER) != key_hash(key, b"q" * 32)
    assert key not in key_hash(key, PEPPER)


def test_the_pepper_comes_from_the_variable_then_the_file(tmp_path: Path) -> None:
    file = tmp_path / "pepper"
    file.write_text("f" * 20 + "\n")
    assert read_pepper("v" * 20, file) == b"v" * 20
    assert read_pepper(None, file) == b"f" * 20
    with pytest.raises(UsageError, match="no pepper for API key hashes: set OTV_PEPPER_FILE"):
        read_pepper(None, None)
    with pytest.raises(UsageError, match="shorter than 16 bytes"):
        read_pepper("short", None)
    with pytest.raises(UsageError, match="cannot read the pepper file"):
        read_pepper(None, tmp_path / "missing")
